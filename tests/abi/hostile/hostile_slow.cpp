// hostile-slow: a timer callback that busy-waits `busy_ms` (default 5 ms) on every tick, five
// times the 1 ms budget of a plugin call (plugin.h, THREADS). The host must measure the overruns
// and disable the device, with an alarm. It publishes `ticks` so a test sees it ran.
#include <hearth/plugin.hpp>

namespace hostile {

class Slow : public hearth::Device {
 public:
  Slow()
      : busy_(std::chrono::milliseconds(host().param_int("busy_ms"))),
        period_(host().param_duration("period")) {}

  void start() override {
    ticks_ = host().declare_point<int64_t>("ticks", "", 60'000);
    host().every(period_, [this] {
      // Busy, not asleep: a real CPU hog. The wall clock, not the host's, since the point is to
      // overrun the real budget.
      const auto until = std::chrono::steady_clock::now() + busy_;
      while (std::chrono::steady_clock::now() < until) {
      }
      ticks_.publish(++tick_count_);
    });
  }

 private:
  const std::chrono::milliseconds busy_;
  const std::chrono::milliseconds period_;
  hearth::Point<int64_t> ticks_;
  int64_t tick_count_ = 0;
};

}  // namespace hostile

HEARTH_PLUGIN(
    "hostile-slow", "0.0.1", "Hearth tests", "Apache-2.0", "Overruns the 1 ms callback budget",
    hearth::driver<hostile::Slow>(
        "hostile-slow", "test", "Busy-waits in every timer callback",
        hearth::param_int("busy_ms").min(0).max(1000).default_value("5").help(
            "Busy time per tick."),
        hearth::param_duration("period").min(1).default_value("10ms").help("Time between ticks.")))
