#include <algorithm>
#include <hearth/bus/log_limiter.hpp>
#include <string>

namespace hearth::bus {

LogLimiter::LogLimiter(const Clock &clock, LogLimiterConfig config)
    : clock_(clock), config_(config) {
  config_.burst_lines = std::max(config_.burst_lines, 1.0);
  config_.refill_lines_per_s = std::max(config_.refill_lines_per_s, 0.0);
}

LogDecision LogLimiter::allow(std::string_view device) {
  const int64_t now_mono_ns = clock_.mono_ns();
  const std::lock_guard lock(mutex_);
  auto found = buckets_.find(device);
  if (found == buckets_.end()) {
    found =
        buckets_.emplace(std::string(device), Bucket{config_.burst_lines, now_mono_ns, 0}).first;
  }
  Bucket &bucket = found->second;
  const double elapsed_s =
      static_cast<double>(std::max<int64_t>(0, now_mono_ns - bucket.refilled_mono_ns)) / 1e9;
  bucket.tokens =
      std::min(config_.burst_lines, bucket.tokens + elapsed_s * config_.refill_lines_per_s);
  bucket.refilled_mono_ns = std::max(bucket.refilled_mono_ns, now_mono_ns);
  if (bucket.tokens < 1.0) {
    ++bucket.suppressed_pending;
    ++suppressed_total_;
    return {false, 0};
  }
  bucket.tokens -= 1.0;
  ++passed_total_;
  const LogDecision decision{true, bucket.suppressed_pending};
  bucket.suppressed_pending = 0;
  return decision;
}

uint64_t LogLimiter::suppressed_total() const {
  const std::lock_guard lock(mutex_);
  return suppressed_total_;
}

uint64_t LogLimiter::passed_total() const {
  const std::lock_guard lock(mutex_);
  return passed_total_;
}

}  // namespace hearth::bus
