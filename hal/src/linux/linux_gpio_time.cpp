#include <hearth/hal/linux_gpio.hpp>

namespace hearth::hal {

int64_t gpio_event_mono_ns(const timespec &event_ts, int64_t read_mono_ns,
                           int64_t max_plausible_ns) {
  const int64_t stamp_ns =
      static_cast<int64_t>(event_ts.tv_sec) * 1'000'000'000LL + event_ts.tv_nsec;
  const int64_t age_ns = read_mono_ns - stamp_ns;
  // An event cannot be from the future, and a monotonic stamp is seconds old at most.
  if (age_ns < 0 || age_ns > max_plausible_ns) return read_mono_ns;
  return stamp_ns;
}

}  // namespace hearth::hal
