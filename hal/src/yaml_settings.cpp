#include <algorithm>
#include <hearth/hal/yaml_settings.hpp>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace hearth::hal {

namespace {

class HalYamlReader {
 public:
  explicit HalYamlReader(std::vector<HalYamlProblem> &problems) : problems_(problems) {}

  void problem(const YAML::Node &node, const std::string &key, std::string message) {
    int line = 0, column = 0;
    if (node.IsDefined()) {  // a missing key's node has no position (and Mark() would throw)
      const auto mark = node.Mark();
      if (mark.line >= 0) {
        line = mark.line + 1;
        column = mark.column + 1;
      }
    }
    problems_.push_back({line, column, key, std::move(message)});
  }

  // Unknown keys of a map are problems (a typo must not silently leave a default in place).
  bool expect_map(const YAML::Node &node, const std::string &key,
                  std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) {
      problem(node, key, "expected a map");
      return false;
    }
    for (const auto &entry : node) {
      const auto name = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        problem(entry.first, key + "." + name, "unknown key");
      }
    }
    return true;
  }

  template <typename T>
  std::optional<T> value(const YAML::Node &node, const std::string &key, const char *expected) {
    if (node.IsScalar()) {
      try {
        return node.as<T>();
      } catch (const YAML::Exception &) {
      }
    }
    problem(node, key, std::string("expected ") + expected);
    return std::nullopt;
  }

  // Sets `target` from map[name] when present and well typed.
  template <typename T>
  void read(const YAML::Node &map, const std::string &key, const char *name, const char *expected,
            T &target) {
    const YAML::Node node = map[name];
    if (!node.IsDefined()) return;
    if (auto parsed = value<T>(node, key + "." + name, expected)) target = *parsed;
  }

  // `NAME` or { line: NAME, active_low: BOOL }.
  std::optional<LineConfig> line(const YAML::Node &node, const std::string &key,
                                 std::string channel, bool default_active_low) {
    LineConfig config{std::move(channel), "", default_active_low};
    if (node.IsScalar()) {
      config.gpio_line = node.Scalar();
      return config;
    }
    if (!expect_map(node, key, {"line", "active_low"})) return std::nullopt;
    if (!node["line"].IsDefined()) {
      problem(node, key, "missing required key 'line' (the GPIO line name)");
      return std::nullopt;
    }
    read(node, key, "line", "a GPIO line name", config.gpio_line);
    read(node, key, "active_low", "true or false", config.active_low);
    return config;
  }

  // A map of channel -> line, in YAML order.
  std::vector<LineConfig> lines(const YAML::Node &node, const std::string &key,
                                bool default_active_low) {
    std::vector<LineConfig> out;
    if (!node.IsMap()) {
      problem(node, key, "expected a map of channel: line");
      return out;
    }
    for (const auto &entry : node) {
      const auto channel = entry.first.Scalar();
      if (entry.second.IsNull()) {  // `DI1:` with nothing: point at the key, not past it
        problem(entry.first, key + "." + channel,
                "expected a GPIO line name or { line: NAME, active_low: BOOL }");
        continue;
      }
      if (auto config = line(entry.second, key + "." + channel, channel, default_active_low)) {
        out.push_back(*config);
      }
    }
    return out;
  }

  void rs485(const YAML::Node &node, const std::string &key, Rs485Settings &out) {
    if (!expect_map(node, key,
                    {"enabled", "rts_on_send", "rts_after_send", "rx_during_tx", "terminate_bus",
                     "delay_rts_before_send_ms", "delay_rts_after_send_ms"})) {
      return;
    }
    const char *flag = "true or false";
    read(node, key, "enabled", flag, out.enabled);
    read(node, key, "rts_on_send", flag, out.rts_on_send);
    read(node, key, "rts_after_send", flag, out.rts_after_send);
    read(node, key, "rx_during_tx", flag, out.rx_during_tx);
    read(node, key, "terminate_bus", flag, out.terminate_bus);
    read(node, key, "delay_rts_before_send_ms", "milliseconds", out.delay_rts_before_send_ms);
    read(node, key, "delay_rts_after_send_ms", "milliseconds", out.delay_rts_after_send_ms);
  }

  std::vector<SerialPortConfig> serial_ports(const YAML::Node &node, const std::string &key) {
    std::vector<SerialPortConfig> out;
    if (!node.IsMap()) {
      problem(node, key, "expected a map of port name: { device, rs485 }");
      return out;
    }
    for (const auto &entry : node) {
      SerialPortConfig port;
      port.name = entry.first.Scalar();
      const std::string port_key = key + "." + port.name;
      if (!expect_map(entry.second, port_key, {"device", "rs485"})) continue;
      read(entry.second, port_key, "device", "a device path", port.device_path);
      if (entry.second["rs485"].IsDefined()) {
        rs485(entry.second["rs485"], port_key + ".rs485", port.rs485);
      }
      out.push_back(port);
    }
    return out;
  }

  void ct(const YAML::Node &node, const std::string &key, CtSettings &out) {
    if (!expect_map(node, key,
                    {"iio_device", "sysfs_root", "dev_root", "sample_rate_hz", "block_samples",
                     "current_skew_s", "channels"})) {
      return;
    }
    read(node, key, "iio_device", "an IIO device name", out.iio_device_name);
    read(node, key, "sysfs_root", "a directory", out.sysfs_root);
    read(node, key, "dev_root", "a directory", out.dev_root);
    read(node, key, "sample_rate_hz", "a rate in Hz", out.sample_rate_hz);
    read(node, key, "block_samples", "a sample count", out.block_samples);
    read(node, key, "current_skew_s", "seconds", out.current_skew_s);
    const YAML::Node channels = node["channels"];
    if (!channels.IsDefined()) return;
    if (!channels.IsSequence()) {
      problem(channels, key + ".channels", "expected a list (phases A, B, C in order)");
      return;
    }
    for (std::size_t i = 0; i < channels.size(); ++i) {
      const std::string channel_key = key + ".channels[" + std::to_string(i) + "]";
      const YAML::Node channel = channels[i];
      if (!expect_map(channel, channel_key,
                      {"voltage", "current", "voltage_gain", "current_gain"})) {
        continue;
      }
      CtChannelConfig config;
      for (const char *required : {"voltage", "current"}) {
        if (!channel[required].IsDefined()) {
          problem(channel, channel_key,
                  std::string("missing required key '") + required +
                      "' (an IIO scan element such as in_voltage0)");
        }
      }
      read(channel, channel_key, "voltage", "a scan element name", config.voltage_element);
      read(channel, channel_key, "current", "a scan element name", config.current_element);
      read(channel, channel_key, "voltage_gain", "V per IIO unit", config.voltage_gain);
      read(channel, channel_key, "current_gain", "A per IIO unit", config.current_gain);
      out.channels.push_back(config);
    }
  }

 private:
  std::vector<HalYamlProblem> &problems_;
};

