#include <algorithm>
#include <hearth/hal/front_panel.hpp>

namespace hearth::hal {

FrontPanel::FrontPanel(const Hal &hal)
    : run_(hal.led(LedId::kRun)), alarm_(hal.led(LedId::kAlarm)), comm_(hal.led(LedId::kComm)) {}

void FrontPanel::update(int64_t now_mono_ns) {
  run_.update(now_mono_ns);
  alarm_.update(now_mono_ns);
  comm_.update(now_mono_ns);
}

std::optional<int64_t> FrontPanel::next_edge_mono_ns() const {
  std::optional<int64_t> earliest;
  for (const LedDriver *led :
       {static_cast<const LedDriver *>(&run_), static_cast<const LedDriver *>(&alarm_),
        static_cast<const LedDriver *>(&comm_)}) {
    const auto next = led->next_edge_mono_ns();
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  return earliest;
}

}  // namespace hearth::hal
