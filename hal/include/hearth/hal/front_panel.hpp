#pragma once
// The three front-panel LEDs of a Hal with one timer between them: the core arms a single timer
// for next_edge_mono_ns() and calls update() when it fires.
#include <cstdint>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/led_pattern.hpp>
#include <optional>

namespace hearth::hal {

class FrontPanel {
 public:
  // All three LEDs off until told otherwise.
  explicit FrontPanel(const Hal &hal);

  RunLed &run() { return run_; }
  AlarmLed &alarm() { return alarm_; }
  CommLed &comm() { return comm_; }

  void update(int64_t now_mono_ns);
  // The earliest next edge of the three; nullopt when none blinks.
  std::optional<int64_t> next_edge_mono_ns() const;

 private:
  RunLed run_;
  AlarmLed alarm_;
  CommLed comm_;
};

}  // namespace hearth::hal
