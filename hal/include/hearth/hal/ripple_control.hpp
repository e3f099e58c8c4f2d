#pragma once
// Ripple control (protocols.md §10): the grid operator's receiver closes DI contacts, and the
// debounced combination maps to the share of PV power the site may produce.
//
// There is no built-in table: the operator's wiring decides it (relay-to-level assignment is
// operator-specific, §10), so a missing or empty table is an error here and in `hearthd --check`.
//
// A pattern string has one character per configured input, in the order of `inputs`: '1' =
// contact closed (input active), '0' = open. With inputs [DI1, DI2], "10" means DI1 closed.
//
// Start-up: until the first pattern has been stable for the debounce time, the allowed level
// is the fail-safe percentage (source kStartup). A pattern that is not in the table then
// follows the policy: keep-last-and-alarm keeps the last valid level (the start-up fail-safe
// level if there never was one); fail-safe applies the fail-safe percentage. Either way the
// "undefined pattern" condition is raised, and cleared by the next valid pattern.
// The level handler runs whenever the percentage, its source or the stable pattern changes.
#include <cstdint>
#include <functional>
#include <hearth/hal/debouncer.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::hal {

enum class UndefinedPatternPolicy { kKeepLastAndAlarm, kFailSafe };
// "keep-last-and-alarm" | "fail-safe"; throws std::invalid_argument naming both otherwise.
UndefinedPatternPolicy parse_undefined_pattern_policy(std::string_view text);
const char *to_string(UndefinedPatternPolicy policy);

inline constexpr std::size_t kMaxRippleInputs = 4;  // DI1-DI4 (protocols.md §10, Huawei)

struct RippleControlSettings {
  std::vector<std::string> inputs{};           // e.g. {"DI1", "DI2"}
  std::map<std::string, double> levels_pct{};  // pattern -> allowed PV power in % (0..100)
  int64_t debounce_ns = 1'000'000'000;         // §10 recommends 1-2 s stable
  UndefinedPatternPolicy undefined = UndefinedPatternPolicy::kKeepLastAndAlarm;
  double fail_safe_pct = 0.0;  // start-up level and the fail-safe policy's level
};

// Every problem, one sentence each (empty = valid). The config validator reports these with
// the YAML position; the RippleControl constructor throws std::invalid_argument with them.
std::vector<std::string> validate_ripple_control_settings(const RippleControlSettings &settings);

enum class RippleLevelSource {
  kStartup,   // no stable pattern yet: fail-safe percentage
  kTable,     // the stable pattern is in the table
  kKeptLast,  // undefined pattern, keep-last policy
  kFailSafe,  // undefined pattern, fail-safe policy
};
const char *to_string(RippleLevelSource source);

struct RippleLevel {
  double allowed_pv_pct = 0.0;
  RippleLevelSource source = RippleLevelSource::kStartup;
  std::string pattern{};  // the stable pattern; empty at start-up
  // When this percentage took effect: the pattern's debounce end. Unchanged when only the
  // pattern or the source changes and the percentage stays.
  int64_t valid_from_mono_ns = 0;
};

struct UndefinedPatternCondition {
  bool active = false;    // raised (true) or cleared (false)
  std::string pattern{};  // the undefined pattern when raised; the valid one when cleared
  int64_t at_mono_ns = 0;
};

class RippleControl {
 public:
  using LevelHandler = std::function<void(const RippleLevel &)>;
  using ConditionHandler = std::function<void(const UndefinedPatternCondition &)>;

  // Throws std::invalid_argument (all problems in one message) for invalid settings, an empty
  // table included.
  RippleControl(RippleControlSettings settings, LevelHandler on_level,
                ConditionHandler on_condition);

  // Emits the start-up level and starts debouncing the inputs' current levels (one per input,
  // in the order of settings.inputs). Throws std::invalid_argument for a wrong count.
  void start(const std::vector<bool> &levels, int64_t now_mono_ns);
  // A raw change of one input, by index or by YAML name. Returns false (and counts it) for an
  // unknown input. Before start() a change is only stored; start() sets every level anew.
  bool on_input(std::size_t index, bool level, int64_t at_mono_ns);
  bool on_input(std::string_view name, bool level, int64_t at_mono_ns);
  // Settles a pending pattern; call it when the timer for next_deadline_mono_ns() fires.
  void update(int64_t now_mono_ns);
  std::optional<int64_t> next_deadline_mono_ns() const;

  const RippleLevel &level() const { return level_; }
  bool undefined_pattern_active() const { return undefined_active_; }
  const RippleControlSettings &settings() const { return settings_; }
  uint64_t unknown_inputs() const { return unknown_inputs_; }
  uint64_t glitches() const { return debouncer_.glitches(); }

 private:
  std::string raw_pattern() const;
  void feed_raw(int64_t at_mono_ns);
  void handle(const Debouncer<std::string>::Transition &transition);
  void emit_level(double pct, RippleLevelSource source, const std::string &pattern,
                  int64_t at_mono_ns);
  void set_condition(bool active, const std::string &pattern, int64_t at_mono_ns);

  RippleControlSettings settings_;
  LevelHandler on_level_;
  ConditionHandler on_condition_;
  std::vector<bool> raw_levels_;
  bool started_ = false;
  // "" = no stable pattern yet, so the first real pattern is debounced like any change.
  Debouncer<std::string> debouncer_;
  RippleLevel level_;
  bool undefined_active_ = false;
  bool emitted_any_ = false;
  uint64_t unknown_inputs_ = 0;
};

}  // namespace hearth::hal
