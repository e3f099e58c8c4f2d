#pragma once
// CT channels: blocks of simultaneous voltage and current samples per phase, the C++ twin of
// hearth_ct_block (plugin-api/include/hearth/plugin.h), which the host hands to the ct-meter
// driver through hal_ct_subscribe.
#include <hearth/plugin.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hearth::hal {

inline constexpr uint32_t kCtChannelCount = 3;  // phases A, B, C

struct CtBlock {
  uint32_t channel = 0;  // 0, 1, 2 = phases A, B, C ("CT1".."CT3" in YAML)
  int64_t first_sample_mono_ns = 0;
  double sample_rate_hz = 0.0;
  double current_skew_s = 0.0;  // current samples lag voltage samples by this much (0 if unknown)
  std::vector<float> voltage_v{};
  std::vector<float> current_a{};  // primary current (the CT ratio is already applied)

  // A view for the plugin ABI; valid while this block lives and is not modified.
  hearth_ct_block abi_view() const;
};

// "CT1".."CT3" (the YAML and hal_ct_subscribe names) -> 0..2; nullopt for anything else.
std::optional<uint32_t> ct_channel_index(std::string_view name);

// The CT sample source of a board: all channels come from one converter, so one source
// delivers the blocks of every channel.
class CtInput {
 public:
  virtual ~CtInput() = default;
  virtual uint32_t channel_count() const = 0;
  // Drains the complete blocks captured since the last call, oldest first.
  virtual std::vector<CtBlock> read_blocks() = 0;
  // Readable while blocks (or bytes that make them) are pending; -1 if none.
  virtual int event_fd() const = 0;
};

}  // namespace hearth::hal
