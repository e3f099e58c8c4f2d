#pragma once
// GPIO-like lines as the core sees them: LEDs and DOs are output lines, DIs and the RST button
// are input lines. Levels are logical (true = active: LED lit, relay closed, contact closed,
// button pressed); the backend applies the board's polarity (active-low wiring).
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::hal {

// One change of an input line, stamped with CLOCK_MONOTONIC (hearth::Clock::mono_ns) as close
// to the physical change as the backend can (the GPIO driver's event time on linux).
struct LineEdge {
  bool level = false;
  int64_t mono_ns = 0;
};

class InputLine {
 public:
  virtual ~InputLine() = default;
  // Channel name as in YAML: "DI1".."DI4", "RST".
  virtual const std::string &name() const = 0;
  // The current logical level.
  virtual bool level() const = 0;
  // Drains the edges seen since the last call, oldest first.
  virtual std::vector<LineEdge> read_edges() = 0;
  // A file descriptor that is readable while edges are pending, so the core can watch it on its
  // io_context (both backends provide one); -1 if the line has none.
  virtual int event_fd() const = 0;
};

class OutputLine {
 public:
  virtual ~OutputLine() = default;
  // Channel name: "run", "alarm", "comm" for the LEDs; "DO1", "DO2" for the outputs.
  virtual const std::string &name() const = 0;
  virtual void set(bool level) = 0;
  // The level last set (the backend reads nothing back from the pin).
  virtual bool level() const = 0;
};

}  // namespace hearth::hal
