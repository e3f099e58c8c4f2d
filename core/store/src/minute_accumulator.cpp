#include <algorithm>
#include <hearth/store/minute_accumulator.hpp>

namespace hearth::store {

void MinuteAccumulator::start(WallMinute minute, double value) {
  minute_ = minute;
  stats_ =
      MinuteStats{1, value, value, value, counter_, counter_ ? value : 0, counter_ ? value : 0};
  sum_ = value;
}

MinuteAccumulator::Added MinuteAccumulator::add(
    int64_t wall_ms, double value, std::optional<std::pair<WallMinute, MinuteStats>> *closed) {
  const WallMinute minute = minute_of(wall_ms);
  if (stats_.count == 0) {
    start(minute, value);
    return Added::same_minute;
  }
  if (minute < minute_) return Added::late;
  if (minute > minute_) {
    *closed = close_before(minute);
    start(minute, value);
    return Added::closed_previous;
  }
  ++stats_.count;
  sum_ += value;
  stats_.min = std::min(stats_.min, value);
  stats_.max = std::max(stats_.max, value);
  if (counter_) stats_.last = value;
  return Added::same_minute;
}

std::optional<std::pair<WallMinute, MinuteStats>> MinuteAccumulator::close_before(
    std::optional<WallMinute> minute) {
  if (stats_.count == 0 || (minute && minute_ >= *minute)) return std::nullopt;
  stats_.mean = sum_ / stats_.count;
  auto finished = std::make_pair(minute_, stats_);
  stats_ = MinuteStats{};
  sum_ = 0;
  return finished;
}

}  // namespace hearth::store