void read_map(HalYamlReader &reader, const YAML::Node &hal, HalSettings &settings) {
  if (!reader.expect_map(hal, "hal",
                         {"backend", "gpio_consumer", "leds", "button", "di", "do", "serial", "ct",
                          "sim_ct_channels", "sim_control_socket"})) {
    return;
  }
  if (!hal["backend"].IsDefined()) {
    reader.problem(hal, "hal", "missing required key 'backend' (sim or linux)");
  } else if (auto backend =
                 reader.value<std::string>(hal["backend"], "hal.backend", "sim or linux")) {
    try {
      settings.backend = parse_hal_backend(*backend);
    } catch (const std::invalid_argument &) {
      reader.problem(hal["backend"], "hal.backend",
                     "expected sim or linux, got '" + *backend + "'");
    }
  }
  reader.read(hal, "hal", "gpio_consumer", "a name", settings.gpio_consumer);
  if (hal["leds"].IsDefined()) {
    // Given LEDs replace their defaults one by one; the others keep the reference board's.
    for (const auto &led : reader.lines(hal["leds"], "hal.leds", false)) {
      auto it = std::find_if(settings.leds.begin(), settings.leds.end(),
                             [&](const auto &known) { return known.name == led.name; });
      if (it != settings.leds.end()) {
        *it = led;
      } else {
        settings.leds.push_back(led);  // an unknown LED: validate_hal_settings names it
      }
    }
  }
  if (hal["button"].IsDefined()) {
    if (auto button = reader.line(hal["button"], "hal.button", "RST", true)) {
      settings.button = *button;
    }
  }
  if (hal["di"].IsDefined()) settings.digital_inputs = reader.lines(hal["di"], "hal.di", true);
  if (hal["do"].IsDefined()) settings.digital_outputs = reader.lines(hal["do"], "hal.do", false);
  if (hal["serial"].IsDefined()) {
    settings.serial_ports = reader.serial_ports(hal["serial"], "hal.serial");
  }
  if (hal["ct"].IsDefined()) reader.ct(hal["ct"], "hal.ct", settings.ct);
  reader.read(hal, "hal", "sim_ct_channels", "a channel count (0..3)", settings.sim_ct_channels);
  reader.read(hal, "hal", "sim_control_socket", "a socket path", settings.sim_control_socket);
}

}  // namespace

HalYamlResult hal_settings_from_yaml(const YAML::Node &hal) {
  HalYamlResult result;
  HalYamlReader reader(result.problems);
  if (!hal.IsDefined() || hal.IsNull()) return result;  // no `hal:`: the sim with defaults
  if (hal.IsScalar()) {
    if (auto backend = reader.value<std::string>(hal, "hal", "sim or linux")) {
      try {
        result.settings.backend = parse_hal_backend(*backend);
      } catch (const std::invalid_argument &) {
        reader.problem(hal, "hal", "expected sim or linux, got '" + *backend + "'");
      }
    }
  } else {
    read_map(reader, hal, result.settings);
  }
  for (auto &text : validate_hal_settings(result.settings)) reader.problem(hal, "hal", text);
  return result;
}

}  // namespace hearth::hal
