#pragma once
// A host table that carries every call through bytes, as a process boundary would
// (architecture.md, ABI rule 6; the door to `isolation: process`).
//
// Plugin -> host: each argument is serialised into a byte buffer, deserialised into fresh heap
// buffers, and the inner host (the fake host) is called with those; outputs travel back the same
// way. Host -> plugin: a command, a Modbus result or a CT block reaches the plugin as a fresh copy
// that is poisoned (or freed) the moment the plugin's function returns. A plugin that keeps a
// pointer past the call therefore reads the poison pattern (kPattern) or trips ASan (kFree).
//
// Function pointers carry no context, so there is one SerialisingHost at a time.
#include <hearth/plugin.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace hearth::abi_test {

struct CallbackRef;

class SerialisingHost {
 public:
  enum class Poison { kPattern, kFree };
  static constexpr uint8_t kPoisonByte = 0xA5;

  SerialisingHost(hearth_plugin_entry_fn plugin_entry, Poison poison);
  ~SerialisingHost();
  SerialisingHost(const SerialisingHost &) = delete;
  SerialisingHost &operator=(const SerialisingHost &) = delete;

  // The entry function to hand to the host instead of the plugin's own.
  hearth_plugin_entry_fn entry() const;
  // Calls that went through bytes, each way.
  uint64_t host_calls() const { return host_calls_.load(); }
  uint64_t plugin_calls() const { return plugin_calls_.load(); }

  struct Impl;

 private:
  friend struct Impl;
  hearth_plugin_entry_fn plugin_entry_;
  Poison poison_;
  const hearth_host_api *inner_ = nullptr;
  hearth_host_api outer_{};
  const hearth_plugin_desc *plugin_desc_ = nullptr;
  hearth_plugin_desc wrapped_desc_{};
  std::vector<hearth_driver_desc> wrapped_drivers_;
  std::vector<std::unique_ptr<uint8_t[]>> quarantine_;  // poisoned, freed at the end
  std::vector<std::unique_ptr<CallbackRef>> callback_refs_;
  std::atomic<uint64_t> host_calls_{0};
  std::atomic<uint64_t> plugin_calls_{0};
};

}  // namespace hearth::abi_test
