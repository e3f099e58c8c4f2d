#pragma once
// Time sources for the core and the HAL. Everything that decides by time takes a Clock&, so
// tests drive a ManualClock and assert exact edge times instead of sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace hearth {

class Clock {
 public:
  virtual ~Clock() = default;
  // CLOCK_MONOTONIC, nanoseconds.
  virtual int64_t mono_ns() const = 0;
  // Wall clock, UTC milliseconds since 1970.
  virtual int64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t mono_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock &instance() {
    static SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told to. Safe to read from any thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_mono_ns = 1'000'000'000, int64_t start_wall_ms = 1'700'000'000'000)
      : mono_ns_(start_mono_ns), wall_ms_(start_wall_ms) {}
  int64_t mono_ns() const override { return mono_ns_.load(); }
  int64_t wall_ms() const override { return wall_ms_.load(); }
  void advance_ns(int64_t ns) {
    mono_ns_ += ns;
    wall_ms_ += ns / 1'000'000;
  }
  void advance_ms(int64_t ms) { advance_ns(ms * 1'000'000); }
  void set_wall_ms(int64_t ms) { wall_ms_ = ms; }

 private:
  std::atomic<int64_t> mono_ns_;
  std::atomic<int64_t> wall_ms_;
};

}  // namespace hearth
