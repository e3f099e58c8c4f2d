#include <algorithm>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/sim.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "backends.hpp"

namespace hearth::hal {

HalBackend parse_hal_backend(const std::string &text) {
  if (text == "sim") return HalBackend::kSim;
  if (text == "linux") return HalBackend::kLinux;
  throw std::invalid_argument("hal: unknown backend '" + text + "' (expected sim or linux)");
}

const char *to_string(HalBackend backend) {
  return backend == HalBackend::kSim ? "sim" : "linux";
}

const char *to_string(LedId led) {
  switch (led) {
    case LedId::kRun:
      return "run";
    case LedId::kAlarm:
      return "alarm";
    case LedId::kComm:
      return "comm";
  }
  return "?";
}

namespace {

constexpr std::size_t kMaxDigitalInputs = 4;
constexpr std::size_t kMaxDigitalOutputs = 2;

bool has_prefix_and_number(const std::string &name, const std::string &prefix, std::size_t max) {
  if (name.size() != prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  const char digit = name.back();
  return digit >= '1' && digit <= static_cast<char>('0' + max);
}

void check_channel_names(const std::vector<LineConfig> &lines, const std::string &prefix,
                         std::size_t max, const char *what, std::vector<std::string> &problems) {
  if (lines.size() > max) {
    problems.push_back(std::string(what) + ": " + std::to_string(lines.size()) +
                       " configured, the HAL has at most " + std::to_string(max));
  }
  std::set<std::string> seen;
  for (const auto &line : lines) {
    if (!has_prefix_and_number(line.name, prefix, max)) {
      problems.push_back(std::string(what) + ": channel name '" + line.name + "' is not " + prefix +
                         "1.." + prefix + std::to_string(max));
    }
    if (!seen.insert(line.name).second) {
      problems.push_back(std::string(what) + ": channel " + line.name + " is listed twice");
    }
  }
}

}  // namespace

std::vector<std::string> validate_hal_settings(const HalSettings &settings) {
  std::vector<std::string> problems;
  const std::set<std::string> led_names{"run", "alarm", "comm"};
  std::set<std::string> seen_leds;
  for (const auto &led : settings.leds) {
    if (!led_names.count(led.name)) {
      problems.push_back("leds: unknown LED '" + led.name + "' (expected run, alarm, comm)");
    } else if (!seen_leds.insert(led.name).second) {
      problems.push_back("leds: LED " + led.name + " is listed twice");
    }
  }
  for (const auto &name : led_names) {
    if (!seen_leds.count(name)) problems.push_back("leds: LED " + name + " is missing");
  }
  if (settings.button.name != "RST") {
    problems.push_back("button: the button is called RST, not '" + settings.button.name + "'");
  }
  check_channel_names(settings.digital_inputs, "DI", kMaxDigitalInputs, "digital inputs", problems);
  check_channel_names(settings.digital_outputs, "DO", kMaxDigitalOutputs, "digital outputs",
                      problems);
  if (settings.backend == HalBackend::kLinux) {
    for (const auto *lines : {&settings.digital_inputs, &settings.digital_outputs}) {
      for (const auto &line : *lines) {
        if (line.gpio_line.empty()) {
          problems.push_back(line.name + ": the linux backend needs its GPIO line name");
        }
      }
    }
  }
  std::set<std::string> ports;
  for (const auto &port : settings.serial_ports) {
    if (port.name.empty() || port.device_path.empty()) {
      problems.push_back("serial ports: port '" + port.name + "' needs a name and a device path");
    }
    if (!ports.insert(port.name).second) {
      problems.push_back("serial ports: port " + port.name + " is listed twice");
    }
  }
  if (settings.ct.channels.size() > kCtChannelCount) {
    problems.push_back("ct: " + std::to_string(settings.ct.channels.size()) +
                       " channels configured, the HAL has at most 3");
  }
  if (settings.sim_ct_channels > kCtChannelCount) {
    problems.push_back("ct: the sim offers at most 3 channels");
  }
  if (!(settings.ct.sample_rate_hz > 0.0) || settings.ct.block_samples == 0) {
    problems.push_back("ct: the sample rate and the block length must be positive");
  }
  return problems;
}

void throw_if_invalid(const HalSettings &settings) {
  const auto problems = validate_hal_settings(settings);
  if (problems.empty()) return;
  std::string message = "hal settings are invalid:";
  for (const auto &problem : problems) message += "\n  " + problem;
  throw std::invalid_argument(message);
}

hearth::Clock &clock_of(const HalSettings &settings) {
  return settings.clock ? *settings.clock : hearth::SystemClock::instance();
}

LedId led_id_of(const std::string &name) {
  if (name == "run") return LedId::kRun;
  if (name == "alarm") return LedId::kAlarm;
  return LedId::kComm;
}

OutputLine &Hal::led(LedId led) const {
  return *leds_[static_cast<int>(led)];
}

namespace {
template <typename Line>
Line *find_line(const std::vector<std::unique_ptr<Line>> &lines, std::string_view name) {
  auto it = std::find_if(lines.begin(), lines.end(),
                         [&](const auto &line) { return line->name() == name; });
  return it == lines.end() ? nullptr : it->get();
}
}  // namespace

InputLine *Hal::digital_input(std::string_view name) const {
  return find_line(inputs_, name);
}

OutputLine *Hal::digital_output(std::string_view name) const {
  return find_line(outputs_, name);
}

const SerialPortConfig *Hal::serial_port(std::string_view name) const {
  auto it = std::find_if(serial_ports_.begin(), serial_ports_.end(),
                         [&](const auto &port) { return port.name == name; });
  return it == serial_ports_.end() ? nullptr : &*it;
}

const SerialPortConfig &Hal::require_serial_port(std::string_view name) const {
  const auto *port = serial_port(name);
  if (!port) throw std::invalid_argument("hal: no serial port '" + std::string(name) + "'");
  return *port;
}

std::unique_ptr<Hal> make_hal(const HalSettings &settings) {
  if (settings.backend == HalBackend::kSim) return make_sim_hal(settings);
  throw_if_invalid(settings);
  return make_linux_hal(settings);
}

}  // namespace hearth::hal
