#pragma once
// Front-panel LED patterns of the reference product (emma-functions.md, "Front panel") and a
// driver that applies a pattern to an LED line by the clock. Pure and clock-driven: the core
// asks for the next edge time and arms one timer for it, instead of polling.
#include <cstdint>
#include <hearth/hal/lines.hpp>
#include <optional>

namespace hearth::hal {

inline constexpr int64_t kNsPerMs = 1'000'000;

// Off, steady on, or blinking with the on phase first.
struct BlinkPattern {
  enum class Kind { kOff, kSteady, kBlink };
  Kind kind = Kind::kOff;
  int64_t on_ns = 0;   // kBlink only
  int64_t off_ns = 0;  // kBlink only

  static constexpr BlinkPattern off() { return {}; }
  static constexpr BlinkPattern steady() { return {Kind::kSteady, 0, 0}; }
  // Throws std::invalid_argument unless both phases are > 0.
  static BlinkPattern blink(int64_t on_ns, int64_t off_ns);

  // The level `elapsed_ns` after the pattern started (elapsed_ns >= 0).
  bool level_at(int64_t elapsed_ns) const;
  // The first time after `elapsed_ns` (relative to the start) when the level changes; nullopt
  // for off and steady.
  std::optional<int64_t> next_change_after(int64_t elapsed_ns) const;

  bool operator==(const BlinkPattern &) const = default;
};

// The alarm LED for the highest active severity (HEARTH_SEVERITY_*; 0 = no alarm): off;
// 1 s on / 4 s off (warning, minor); 0.5 s / 0.5 s (major); steady (critical). Throws
// std::out_of_range for a severity outside 0..HEARTH_SEVERITY_CRITICAL.
BlinkPattern alarm_led_pattern(int32_t highest_severity);

// State of the link to the management system (the northbound uplink).
enum class CommState {
  kNone,         // no communication: none configured, never connected, or disconnected on purpose
  kNormal,       // connected
  kInterrupted,  // configured and was connected, now lost
};
// off; 1 s on / 1 s off; 0.125 s on / 0.125 s off.
BlinkPattern comm_led_pattern(CommState state);

// steady while running, off otherwise.
BlinkPattern run_led_pattern(bool running);

// Applies a pattern to one LED. A pattern's phase starts when it is set; setting the pattern
// that is already running changes nothing (a repeated "still major" does not restart the blink).
// The LED is written only when its level changes.
class LedDriver {
 public:
  // Writes the LED off at once, so the pattern starts from a known level.
  explicit LedDriver(OutputLine &led);

  void set_pattern(const BlinkPattern &pattern, int64_t now_mono_ns);
  // Sets the LED to the level the pattern has at `now` (call it when the timer for
  // next_edge_mono_ns() fires; early or late calls are harmless).
  void update(int64_t now_mono_ns);
  // When the level changes next after the last set_pattern()/update(); nullopt if never.
  std::optional<int64_t> next_edge_mono_ns() const;

  const BlinkPattern &pattern() const { return pattern_; }

 private:
  void apply(bool level);

  OutputLine &led_;
  BlinkPattern pattern_;
  int64_t phase_start_mono_ns_ = 0;
  int64_t last_update_mono_ns_ = 0;
};

class AlarmLed : public LedDriver {
 public:
  using LedDriver::LedDriver;
  void set_highest_severity(int32_t severity, int64_t now_mono_ns) {
    set_pattern(alarm_led_pattern(severity), now_mono_ns);
  }
};

class CommLed : public LedDriver {
 public:
  using LedDriver::LedDriver;
  void set_state(CommState state, int64_t now_mono_ns) {
    set_pattern(comm_led_pattern(state), now_mono_ns);
  }
};

class RunLed : public LedDriver {
 public:
  using LedDriver::LedDriver;
  void set_running(bool running, int64_t now_mono_ns) {
    set_pattern(run_led_pattern(running), now_mono_ns);
  }
};

}  // namespace hearth::hal
