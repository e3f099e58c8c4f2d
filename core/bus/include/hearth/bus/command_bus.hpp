#pragma once
// Commands: requests from the energy manager (or an operator) to a device, each with an id, a
// priority and a deadline (architecture.md, "The scheduler bus"; plugin.h, "Commands"). The bus
// hands a command to the device's handler (the host forwards it to the plugin's command()) and
// delivers the completion to the submitter exactly once: the device's own, the timeout when the
// deadline passes first, or the cancellation when the device stops. Latency is recorded for
// every command that reached its device. Core thread only.
//
// Completion callbacks and handlers may submit and complete commands (also synchronously from
// inside the handler: a plugin may answer during command()).
#include <hearth/plugin.h>

#include <array>
#include <cstdint>
#include <functional>
#include <hearth/bus/latency_recorder.hpp>
#include <hearth/bus/string_map.hpp>
#include <hearth/core/clock.hpp>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hearth::bus {

// HEARTH_OK when the device took the command (it completes later), or a negative status that
// completes it at once. A handler that wants its own message on a refusal calls complete() with
// it before returning the status.
using CommandHandler = std::function<int32_t(const hearth_command &)>;

// Valid only during the completion callback.
struct CommandResult {
  uint64_t id = 0;
  std::string_view device;
  std::string_view capability;
  std::string_view name;
  int32_t priority = HEARTH_PRIO_POLL;
  int32_t status = HEARTH_OK;
  std::string_view message;
  int64_t latency_ns = 0;  // submit to completion
};

using CompletionCallback = std::function<void(const CommandResult &)>;

struct CommandStats {
  uint64_t submitted = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;  // completed by the device with an error, or its handler refused
  uint64_t timed_out = 0;
  uint64_t cancelled = 0;
  uint64_t refused = 0;              // never reached a device: unknown device, malformed command
  uint64_t ignored_completions = 0;  // duplicate, unknown id, another device's command, bad status
  std::array<uint64_t, HEARTH_PRIO_SAFETY + 1> submitted_by_priority{};
};

class CommandBus {
 public:
  explicit CommandBus(const Clock &clock, size_t latency_samples = 4096)
      : clock_(clock), latency_(latency_samples) {}
  CommandBus(const CommandBus &) = delete;
  CommandBus &operator=(const CommandBus &) = delete;

  // HEARTH_E_STATE when the device already has a handler.
  int32_t register_handler(std::string device, CommandHandler handler);
  // Cancels the device's open commands, then forgets the handler.
  void unregister_handler(std::string_view device);

  // Always returns the new command's id, and always completes it exactly once: immediately with
  // HEARTH_E_NOT_FOUND (no such device), HEARTH_E_INVALID (names too long, too many args, bad
  // priority or argument), HEARTH_E_TIMEOUT (deadline already passed) or the handler's negative
  // status; otherwise when the device completes, the deadline passes, or the device is cancelled.
  // deadline_mono_ns 0 means none.
  uint64_t submit(std::string_view device, std::string_view capability, std::string_view name,
                  std::span<const hearth_arg> args, int32_t priority, int64_t deadline_mono_ns,
                  CompletionCallback on_complete);

  // The device's answer. HEARTH_OK when delivered; HEARTH_E_NOT_FOUND for an unknown or already
  // completed id, HEARTH_E_DENIED for another device's command, HEARTH_E_INVALID for a positive
  // status: all ignored and counted.
  int32_t complete(std::string_view device, uint64_t id, int32_t status, std::string_view message);

  // Completes every command whose deadline is <= now with HEARTH_E_TIMEOUT; returns how many.
  size_t expire_due(int64_t now_mono_ns);
  // The earliest open deadline, for the host's timer.
  std::optional<int64_t> next_deadline() const;
  // Completes every open command of the device with HEARTH_E_CANCELLED; returns how many.
  size_t cancel_device(std::string_view device);

  size_t open_count() const { return open_.size(); }
  bool is_open(uint64_t id) const { return open_.contains(id); }
  const CommandStats &stats() const { return stats_; }
  const LatencyRecorder &latency() const { return latency_; }

 private:
  struct OpenCommand {
    std::string device;
    std::string capability;
    std::string name;
    int32_t priority = HEARTH_PRIO_POLL;
    int64_t submitted_mono_ns = 0;
    int64_t deadline_mono_ns = 0;
    bool reached_device = false;
    CompletionCallback on_complete;
  };

  std::optional<std::string> check_request(std::string_view capability, std::string_view name,
                                           std::span<const hearth_arg> args,
                                           int32_t priority) const;
  hearth_command build_command(uint64_t id, const OpenCommand &open,
                               std::span<const hearth_arg> args) const;
  void dispatch(uint64_t id, std::span<const hearth_arg> args);
  // Removes the command and calls its completion; false if it was not open.
  bool finish(uint64_t id, int32_t status, std::string_view message);
  void count_outcome(int32_t status, bool reached_device);

  const Clock &clock_;
  // Shared so that a handler unregistered from inside its own call outlives that call.
  StringMap<std::shared_ptr<CommandHandler>> handlers_;
  std::unordered_map<uint64_t, OpenCommand> open_;
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline, id) of open commands
  uint64_t last_id_ = 0;
  CommandStats stats_;
  LatencyRecorder latency_;
};

}  // namespace hearth::bus
