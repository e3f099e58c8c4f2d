#pragma once
// One point's running minute: samples go in as they are published, the finished minute comes
// out as MinuteStats. A sample of a later minute closes the current one; a sample older than the
// current minute is late (its minute may already be written) and is refused and counted by the
// caller. Core thread; no allocation.
#include <hearth/store/history_types.hpp>
#include <optional>

namespace hearth::store {

class MinuteAccumulator {
 public:
  explicit MinuteAccumulator(bool counter = false) : counter_(counter) {}

  enum class Added { same_minute, closed_previous, late };
  // Adds a sample taken at wall_ms. When it starts a new minute, the finished one is moved to
  // *closed (and closed_previous returned).
  Added add(int64_t wall_ms, double value,
            std::optional<std::pair<WallMinute, MinuteStats>> *closed);
  // The running minute if it ended before `minute` (or any running minute when minute is
  // nullopt, at shutdown); the accumulator is empty afterwards.
  std::optional<std::pair<WallMinute, MinuteStats>> close_before(std::optional<WallMinute> minute);

  bool counter() const { return counter_; }
  bool empty() const { return stats_.count == 0; }
  WallMinute minute() const { return minute_; }

 private:
  void start(WallMinute minute, double value);

  bool counter_;
  WallMinute minute_ = 0;
  MinuteStats stats_;
  double sum_ = 0;
};

}  // namespace hearth::store
