#include <hearth/hal/sim.hpp>
#include <hearth/hal/sim_control.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "../backends.hpp"
#include "../event_fd.hpp"

namespace hearth::hal {

// ---- SimInputLine ---------------------------------------------------------------------------

SimInputLine::SimInputLine(std::string name, hearth::Clock &clock)
    : name_(std::move(name)), clock_(clock), event_(std::make_unique<EventFd>()) {}

SimInputLine::~SimInputLine() = default;

bool SimInputLine::level() const {
  std::lock_guard lock(mutex_);
  return level_;
}

std::vector<LineEdge> SimInputLine::read_edges() {
  std::lock_guard lock(mutex_);
  event_->clear();
  return std::exchange(pending_, {});
}

int SimInputLine::event_fd() const {
  return event_->fd();
}

void SimInputLine::set_level(bool level) {
  set_level(level, clock_.mono_ns());
}

void SimInputLine::set_level(bool level, int64_t at_mono_ns) {
  std::lock_guard lock(mutex_);
  if (at_mono_ns < last_edge_mono_ns_) {
    throw std::invalid_argument("sim " + name_ + ": edge at " + std::to_string(at_mono_ns) +
                                " ns is before the previous edge at " +
                                std::to_string(last_edge_mono_ns_) + " ns");
  }
  if (level == level_) return;
  level_ = level;
  last_edge_mono_ns_ = at_mono_ns;
  pending_.push_back({level, at_mono_ns});
  event_->signal();
}

// ---- SimOutputLine --------------------------------------------------------------------------

SimOutputLine::SimOutputLine(std::string name, hearth::Clock &clock)
    : name_(std::move(name)), clock_(clock) {}

void SimOutputLine::set(bool level) {
  std::lock_guard lock(mutex_);
  ++writes_;
  if (level == level_) return;
  level_ = level;
  history_.push_back({level, clock_.mono_ns()});
}

bool SimOutputLine::level() const {
  std::lock_guard lock(mutex_);
  return level_;
}

std::vector<LineEdge> SimOutputLine::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

void SimOutputLine::clear_history() {
  std::lock_guard lock(mutex_);
  history_.clear();
}

uint64_t SimOutputLine::write_count() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

// ---- SimCtInput -----------------------------------------------------------------------------

SimCtInput::SimCtInput(uint32_t channel_count)
    : channel_count_(channel_count), event_(std::make_unique<EventFd>()) {}

SimCtInput::~SimCtInput() = default;

std::vector<CtBlock> SimCtInput::read_blocks() {
  std::lock_guard lock(mutex_);
  event_->clear();
  std::vector<CtBlock> blocks(std::make_move_iterator(pending_.begin()),
                              std::make_move_iterator(pending_.end()));
  pending_.clear();
  return blocks;
}

int SimCtInput::event_fd() const {
  return event_->fd();
}

void SimCtInput::inject(CtBlock block) {
  if (block.channel >= channel_count_) {
    throw std::invalid_argument("sim ct: channel " + std::to_string(block.channel) +
                                " out of range (the sim has " + std::to_string(channel_count_) +
                                ")");
  }
  if (block.voltage_v.size() != block.current_a.size()) {
    throw std::invalid_argument("sim ct: voltage and current sample counts differ");
  }
  std::lock_guard lock(mutex_);
  pending_.push_back(std::move(block));
  event_->signal();
}

// ---- SimHal ---------------------------------------------------------------------------------

SimHal::SimHal(const HalSettings &settings)
    : Hal(HalBackend::kSim, clock_of(settings), settings.serial_ports) {
  for (const auto &led : settings.leds) {
    const LedId id = led.name == "run"     ? LedId::kRun
                     : led.name == "alarm" ? LedId::kAlarm
                                           : LedId::kComm;
    leds_[static_cast<int>(id)] = std::make_unique<SimOutputLine>(led.name, *clock_);
  }
  button_ = std::make_unique<SimInputLine>(settings.button.name, *clock_);
  for (const auto &input : settings.digital_inputs) {
    inputs_.push_back(std::make_unique<SimInputLine>(input.name, *clock_));
  }
  for (const auto &output : settings.digital_outputs) {
    outputs_.push_back(std::make_unique<SimOutputLine>(output.name, *clock_));
  }
  if (settings.sim_ct_channels > 0) ct_ = std::make_unique<SimCtInput>(settings.sim_ct_channels);
  if (!settings.sim_control_socket.empty()) {
    control_ = std::make_unique<SimControlServer>(*this, settings.sim_control_socket);
  }
}

SimHal::~SimHal() = default;

void SimHal::configure_rs485(std::string_view port_name, int /*fd*/) const {
  require_serial_port(port_name);
}

SimOutputLine &SimHal::sim_led(LedId led) const {
  return static_cast<SimOutputLine &>(this->led(led));
}

SimInputLine &SimHal::sim_button() const {
  return static_cast<SimInputLine &>(button());
}

SimInputLine &SimHal::sim_input(std::string_view name) const {
  auto *line = digital_input(name);
  if (!line) throw std::invalid_argument("sim: no digital input '" + std::string(name) + "'");
  return static_cast<SimInputLine &>(*line);
}

SimOutputLine &SimHal::sim_output(std::string_view name) const {
  auto *line = digital_output(name);
  if (!line) throw std::invalid_argument("sim: no digital output '" + std::string(name) + "'");
  return static_cast<SimOutputLine &>(*line);
}

SimCtInput &SimHal::sim_ct() const {
  if (!ct_) throw std::invalid_argument("sim: this board has no CT input");
  return static_cast<SimCtInput &>(*ct_);
}

std::unique_ptr<SimHal> make_sim_hal(const HalSettings &settings) {
  throw_if_invalid(settings);
  return std::make_unique<SimHal>(settings);
}

}  // namespace hearth::hal
