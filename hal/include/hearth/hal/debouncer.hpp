#pragma once
// Debouncing by time stamps alone (no threads, no sleeps): a raw value must stay unchanged for
// `debounce_ns` before it is accepted. A burst of raw changes that ends at the old value is a
// glitch and is dropped. A value that holds for exactly `debounce_ns` is accepted.
//
// Callers feed raw changes with on_raw() and settle with settle(now), typically from a timer
// armed for next_deadline_mono_ns(); both return the transition that became stable, if any.
#include <cstdint>
#include <optional>
#include <utility>

namespace hearth::hal {

template <typename T>
class Debouncer {
 public:
  struct Transition {
    T value;
    int64_t changed_mono_ns;   // the first raw change of the burst that left the old value
    int64_t settled_mono_ns;   // the last raw change (the value is unchanged since)
    int64_t accepted_mono_ns;  // settled + debounce: when the value became valid
  };

  Debouncer(T initial, int64_t debounce_ns)
      : stable_(initial), raw_(std::move(initial)), debounce_ns_(debounce_ns) {}

  // A raw change at `at_mono_ns`. Returns the earlier burst if it had settled before this
  // change. A time before the previous change is taken as the previous change's time and counted.
  [[nodiscard]] std::optional<Transition> on_raw(T value, int64_t at_mono_ns) {
    if (at_mono_ns < last_raw_mono_ns_) {
      ++out_of_order_;
      at_mono_ns = last_raw_mono_ns_;
    }
    auto settled = settle(at_mono_ns);
    if (value == raw_) return settled;
    raw_ = std::move(value);
    if (!burst_) {
      burst_ = true;
      burst_start_mono_ns_ = at_mono_ns;
    }
    last_raw_mono_ns_ = at_mono_ns;
    return settled;
  }

  // The transition that is stable at `now`, if one is pending and has settled.
  [[nodiscard]] std::optional<Transition> settle(int64_t now_mono_ns) {
    if (!burst_ || now_mono_ns - last_raw_mono_ns_ < debounce_ns_) return std::nullopt;
    burst_ = false;
    if (raw_ == stable_) {
      ++glitches_;
      return std::nullopt;
    }
    stable_ = raw_;
    return Transition{stable_, burst_start_mono_ns_, last_raw_mono_ns_,
                      last_raw_mono_ns_ + debounce_ns_};
  }

  // When the pending burst settles if nothing changes; nullopt when nothing is pending.
  std::optional<int64_t> next_deadline_mono_ns() const {
    if (!burst_) return std::nullopt;
    return last_raw_mono_ns_ + debounce_ns_;
  }

  const T &stable() const { return stable_; }
  const T &raw() const { return raw_; }
  int64_t debounce_ns() const { return debounce_ns_; }
  uint64_t glitches() const { return glitches_; }
  uint64_t out_of_order() const { return out_of_order_; }

 private:
  T stable_;
  T raw_;
  int64_t debounce_ns_;
  bool burst_ = false;
  int64_t burst_start_mono_ns_ = 0;
  int64_t last_raw_mono_ns_ = INT64_MIN;
  uint64_t glitches_ = 0;
  uint64_t out_of_order_ = 0;
};

}  // namespace hearth::hal
