#include "hearth/energy/tou_schedule.hpp"

namespace hearth::energy {
namespace {

bool day_in(DayMask days, int weekday) {
  return (days & (1u << weekday)) != 0;
}

}  // namespace

bool window_contains(const ClockWindow &window, DayMask days, const LocalTime &now) {
  const int minute = now.minute_of_day();
  const int weekday = now.weekday();
  if (window.start_min < window.end_min) {
    return day_in(days, weekday) && minute >= window.start_min && minute < window.end_min;
  }
  // Passing midnight: the evening part on a listed day, the morning part the day after one.
  const int yesterday = (weekday + 6) % 7;
  return (day_in(days, weekday) && minute >= window.start_min) ||
         (day_in(days, yesterday) && minute < window.end_min);
}

const TouWindow *active_tou_window(const std::vector<TouWindow> &windows, const LocalTime &now) {
  for (const auto &window : windows) {
    if (window_contains(window.window, window.days, now)) return &window;
  }
  return nullptr;
}

}  // namespace hearth::energy
