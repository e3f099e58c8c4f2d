#pragma once
// TOU windows on the site's wall clock (README.md, "TOU"). Windows compare local clock minutes,
// so a day of 23 or 25 hours needs nothing special: a window over the spring-forward gap is an
// hour shorter in real time, one over the repeated hour an hour longer, and a window that would
// start inside the gap (02:30 on the spring-forward day) starts when the clock leaves it (03:00).
#include <optional>
#include <vector>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/local_time.hpp"

namespace hearth::energy {

// True when `now` is inside the window; a window passing midnight belongs to its start day.
bool window_contains(const ClockWindow &window, DayMask days, const LocalTime &now);

// The first window in the owner's list that holds now.
const TouWindow *active_tou_window(const std::vector<TouWindow> &windows, const LocalTime &now);

}  // namespace hearth::energy
