#include <hearth/plugin.h>

#include <algorithm>
#include <hearth/hal/led_pattern.hpp>
#include <stdexcept>
#include <string>

namespace hearth::hal {

BlinkPattern BlinkPattern::blink(int64_t on_ns, int64_t off_ns) {
  if (on_ns <= 0 || off_ns <= 0) {
    throw std::invalid_argument("led: a blink needs on and off phases > 0 (got " +
                                std::to_string(on_ns) + " ns / " + std::to_string(off_ns) + " ns)");
  }
  return {Kind::kBlink, on_ns, off_ns};
}

bool BlinkPattern::level_at(int64_t elapsed_ns) const {
  switch (kind) {
    case Kind::kOff:
      return false;
    case Kind::kSteady:
      return true;
    case Kind::kBlink:
      return elapsed_ns % (on_ns + off_ns) < on_ns;
  }
  return false;
}

std::optional<int64_t> BlinkPattern::next_change_after(int64_t elapsed_ns) const {
  if (kind != Kind::kBlink) return std::nullopt;
  const int64_t period = on_ns + off_ns;
  const int64_t period_start = elapsed_ns - elapsed_ns % period;
  const int64_t in_period = elapsed_ns - period_start;
  return in_period < on_ns ? period_start + on_ns : period_start + period;
}

// emma-functions.md, "Front panel": the alarm LED.
BlinkPattern alarm_led_pattern(int32_t highest_severity) {
  switch (highest_severity) {
    case 0:
      return BlinkPattern::off();
    case HEARTH_SEVERITY_WARNING:
    case HEARTH_SEVERITY_MINOR:
      return BlinkPattern::blink(1000 * kNsPerMs, 4000 * kNsPerMs);
    case HEARTH_SEVERITY_MAJOR:
      return BlinkPattern::blink(500 * kNsPerMs, 500 * kNsPerMs);
    case HEARTH_SEVERITY_CRITICAL:
      return BlinkPattern::steady();
  }
  throw std::out_of_range("alarm led: severity " + std::to_string(highest_severity) +
                          " is not 0 (none) or a HEARTH_SEVERITY_* value (1..4)");
}

// emma-functions.md, "Front panel": the comm LED.
BlinkPattern comm_led_pattern(CommState state) {
  switch (state) {
    case CommState::kNone:
      return BlinkPattern::off();
    case CommState::kNormal:
      return BlinkPattern::blink(1000 * kNsPerMs, 1000 * kNsPerMs);
    case CommState::kInterrupted:
      return BlinkPattern::blink(125 * kNsPerMs, 125 * kNsPerMs);
  }
  return BlinkPattern::off();
}

BlinkPattern run_led_pattern(bool running) {
  return running ? BlinkPattern::steady() : BlinkPattern::off();
}

LedDriver::LedDriver(OutputLine &led) : led_(led) {
  led_.set(false);
}

void LedDriver::set_pattern(const BlinkPattern &pattern, int64_t now_mono_ns) {
  if (pattern == pattern_) {
    update(now_mono_ns);
    return;
  }
  pattern_ = pattern;
  phase_start_mono_ns_ = now_mono_ns;
  update(now_mono_ns);
}

void LedDriver::update(int64_t now_mono_ns) {
  // A clock read before the phase start (a caller's stale time) counts as the start itself.
  const int64_t elapsed = std::max<int64_t>(0, now_mono_ns - phase_start_mono_ns_);
  last_update_mono_ns_ = phase_start_mono_ns_ + elapsed;
  apply(pattern_.level_at(elapsed));
}

std::optional<int64_t> LedDriver::next_edge_mono_ns() const {
  const auto next = pattern_.next_change_after(last_update_mono_ns_ - phase_start_mono_ns_);
  if (!next) return std::nullopt;
  return phase_start_mono_ns_ + *next;
}

void LedDriver::apply(bool level) {
  if (level != led_.level()) led_.set(level);
}

}  // namespace hearth::hal
