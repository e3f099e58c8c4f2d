// energy.ripple_control: the grid operator's ripple-control receiver on the DIs (protocols.md §10).
#include "ripple_control.hpp"

#include <algorithm>

#include "hal_grants.hpp"
#include "param_builder.hpp"
#include "suggest.hpp"
#include "table.hpp"

namespace hearth::config::detail {
namespace {

// Up to four receiver contacts on DI1..DI4 (protocols.md §10); an unmatched pattern keeps the last
// valid level and raises an alarm unless the installer chooses the fail-safe level.
constexpr hearth_param_desc kRippleTable[] = {
    Param(HEARTH_PARAM_LIST, "inputs").required().range(1, 4),
    Param(HEARTH_PARAM_ENUM, "undefined")
        .choices("keep-last-and-alarm|fail-safe")
        .fallback("keep-last-and-alarm"),
    // §10 recommends 1-2 s of stable contacts before acting.
    Param(HEARTH_PARAM_DURATION, "debounce").range(0, 10'000).fallback("1s"),
    // The level at start-up and under the fail-safe policy (hal/ripple_control.hpp).
    Param(HEARTH_PARAM_DOUBLE, "fail_safe_pct").range(0, 100).fallback("0").unit("%"),
};
constexpr std::string_view kRippleNested[] = {"levels"};

constexpr hearth_param_desc kLevelPercent =
    Param(HEARTH_PARAM_DOUBLE, "level").range(0, 100).unit("%");

class RippleControlChecker {
 public:
  explicit RippleControlChecker(std::vector<Error> &errors) : errors_(errors) {}

  void check(const Located &ripple, double pv_installed_wp) {
    Values values;
    auto nested = check_table(ripple, kRippleTable, kRippleNested, values, errors_);
    if (!ripple.node.IsMap()) return;
    if (pv_installed_wp <= 0) {
      add_error(errors_, ripple.mark, ripple.path,
                "ripple control levels are percentages of site.pv_installed_wp, which is not set");
    }
    size_t input_count = 0;
    if (const auto *inputs = list_of(values, "inputs")) {
      input_count = check_inputs(child(ripple, "inputs"), *inputs) ? inputs->size() : 0;
    }
    auto levels = nested.find("levels");
    if (levels == nested.end()) {
      add_error(errors_, ripple.mark, ripple.path,
                "ripple control needs a levels table from the grid operator's wiring; there is "
                "no default");
      return;
    }
    check_levels(levels->second.value, input_count);
  }

 private:
  // True when every input is a distinct DI, so patterns can be checked against their count.
  bool check_inputs(const Located &where, const std::vector<std::string> &inputs) {
    bool ok = true;
    const auto items = items_of(where);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!is_channel("di", inputs[i])) {
        add_error(errors_, items[i].mark, items[i].path,
                  "'" + inputs[i] + "' is not a DI channel; the box has " +
                      join(channel_names("di"), ", "));
        ok = false;
      } else if (std::find(inputs.begin(), inputs.begin() + i, inputs[i]) != inputs.begin() + i) {
        add_error(errors_, items[i].mark, items[i].path, inputs[i] + " is listed twice");
        ok = false;
      }
    }
    return ok;
  }

  // Each key is a pattern of the inputs in the order listed ('1' = contact closed), each value
  // the percentage of pv_installed_wp the site may feed in (protocols.md §10).
  void check_levels(const Located &levels, size_t input_count) {
    if (!expect_map(levels, errors_)) return;
    const auto entries = entries_of(levels, errors_);
    if (entries.empty() && levels.node.size() == 0) {
      add_error(errors_, levels.mark, levels.path, "the levels table is empty");
      return;
    }
    for (const auto &entry : entries) {
      const std::string &pattern = entry.key;
      if (pattern.find_first_not_of("01") != std::string::npos) {
        add_error(errors_, entry.key_mark, levels.path,
                  "pattern '" + pattern + "' may contain only 0 and 1");
      } else if (input_count > 0 && pattern.size() != input_count) {
        add_error(errors_, entry.key_mark, levels.path,
                  "pattern '" + pattern + "' has length " + std::to_string(pattern.size()) +
                      "; it needs one digit per input (" + std::to_string(input_count) + ")");
      }
      Values percent;
      check_value(entry.value, kLevelPercent, percent, errors_);
    }
  }

  std::vector<Error> &errors_;
};

}  // namespace

void check_ripple_control(const Located &ripple, double pv_installed_wp,
                          std::vector<Error> &errors) {
  RippleControlChecker(errors).check(ripple, pv_installed_wp);
}

void fill_ripple_control_defaults(YAML::Node ripple) {
  fill_defaults(ripple, kRippleTable);
}

}  // namespace hearth::config::detail
