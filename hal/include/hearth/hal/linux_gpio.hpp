#pragma once
// Pure helpers of the libgpiod (1.6) backend.
#include <cstdint>
#include <ctime>

namespace hearth::hal {

// The monotonic time of a GPIO line event. Kernels from 5.7 on stamp line events with
// CLOCK_MONOTONIC; older ones used CLOCK_REALTIME. A stamp further than `max_plausible_ns` from
// the monotonic time of reading is taken as the other clock, and the read time is used instead
// (the edge is then late by the read latency, never years off).
int64_t gpio_event_mono_ns(const timespec &event_ts, int64_t read_mono_ns,
                           int64_t max_plausible_ns = 10'000'000'000LL);

}  // namespace hearth::hal
