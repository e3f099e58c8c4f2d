// The linux backend: GPIO lines through libgpiod 1.6 (found by line name), RS485 through
// TIOCSRS485, CT samples through IIO buffered capture.
#include <cerrno>
#include <cstring>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/linux_gpio.hpp>
#include <hearth/hal/linux_iio.hpp>
#include <hearth/hal/linux_serial.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../backends.hpp"

#ifdef HEARTH_HAL_HAVE_GPIOD
#include <gpiod.h>
#endif

namespace hearth::hal {

namespace {

#ifdef HEARTH_HAL_HAVE_GPIOD

[[noreturn]] void gpio_failure(const LineConfig &config, const char *what) {
  throw std::system_error(errno, std::generic_category(),
                          "gpio " + config.name + " (line '" + config.gpio_line + "'): " + what);
}

// A requested GPIO line; releasing it closes the chip gpiod_line_find opened for it.
class GpiodLine {
 public:
  explicit GpiodLine(const LineConfig &config) : line_(find(config)) {}
  ~GpiodLine() {
    gpiod_line_release(line_);
    gpiod_line_close_chip(line_);
  }
  GpiodLine(const GpiodLine &) = delete;
  GpiodLine &operator=(const GpiodLine &) = delete;

  gpiod_line *get() const { return line_; }

 private:
  static gpiod_line *find(const LineConfig &config) {
    errno = 0;
    gpiod_line *line = gpiod_line_find(config.gpio_line.c_str());
    if (line) return line;
    if (errno == 0 || errno == ENOENT) {
      errno = ENOENT;
      gpio_failure(config, "no GPIO chip has a line of this name");
    }
    gpio_failure(config, "cannot search the GPIO chips (permissions of /dev/gpiochip*?)");
  }

  gpiod_line *line_;
};

int request_flags(const LineConfig &config) {
  return config.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
}

class GpiodOutputLine final : public OutputLine {
 public:
  GpiodOutputLine(const LineConfig &config, const std::string &consumer)
      : config_(config), line_(config) {
    if (gpiod_line_request_output_flags(line_.get(), consumer.c_str(), request_flags(config), 0) <
        0) {
      gpio_failure(config, "cannot request it as an output");
    }
  }
  const std::string &name() const override { return config_.name; }
  void set(bool level) override {
    if (gpiod_line_set_value(line_.get(), level ? 1 : 0) < 0) gpio_failure(config_, "set failed");
    level_ = level;
  }
  bool level() const override { return level_; }

 private:
  LineConfig config_;
  GpiodLine line_;
  bool level_ = false;
};

class GpiodInputLine final : public InputLine {
 public:
  GpiodInputLine(const LineConfig &config, const std::string &consumer, hearth::Clock &clock)
      : config_(config), line_(config), clock_(clock) {
    if (gpiod_line_request_both_edges_events_flags(line_.get(), consumer.c_str(),
                                                   request_flags(config)) < 0) {
      gpio_failure(config, "cannot request edge events on it");
    }
  }
  const std::string &name() const override { return config_.name; }
  bool level() const override {
    const int value = gpiod_line_get_value(line_.get());
    if (value < 0) gpio_failure(config_, "read failed");
    return value == 1;
  }
  int event_fd() const override { return gpiod_line_event_get_fd(line_.get()); }

  std::vector<LineEdge> read_edges() override {
    std::vector<LineEdge> edges;
    gpiod_line_event events[16];
    // Read only while the descriptor has events: gpiod's read blocks otherwise.
    const timespec no_wait{0, 0};
    while (gpiod_line_event_wait(line_.get(), &no_wait) == 1) {
      const int got = gpiod_line_event_read_multiple(line_.get(), events, 16);
      if (got <= 0) break;
      const int64_t read_mono_ns = clock_.mono_ns();
      for (int i = 0; i < got; ++i) {
        // The request's active-low flag already turns events into logical rising/falling.
        edges.push_back({events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE,
                         gpio_event_mono_ns(events[i].ts, read_mono_ns)});
      }
    }
    return edges;
  }

 private:
  LineConfig config_;
  GpiodLine line_;
  hearth::Clock &clock_;
};

std::unique_ptr<OutputLine> make_output(const LineConfig &config, const HalSettings &settings,
                                        hearth::Clock &) {
  return std::make_unique<GpiodOutputLine>(config, settings.gpio_consumer);
}

std::unique_ptr<InputLine> make_input(const LineConfig &config, const HalSettings &settings,
                                      hearth::Clock &clock) {
  return std::make_unique<GpiodInputLine>(config, settings.gpio_consumer, clock);
}

#else

[[noreturn]] void no_gpiod() {
  throw std::runtime_error(
      "hal: the linux backend was built without libgpiod (install "
      "libgpiod-dev and rebuild)");
}
std::unique_ptr<OutputLine> make_output(const LineConfig &, const HalSettings &, hearth::Clock &) {
  no_gpiod();
}
std::unique_ptr<InputLine> make_input(const LineConfig &, const HalSettings &, hearth::Clock &) {
  no_gpiod();
}

#endif

// An LED the board does not have: the level is kept so the core reads back what it set.
class AbsentOutputLine final : public OutputLine {
 public:
  explicit AbsentOutputLine(std::string name) : name_(std::move(name)) {}
  const std::string &name() const override { return name_; }
  void set(bool level) override { level_ = level; }
  bool level() const override { return level_; }

 private:
  std::string name_;
  bool level_ = false;
};

// A button the board does not have: never pressed, nothing to watch.
class AbsentInputLine final : public InputLine {
 public:
  explicit AbsentInputLine(std::string name) : name_(std::move(name)) {}
  const std::string &name() const override { return name_; }
  bool level() const override { return false; }
  std::vector<LineEdge> read_edges() override { return {}; }
  int event_fd() const override { return -1; }

 private:
  std::string name_;
};

std::unique_ptr<OutputLine> make_led(const LineConfig &config, const HalSettings &settings,
                                     hearth::Clock &clock) {
  if (config.gpio_line.empty()) return std::make_unique<AbsentOutputLine>(config.name);
  return make_output(config, settings, clock);
}

std::unique_ptr<InputLine> make_button(const LineConfig &config, const HalSettings &settings,
                                       hearth::Clock &clock) {
  if (config.gpio_line.empty()) return std::make_unique<AbsentInputLine>(config.name);
  return make_input(config, settings, clock);
}

class LinuxHal final : public Hal {
 public:
  explicit LinuxHal(const HalSettings &settings)
      : Hal(HalBackend::kLinux, clock_of(settings), settings.serial_ports) {
    for (const auto &led : settings.leds) {
      leds_[static_cast<int>(led_id_of(led.name))] = make_led(led, settings, *clock_);
    }
    button_ = make_button(settings.button, settings, *clock_);
    for (const auto &input : settings.digital_inputs) {
      inputs_.push_back(make_input(input, settings, *clock_));
    }
    for (const auto &output : settings.digital_outputs) {
      outputs_.push_back(make_output(output, settings, *clock_));
    }
    if (!settings.ct.channels.empty()) ct_ = open_iio_ct_input(settings.ct, *clock_);
  }

  void configure_rs485(std::string_view port_name, int fd) const override {
    const auto &port = require_serial_port(port_name);
    apply_rs485(fd, port.rs485, port.name + " (" + port.device_path + ")");
  }
};

}  // namespace

std::unique_ptr<Hal> make_linux_hal(const HalSettings &settings) {
  return std::make_unique<LinuxHal>(settings);
}

}  // namespace hearth::hal
