// energy: the energy manager's settings. Grid-safety values (limits, fail-safe, ripple control)
// are checked strictly; TOU windows are left to the energy manager for now.
// The checked node is handed on with the defaults written in.
#include <algorithm>
#include <cstdio>

#include "energy_dispatch.hpp"
#include "param_builder.hpp"
#include "ripple_control.hpp"
#include "sections.hpp"
#include "suggest.hpp"
#include "table.hpp"

namespace hearth::config::detail {
namespace {

constexpr hearth_param_desc kEnergyTable[] = {
    Param(HEARTH_PARAM_ENUM, "mode")
        .choices("self-consumption|tou|cost-optimal")
        .fallback("self-consumption"),
    Param(HEARTH_PARAM_DOUBLE, "feed_in_limit_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "feed_in_limit_pct").range(0, 100).unit("%"),
};
constexpr std::string_view kEnergyNested[] = {"import_limit", "surplus_priority", "fail_safe",
                                              "ripple_control", "tou", "dispatch"};

constexpr hearth_param_desc kImportLimitTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "w").required().at_least(0).unit("W"),
    Param(HEARTH_PARAM_STRING, "hours"),
};

// UK G100 wants a limited state within 5 s of losing control (architecture.md, "Fail-safe").
constexpr hearth_param_desc kFailSafeTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "meter_timeout_s").range(0.1, 5).fallback("1.5").unit("s"),
    Param(HEARTH_PARAM_DOUBLE, "pv_limit_w").at_least(0).fallback("0").unit("W"),
};

constexpr std::string_view kBatterySuffix = "/battery";

bool valid_clock_time(int hours, int minutes) {
  return minutes >= 0 && minutes < 60 && hours >= 0 &&
         (hours < 24 || (hours == 24 && minutes == 0));
}

// "HH:MM-HH:MM" in the site's time zone; a window may pass midnight (22:00-06:00).
bool is_time_window(const std::string &text) {
  int start_h = 0, start_m = 0, end_h = 0, end_m = 0;
  char tail = 0;
  if (text.size() != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':') return false;
  if (std::sscanf(text.c_str(), "%2d:%2d-%2d:%2d%c", &start_h, &start_m, &end_h, &end_m, &tail) !=
      4) {
    return false;
  }
  const bool digits = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == ':' || c == '-';
  });
  return digits && valid_clock_time(start_h, start_m) && valid_clock_time(end_h, end_m) &&
         (start_h != end_h || start_m != end_m);
}

class EnergyChecker {
 public:
  EnergyChecker(const Config &config, std::vector<Error> &errors)
      : config_(config), errors_(errors) {}

  YAML::Node check(const Located &energy) {
    Values values;
    auto nested = check_table(energy, kEnergyTable, kEnergyNested, values, errors_);
    check_feed_in(energy, values);
    if (auto it = nested.find("import_limit"); it != nested.end()) {
      check_import_limit(it->second.value);
    }
    if (auto it = nested.find("surplus_priority"); it != nested.end()) {
      check_surplus_priority(it->second.value);
    }
    check_fail_safe(energy);
    check_energy_dispatch(energy, config_, errors_);  // tou, dispatch: the dispatch layer's keys
    if (auto it = nested.find("ripple_control"); it != nested.end()) {
      check_ripple_control(it->second.value, config_.site.pv_installed_wp, errors_);
    }
    return with_defaults(energy);
  }

 private:
  void check_feed_in(const Located &energy, const Values &values) {
    if (!values.contains("feed_in_limit_pct")) return;
    const Located pct = child(energy, "feed_in_limit_pct");
    if (values.contains("feed_in_limit_w")) {
      add_error(errors_, pct.mark, pct.path, "set feed_in_limit_w or feed_in_limit_pct, not both");
    }
    // Percentages of the site's PV are of the DC peak power (architecture.md, the device list).
    if (config_.site.pv_installed_wp <= 0) {
      add_error(errors_, pct.mark, pct.path,
                "is a percentage of site.pv_installed_wp, which is not set");
    }
  }

  void check_import_limit(const Located &import_limit) {
    Values values;
    check_table(import_limit, kImportLimitTable, {}, values, errors_);
    if (!values.contains("hours")) return;
    const std::string hours = std::get<std::string>(values.at("hours"));
    if (!is_time_window(hours)) {
      const Located where = child(import_limit, "hours");
      add_error(errors_, where.mark, where.path,
                "'" + hours + "' is not a time window; write HH:MM-HH:MM, e.g. 17:00-21:00");
    }
  }

  // Device ids in the owner's order; "<id>/battery" names the battery behind an inverter.
  void check_surplus_priority(const Located &priority) {
    if (!expect_list(priority, errors_)) return;
    std::vector<std::string> ids;
    for (const auto &device : config_.devices) ids.push_back(device.id);
    std::vector<std::string> seen;
    for (const auto &item : items_of(priority)) {
      if (!item.node.IsScalar()) {
        add_error(errors_, item.mark, item.path,
                  "expected a device id, got " + describe(item.node));
        continue;
      }
      const std::string name = item.node.Scalar();
      std::string id = name;
      if (const size_t slash = name.find('/'); slash != std::string::npos) {
        id = name.substr(0, slash);
        if (name.substr(slash) != kBatterySuffix) {
          add_error(errors_, item.mark, item.path,
                    "'" + name + "': only '<device>/battery' names a part of a device");
          continue;
        }
      }
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        add_error(errors_, item.mark, item.path, unknown_name_rule("device", id, ids));
      } else if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        add_error(errors_, item.mark, item.path, "'" + name + "' is listed twice");
      }
      seen.push_back(name);
    }
  }

  static YAML::Node with_defaults(const Located &energy) {
    YAML::Node result =
        energy.node.IsMap() ? YAML::Clone(energy.node) : YAML::Node(YAML::NodeType::Map);
    fill_defaults(result, kEnergyTable);
    if (!result["fail_safe"].IsDefined() || result["fail_safe"].IsNull()) {
      result["fail_safe"] = YAML::Node(YAML::NodeType::Map);  // its defaults apply without it
    }
    fill_defaults(result["fail_safe"], kFailSafeTable);
    fill_ripple_control_defaults(result["ripple_control"]);
    return result;
  }

  // Always checked: its defaults apply when the section is absent.
  void check_fail_safe(const Located &energy) {
    Located fail_safe = child(energy, "fail_safe");
    if (fail_safe.node.IsNull()) fail_safe.mark = energy.mark;
    Values values;
    check_table(fail_safe, kFailSafeTable, {}, values, errors_);
  }

  const Config &config_;
  std::vector<Error> &errors_;
};

}  // namespace

YAML::Node check_energy(const Sources &sources, const Config &config, std::vector<Error> &errors) {
  const Entry *section = sources.section("energy");
  const Located energy = section != nullptr
                             ? section->value
                             : Located{YAML::Node(), sources.top.file, "energy", sources.top};
  return EnergyChecker(config, errors).check(energy);
}

}  // namespace hearth::config::detail
