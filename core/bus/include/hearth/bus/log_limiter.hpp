#pragma once
// Decides whether a device's log line goes to the journal: a token bucket per device (a burst,
// then a steady rate), so one chatty or broken plugin cannot flood the journal or wear the flash
// (plugin.h, host->log: "rate-limited per device"). Suppressed lines are counted; the first line
// that passes again carries the count so the host can write "N lines suppressed".
// Thread-safe: host->log may be called from any thread.
#include <cstdint>
#include <hearth/bus/string_map.hpp>
#include <hearth/core/clock.hpp>
#include <mutex>
#include <string_view>

namespace hearth::bus {

struct LogLimiterConfig {
  double burst_lines = 20;
  double refill_lines_per_s = 5;
};

struct LogDecision {
  bool pass = false;
  // Lines of this device suppressed since the last line that passed; reported once, with the
  // first line that passes.
  uint64_t suppressed_before = 0;
};

class LogLimiter {
 public:
  explicit LogLimiter(const Clock &clock, LogLimiterConfig config = {});

  LogDecision allow(std::string_view device);

  uint64_t suppressed_total() const;
  uint64_t passed_total() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t refilled_mono_ns = 0;
    uint64_t suppressed_pending = 0;
  };

  const Clock &clock_;
  LogLimiterConfig config_;
  mutable std::mutex mutex_;
  StringMap<Bucket> buckets_;
  uint64_t suppressed_total_ = 0;
  uint64_t passed_total_ = 0;
};

}  // namespace hearth::bus
