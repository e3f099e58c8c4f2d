#pragma once
// The RST button, classified by how long it was held (emma-functions.md, "Front panel"):
//   hold <  1 s        nothing
//   1 s  <= hold <= 3 s   WakeAccessPoint
//   3 s  <  hold <  10 s  nothing
//   10 s <= hold <= 60 s  ResetPasswords
//   hold >  60 s          FactoryReset
// Every action is decided when the button is released (after debouncing), the reference
// product's behaviour: it restarts after the release, and only the release tells a 60 s hold
// from a longer one. So a hold past 60 s emits nothing until the button comes up.
//
// The hold time runs from the first raw edge of the press burst to the first raw edge of the
// release burst, so contact bounce neither lengthens nor shortens it; a press or release counts
// only once the contact has been stable for the debounce time (default 50 ms).
#include <cstdint>
#include <functional>
#include <hearth/hal/debouncer.hpp>
#include <optional>

namespace hearth::hal {

enum class ButtonAction { kWakeAccessPoint, kResetPasswords, kFactoryReset };
const char *to_string(ButtonAction action);  // "wake-access-point", ...

struct ButtonEvent {
  ButtonAction action;
  int64_t pressed_mono_ns;
  int64_t released_mono_ns;
  int64_t held_ns;
};

// The table above as a pure function; nullopt = the hold does nothing.
std::optional<ButtonAction> classify_button_hold(int64_t held_ns);

struct ResetButtonSettings {
  int64_t debounce_ns = 50 * 1'000'000LL;
};

class ResetButton {
 public:
  using Handler = std::function<void(const ButtonEvent &)>;

  ResetButton(ResetButtonSettings settings, Handler on_event);

  // A raw edge of the button line (LineEdge from InputLine::read_edges, pressed = level).
  void on_edge(bool pressed, int64_t at_mono_ns);
  // Settles a pending edge whose debounce time has passed; call it when the timer for
  // next_deadline_mono_ns() fires.
  void update(int64_t now_mono_ns);
  // When update() must run next; nullopt while nothing is pending.
  std::optional<int64_t> next_deadline_mono_ns() const;

  // The debounced state.
  bool pressed() const { return debouncer_.stable(); }
  std::optional<int64_t> pressed_since_mono_ns() const { return pressed_since_mono_ns_; }
  // Releases whose hold fell in a gap of the table (< 1 s, 3–10 s).
  uint64_t ignored_holds() const { return ignored_holds_; }
  uint64_t glitches() const { return debouncer_.glitches(); }

 private:
  void handle(const Debouncer<bool>::Transition &transition);

  Debouncer<bool> debouncer_;
  Handler on_event_;
  std::optional<int64_t> pressed_since_mono_ns_;
  uint64_t ignored_holds_ = 0;
};

}  // namespace hearth::hal
