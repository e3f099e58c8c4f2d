#pragma once
// What make_hal() needs: the backend and, for linux, which GPIO line, serial device and IIO
// channel is which. The defaults describe the reference product (3 LEDs, RST, 2 DI, 2 DO,
// 3 CT channels; emma-functions.md "Ports"); a board with more DIs lists up to 4.
#include <cstdint>
#include <hearth/core/clock.hpp>
#include <hearth/hal/ct.hpp>
#include <hearth/hal/serial.hpp>
#include <string>
#include <vector>

namespace hearth::hal {

enum class HalBackend { kSim, kLinux };

// "sim" | "linux"; throws std::invalid_argument naming the accepted values otherwise.
HalBackend parse_hal_backend(const std::string &text);
const char *to_string(HalBackend backend);

// One LED, DI, DO or the button. `gpio_line` is the GPIO line name the board's device tree
// gives it (found with gpiod_line_find); the sim backend ignores it. On the linux backend an
// LED or the button with an empty `gpio_line` is absent from the board: LED writes go nowhere
// and the button never changes. A listed DI or DO needs its line.
struct LineConfig {
  std::string name{};       // "run", "DI1", "DO2", "RST"
  std::string gpio_line{};  // e.g. "LED_RUN", "DI_1"
  bool active_low = false;
};

// One CT channel in the IIO device's scan: which scan elements carry its voltage and current,
// and the factors from IIO units (raw + offset) * scale (mV, mA by IIO convention) to primary
// volts and amperes (voltage divider, CT ratio and burden).
struct CtChannelConfig {
  std::string voltage_element{};  // e.g. "in_voltage0"
  std::string current_element{};  // e.g. "in_voltage1" or "in_current0"
  double voltage_gain = 0.001;    // V per IIO unit
  double current_gain = 0.001;    // A per IIO unit
};

struct CtSettings {
  std::string iio_device_name{};  // the IIO device's `name` attribute, e.g. "ads131e08"
  std::string sysfs_root = "/sys/bus/iio/devices";
  std::string dev_root = "/dev";
  double sample_rate_hz = 4000.0;
  uint32_t block_samples = 400;  // samples per channel in one delivered block (100 ms at 4 kHz)
  double current_skew_s = 0.0;   // known V/I sampling skew of the converter (0 if simultaneous)
  std::vector<CtChannelConfig> channels{};  // up to 3; empty = the board has no CT input
};

struct HalSettings {
  HalBackend backend = HalBackend::kSim;
  hearth::Clock *clock = nullptr;  // not owned; nullptr = hearth::SystemClock::instance()
  std::string gpio_consumer = "hearthd";
  std::vector<LineConfig> leds{{"run", "LED_RUN"}, {"alarm", "LED_ALARM"}, {"comm", "LED_COMM"}};
  LineConfig button{"RST", "BTN_RST", true};
  std::vector<LineConfig> digital_inputs{{"DI1", "DI_1", true}, {"DI2", "DI_2", true}};
  std::vector<LineConfig> digital_outputs{{"DO1", "DO_1"}, {"DO2", "DO_2"}};
  std::vector<SerialPortConfig> serial_ports{};
  CtSettings ct{};
  uint32_t sim_ct_channels = kCtChannelCount;  // CT channels the sim backend offers
  std::string sim_control_socket{};  // sim: a Unix socket to script the board from outside
};

// Problems with the settings, one readable sentence each (empty = fine): unknown or duplicate
// names, more than 4 DIs, missing LEDs, more than 3 CT channels. make_hal() throws on any.
std::vector<std::string> validate_hal_settings(const HalSettings &settings);

}  // namespace hearth::hal
