#include <hearth/hal/reset_button.hpp>
#include <stdexcept>
#include <utility>

namespace hearth::hal {

namespace {
constexpr int64_t kNsPerS = 1'000'000'000;
}  // namespace

const char *to_string(ButtonAction action) {
  switch (action) {
    case ButtonAction::kWakeAccessPoint:
      return "wake-access-point";
    case ButtonAction::kResetPasswords:
      return "reset-passwords";
    case ButtonAction::kFactoryReset:
      return "factory-reset";
  }
  return "?";
}

// emma-functions.md, "Front panel": RST hold times. Both ends of 1–3 s and 10–60 s included.
std::optional<ButtonAction> classify_button_hold(int64_t held_ns) {
  if (held_ns < 1 * kNsPerS) return std::nullopt;
  if (held_ns <= 3 * kNsPerS) return ButtonAction::kWakeAccessPoint;
  if (held_ns < 10 * kNsPerS) return std::nullopt;
  if (held_ns <= 60 * kNsPerS) return ButtonAction::kResetPasswords;
  return ButtonAction::kFactoryReset;
}

ResetButton::ResetButton(ResetButtonSettings settings, Handler on_event)
    : debouncer_(false, settings.debounce_ns), on_event_(std::move(on_event)) {
  if (settings.debounce_ns < 0) throw std::invalid_argument("reset button: negative debounce");
  if (!on_event_) throw std::invalid_argument("reset button: no event handler");
}

void ResetButton::on_edge(bool pressed, int64_t at_mono_ns) {
  if (auto earlier = debouncer_.on_raw(pressed, at_mono_ns)) handle(*earlier);
  update(at_mono_ns);
}

void ResetButton::update(int64_t now_mono_ns) {
  if (auto transition = debouncer_.settle(now_mono_ns)) handle(*transition);
}

std::optional<int64_t> ResetButton::next_deadline_mono_ns() const {
  return debouncer_.next_deadline_mono_ns();
}

void ResetButton::handle(const Debouncer<bool>::Transition &transition) {
  if (transition.value) {
    pressed_since_mono_ns_ = transition.changed_mono_ns;
    return;
  }
  if (!pressed_since_mono_ns_) return;
  const int64_t pressed_at = *std::exchange(pressed_since_mono_ns_, std::nullopt);
  const int64_t held_ns = transition.changed_mono_ns - pressed_at;
  const auto action = classify_button_hold(held_ns);
  if (!action) {
    ++ignored_holds_;
    return;
  }
  on_event_(ButtonEvent{*action, pressed_at, transition.changed_mono_ns, held_ns});
}

}  // namespace hearth::hal
