#pragma once
// The in-process sim backend: every line and the CT input can be scripted from tests and from
// hearth-sim. The scripting calls are thread-safe (a mutex per line); the core side reads
// through the Hal interfaces and is woken by each line's event fd like on real hardware.
#include <cstdint>
#include <deque>
#include <hearth/hal/hal.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::hal {

class EventFd;

class SimInputLine final : public InputLine {
 public:
  SimInputLine(std::string name, hearth::Clock &clock);
  ~SimInputLine() override;

  const std::string &name() const override { return name_; }
  bool level() const override;
  std::vector<LineEdge> read_edges() override;
  int event_fd() const override;

  // Scripting. A call that does not change the level records nothing. `at_mono_ns` may lie in
  // the past of the clock (an edge seen late) but not before the previous edge: that throws
  // std::invalid_argument, because a real line cannot do it either.
  void set_level(bool level);
  void set_level(bool level, int64_t at_mono_ns);
  // For the RST button: pressed = active.
  void press(int64_t at_mono_ns) { set_level(true, at_mono_ns); }
  void release(int64_t at_mono_ns) { set_level(false, at_mono_ns); }

 private:
  std::string name_;
  hearth::Clock &clock_;
  std::unique_ptr<EventFd> event_;
  mutable std::mutex mutex_;
  bool level_ = false;
  int64_t last_edge_mono_ns_ = INT64_MIN;
  std::vector<LineEdge> pending_;
};

class SimOutputLine final : public OutputLine {
 public:
  SimOutputLine(std::string name, hearth::Clock &clock);

  const std::string &name() const override { return name_; }
  void set(bool level) override;
  bool level() const override;

  // Every change of level with the clock's time when it was set, oldest first. Writes that do
  // not change the level are counted but not recorded.
  std::vector<LineEdge> history() const;
  void clear_history();
  uint64_t write_count() const;

 private:
  std::string name_;
  hearth::Clock &clock_;
  mutable std::mutex mutex_;
  bool level_ = false;
  uint64_t writes_ = 0;
  std::vector<LineEdge> history_;
};

class SimCtInput final : public CtInput {
 public:
  explicit SimCtInput(uint32_t channel_count);
  ~SimCtInput() override;

  uint32_t channel_count() const override { return channel_count_; }
  std::vector<CtBlock> read_blocks() override;
  int event_fd() const override;

  // Queues a block for the core (see ct_waveform.hpp for a generator). Throws
  // std::invalid_argument for a channel out of range or voltage and current of unequal length.
  void inject(CtBlock block);

 private:
  uint32_t channel_count_;
  std::unique_ptr<EventFd> event_;
  std::mutex mutex_;
  std::deque<CtBlock> pending_;
};

class SimControlServer;

class SimHal final : public Hal {
 public:
  // Starts the control socket (sim_control.hpp) when settings.sim_control_socket is set.
  explicit SimHal(const HalSettings &settings);
  ~SimHal() override;

  void configure_rs485(std::string_view port_name, int fd) const override;

  // Typed access for scripting. Throw std::invalid_argument for a name the board lacks.
  SimOutputLine &sim_led(LedId led) const;
  SimInputLine &sim_button() const;
  SimInputLine &sim_input(std::string_view name) const;
  SimOutputLine &sim_output(std::string_view name) const;
  SimCtInput &sim_ct() const;

 private:
  std::unique_ptr<SimControlServer> control_;  // last: it stops before the lines go
};

// make_hal() for the sim backend, typed (settings.backend is ignored).
std::unique_ptr<SimHal> make_sim_hal(const HalSettings &settings);

}  // namespace hearth::hal
