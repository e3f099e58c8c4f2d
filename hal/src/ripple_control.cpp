#include <algorithm>
#include <cmath>
#include <hearth/hal/ripple_control.hpp>
#include <set>
#include <stdexcept>
#include <utility>

namespace hearth::hal {

UndefinedPatternPolicy parse_undefined_pattern_policy(std::string_view text) {
  if (text == "keep-last-and-alarm") return UndefinedPatternPolicy::kKeepLastAndAlarm;
  if (text == "fail-safe") return UndefinedPatternPolicy::kFailSafe;
  throw std::invalid_argument("ripple control: unknown policy '" + std::string(text) +
                              "' for undefined patterns (expected keep-last-and-alarm or "
                              "fail-safe)");
}

const char *to_string(UndefinedPatternPolicy policy) {
  return policy == UndefinedPatternPolicy::kKeepLastAndAlarm ? "keep-last-and-alarm" : "fail-safe";
}

const char *to_string(RippleLevelSource source) {
  switch (source) {
    case RippleLevelSource::kStartup:
      return "startup";
    case RippleLevelSource::kTable:
      return "table";
    case RippleLevelSource::kKeptLast:
      return "kept-last";
    case RippleLevelSource::kFailSafe:
      return "fail-safe";
  }
  return "?";
}

namespace {

bool is_percent(double value) {
  return std::isfinite(value) && value >= 0.0 && value <= 100.0;
}

void check_inputs(const std::vector<std::string> &inputs, std::vector<std::string> &problems) {
  if (inputs.empty()) problems.push_back("ripple control: no inputs configured");
  if (inputs.size() > kMaxRippleInputs) {
    problems.push_back("ripple control: " + std::to_string(inputs.size()) +
                       " inputs configured, at most 4 (DI1-DI4)");
  }
  std::set<std::string> seen;
  for (const auto &input : inputs) {
    if (!seen.insert(input).second) {
      problems.push_back("ripple control: input " + input + " is listed twice");
    }
  }
}

void check_levels(const RippleControlSettings &settings, std::vector<std::string> &problems) {
  if (settings.levels_pct.empty()) {
    problems.push_back(
        "ripple control: the levels table is empty; there is no default, because the grid "
        "operator's wiring decides it (e.g. levels: { \"10\": 100, \"01\": 60 })");
  }
  for (const auto &[pattern, pct] : settings.levels_pct) {
    const bool binary =
        std::all_of(pattern.begin(), pattern.end(), [](char c) { return c == '0' || c == '1'; });
    if (pattern.size() != settings.inputs.size() || !binary) {
      problems.push_back("ripple control: pattern \"" + pattern +
                         "\" must have one 0 or 1 per "
                         "input (" +
                         std::to_string(settings.inputs.size()) + " inputs)");
    }
    if (!is_percent(pct)) {
      problems.push_back("ripple control: pattern \"" + pattern + "\" maps to " +
                         std::to_string(pct) + " %, outside 0..100");
    }
  }
}

}  // namespace

std::vector<std::string> validate_ripple_control_settings(const RippleControlSettings &settings) {
  std::vector<std::string> problems;
  check_inputs(settings.inputs, problems);
  check_levels(settings, problems);
  if (settings.debounce_ns < 0) problems.push_back("ripple control: negative debounce time");
  if (!is_percent(settings.fail_safe_pct)) {
    problems.push_back("ripple control: fail-safe level " + std::to_string(settings.fail_safe_pct) +
                       " % is outside 0..100");
  }
  return problems;
}

namespace {
RippleControlSettings validated(RippleControlSettings settings) {
  const auto problems = validate_ripple_control_settings(settings);
  if (problems.empty()) return settings;
  std::string message = "ripple control settings are invalid:";
  for (const auto &problem : problems) message += "\n  " + problem;
  throw std::invalid_argument(message);
}
}  // namespace

RippleControl::RippleControl(RippleControlSettings settings, LevelHandler on_level,
                             ConditionHandler on_condition)
    : settings_(validated(std::move(settings))),
      on_level_(std::move(on_level)),
      on_condition_(std::move(on_condition)),
      raw_levels_(settings_.inputs.size(), false),
      debouncer_(std::string(), settings_.debounce_ns) {
  if (!on_level_ || !on_condition_) {
    throw std::invalid_argument("ripple control: both handlers are required");
  }
  level_.allowed_pv_pct = settings_.fail_safe_pct;
}

void RippleControl::start(const std::vector<bool> &levels, int64_t now_mono_ns) {
  if (levels.size() != settings_.inputs.size()) {
    throw std::invalid_argument("ripple control: start() got " + std::to_string(levels.size()) +
                                " levels for " + std::to_string(settings_.inputs.size()) +
                                " inputs");
  }
  raw_levels_ = levels;
  started_ = true;
  emit_level(settings_.fail_safe_pct, RippleLevelSource::kStartup, "", now_mono_ns);
  feed_raw(now_mono_ns);
}

bool RippleControl::on_input(std::size_t index, bool level, int64_t at_mono_ns) {
  if (index >= raw_levels_.size()) {
    ++unknown_inputs_;
    return false;
  }
  raw_levels_[index] = level;
  if (started_) feed_raw(at_mono_ns);
  return true;
}

bool RippleControl::on_input(std::string_view name, bool level, int64_t at_mono_ns) {
  const auto it = std::find(settings_.inputs.begin(), settings_.inputs.end(), name);
  if (it == settings_.inputs.end()) {
    ++unknown_inputs_;
    return false;
  }
  return on_input(static_cast<std::size_t>(it - settings_.inputs.begin()), level, at_mono_ns);
}

void RippleControl::update(int64_t now_mono_ns) {
  if (auto transition = debouncer_.settle(now_mono_ns)) handle(*transition);
}

std::optional<int64_t> RippleControl::next_deadline_mono_ns() const {
  return debouncer_.next_deadline_mono_ns();
}

std::string RippleControl::raw_pattern() const {
  std::string pattern;
  for (bool level : raw_levels_) pattern += level ? '1' : '0';
  return pattern;
}

void RippleControl::feed_raw(int64_t at_mono_ns) {
  if (auto earlier = debouncer_.on_raw(raw_pattern(), at_mono_ns)) handle(*earlier);
  update(at_mono_ns);
}

void RippleControl::handle(const Debouncer<std::string>::Transition &transition) {
  const auto &pattern = transition.value;
  const int64_t at = transition.accepted_mono_ns;
  const auto row = settings_.levels_pct.find(pattern);
  if (row != settings_.levels_pct.end()) {
    emit_level(row->second, RippleLevelSource::kTable, pattern, at);
    set_condition(false, pattern, at);
    return;
  }
  set_condition(true, pattern, at);
  if (settings_.undefined == UndefinedPatternPolicy::kFailSafe) {
    emit_level(settings_.fail_safe_pct, RippleLevelSource::kFailSafe, pattern, at);
  } else if (level_.source != RippleLevelSource::kStartup) {
    // Keep the last level; say that it is now kept, and under which pattern.
    emit_level(level_.allowed_pv_pct, RippleLevelSource::kKeptLast, pattern, at);
  }
}

void RippleControl::emit_level(double pct, RippleLevelSource source, const std::string &pattern,
                               int64_t at_mono_ns) {
  const bool same = pct == level_.allowed_pv_pct && source == level_.source &&
                    pattern == level_.pattern && emitted_any_;
  if (same) return;
  if (pct != level_.allowed_pv_pct || !emitted_any_) level_.valid_from_mono_ns = at_mono_ns;
  level_.allowed_pv_pct = pct;
  level_.source = source;
  level_.pattern = pattern;
  emitted_any_ = true;
  on_level_(level_);
}

void RippleControl::set_condition(bool active, const std::string &pattern, int64_t at_mono_ns) {
  if (active == undefined_active_) return;
  undefined_active_ = active;
  on_condition_(UndefinedPatternCondition{active, pattern, at_mono_ns});
}

}  // namespace hearth::hal
