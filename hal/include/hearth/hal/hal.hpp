#pragma once
// The hardware abstraction layer: what the core gets from make_hal(). One Hal per process,
// used from the core thread (the sim backend's scripting side is thread-safe, see sim.hpp).
#include <hearth/core/clock.hpp>
#include <hearth/hal/ct.hpp>
#include <hearth/hal/lines.hpp>
#include <hearth/hal/serial.hpp>
#include <hearth/hal/settings.hpp>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::hal {

enum class LedId { kRun, kAlarm, kComm };
const char *to_string(LedId led);  // "run", "alarm", "comm"

class Hal {
 public:
  virtual ~Hal() = default;
  Hal(const Hal &) = delete;
  Hal &operator=(const Hal &) = delete;

  HalBackend backend() const { return backend_; }
  hearth::Clock &clock() const { return *clock_; }

  OutputLine &led(LedId led) const;
  InputLine &button() const { return *button_; }
  const std::vector<std::unique_ptr<InputLine>> &digital_inputs() const { return inputs_; }
  const std::vector<std::unique_ptr<OutputLine>> &digital_outputs() const { return outputs_; }
  // By YAML channel name ("DI1", "DO2"); nullptr if the board has no such channel.
  InputLine *digital_input(std::string_view name) const;
  OutputLine *digital_output(std::string_view name) const;

  const std::vector<SerialPortConfig> &serial_ports() const { return serial_ports_; }
  const SerialPortConfig *serial_port(std::string_view name) const;
  // Puts an open descriptor of the named port into the configured RS485 mode. Throws
  // std::system_error (with the port and device named) when the driver refuses, and
  // std::invalid_argument for an unknown port. The sim backend accepts and does nothing: its
  // ports are ptys, which have no RS485 mode.
  virtual void configure_rs485(std::string_view port_name, int fd) const = 0;

  // nullptr when the board has no CT input.
  CtInput *ct() const { return ct_.get(); }

 protected:
  Hal(HalBackend backend, hearth::Clock &clock, std::vector<SerialPortConfig> serial_ports)
      : backend_(backend), clock_(&clock), serial_ports_(std::move(serial_ports)) {}
  // The named port; throws std::invalid_argument naming it when there is none.
  const SerialPortConfig &require_serial_port(std::string_view name) const;

  HalBackend backend_;
  hearth::Clock *clock_;
  std::unique_ptr<OutputLine> leds_[3];  // indexed by LedId
  std::unique_ptr<InputLine> button_;
  std::vector<std::unique_ptr<InputLine>> inputs_;
  std::vector<std::unique_ptr<OutputLine>> outputs_;
  std::vector<SerialPortConfig> serial_ports_;
  std::unique_ptr<CtInput> ct_;
};

// Builds the backend the settings name. Throws std::invalid_argument for invalid settings (all
// problems in one message) and std::runtime_error when the hardware is not there (a GPIO line
// name that no chip has, a missing IIO device), naming what was looked for.
std::unique_ptr<Hal> make_hal(const HalSettings &settings);

}  // namespace hearth::hal
