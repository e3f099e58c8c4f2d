#pragma once
// The `hal:` section of the YAML configuration turned into HalSettings. hearth::config checks
// the backend name and keeps the node (Config::hal_config); the keys below belong to the HAL.
//
//   hal: sim                      # or linux with the reference board's line names (settings.hpp)
//   hal:
//     backend: linux
//     gpio_consumer: hearthd
//     leds:   { run: LED_RUN, alarm: LED_ALARM, comm: { line: LED_COMM, active_low: true } }
//     button: { line: BTN_RST, active_low: true }
//     di:     { DI1: { line: DI_1, active_low: true }, DI2: DI_2 }     # replaces the default DIs
//     do:     { DO1: DO_1, DO2: DO_2 }                                  # replaces the default DOs
//     serial:
//       rs485-1: { device: /dev/ttyS1, rs485: { enabled: true, rts_on_send: true,
//                  rts_after_send: false, rx_during_tx: false, terminate_bus: false,
//                  delay_rts_before_send_ms: 0, delay_rts_after_send_ms: 0 } }
//     ct:
//       iio_device: ads131e08     # the IIO device's name attribute
//       sample_rate_hz: 4000
//       block_samples: 400
//       current_skew_s: 0
//       channels:                 # phases A, B, C in order
//         - { voltage: in_voltage0, current: in_voltage1, voltage_gain: 0.001, current_gain: 0.05 }
//     sim_ct_channels: 3          # sim only
//     sim_control_socket: /run/hearth/hal-sim.sock   # sim only: see sim_control.hpp
//
// A line is either its GPIO line name or { line: NAME, active_low: BOOL }.
#include <yaml-cpp/yaml.h>

#include <hearth/hal/settings.hpp>
#include <string>
#include <vector>

namespace hearth::hal {

struct HalYamlProblem {
  int line = 0;  // 1-based; 0 when the node has no position
  int column = 0;
  std::string key{};  // "hal.di.DI1.active_low"
  std::string message{};
};

struct HalYamlResult {
  HalSettings settings{};
  std::vector<HalYamlProblem> problems{};  // empty = the settings are complete and valid
};

// Reads every key it knows, reports every one it does not and every wrong type, then runs
// validate_hal_settings on the result (those problems carry the position of the `hal:` node).
HalYamlResult hal_settings_from_yaml(const YAML::Node &hal);

}  // namespace hearth::hal
