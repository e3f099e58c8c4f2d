// energy: the energy manager's settings. Grid-safety values (limits, fail-safe, ripple control)
// are checked strictly; TOU windows and the dispatch keys are checked in energy_dispatch.cpp.
// The checked node is handed on with the defaults written in.
#include <algorithm>
#include <cstdio>
#include <hearth/energy/dispatch_settings.hpp>

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
    // The limits layer runs on every grid meter sample (event) or only on the control cycle
    // (cycle: how a cycle-based controller reacts; bench/step_response compares both).
    Param(HEARTH_PARAM_ENUM, "limits_trigger").choices("event|cycle").fallback("event"),
    Param(HEARTH_PARAM_DURATION, "control_cycle").range(100, 60'000).fallback("1s"),
    // Limit writes: a change smaller than the deadband is not written; loosening waits the minimum
    // interval after the last write (tightening that restores compliance never waits).
    Param(HEARTH_PARAM_DOUBLE, "limit_deadband_w").range(0, 10'000).fallback("50").unit("W"),
    Param(HEARTH_PARAM_DURATION, "limit_min_interval").range(0, 600'000).fallback("5s"),
    Param(HEARTH_PARAM_STRING, "grid_meter"),
    Param(HEARTH_PARAM_DOUBLE, "phase_current_limit_a").range(1, 1000).unit("A"),
};
constexpr std::string_view kEnergyNested[] = {
    "import_limit", "surplus_priority", "fail_safe", "ripple_control",
    "tou",          "external_limit",   "battery",   "reservations", "dispatch"};

// An external limit (EEBUS LPC/LPP later) read from bus points "<device>/<point>" in W.
constexpr hearth_param_desc kExternalLimitTable[] = {
    Param(HEARTH_PARAM_STRING, "feed_in_point"),
    Param(HEARTH_PARAM_STRING, "import_point"),
};

constexpr hearth_param_desc kImportLimitTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "w").required().at_least(0).unit("W"),
    Param(HEARTH_PARAM_STRING, "hours"),
};

// UK G100 wants a limited state within 5 s of losing control (architecture.md, "Fail-safe").
constexpr hearth_param_desc kFailSafeTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "meter_timeout_s").range(0.1, 5).fallback("1.5").unit("s"),
    Param(HEARTH_PARAM_DOUBLE, "pv_limit_w").at_least(0).fallback("0").unit("W"),
    // Frozen meter: this many bit-identical power samples in a row while the inverters' output
    // moves; or the energy counters stand still while this much energy flowed.
    Param(HEARTH_PARAM_INT, "frozen_samples").range(3, 1000).fallback("10"),
    Param(HEARTH_PARAM_DOUBLE, "counter_stall_wh").range(1, 10'000).fallback("50").unit("Wh"),
    // Good samples in a row that end the fail-safe state.
    Param(HEARTH_PARAM_INT, "recover_samples").range(1, 100).fallback("3"),
};

// The drivers' own fail-safe writes (replayed when hearthd stops) carry this parameter.
constexpr std::string_view kDriverFailsafeParam = "failsafe_limit_w";

constexpr std::string_view kBatterySuffix = "/battery";

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
    if (auto it = nested.find("external_limit"); it != nested.end()) {
      check_external_limit(it->second.value);
    }
    if (values.contains("grid_meter")) check_grid_meter(child(energy, "grid_meter"), values);
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
    // The manager reads the hours with the same parser (energy_settings.cpp).
    if (!energy::parse_clock_window(hours)) {
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
    check_driver_failsafe(fail_safe, double_or(values, "pv_limit_w", 0));
  }

  // When hearthd stops, only the drivers' registered writes hold the PV (architecture.md,
  // "Fail-safe"): together they must not allow more than the energy manager's fail-safe limit.
  void check_driver_failsafe(const Located &fail_safe, double pv_limit_w) {
    double total_w = 0;
    std::string names;
    for (const auto &device : config_.devices) {
      const auto found = device.params.find(std::string(kDriverFailsafeParam));
      if (found == device.params.end()) continue;
      const auto *watts = std::get_if<int64_t>(&found->second);
      const auto *watts_d = std::get_if<double>(&found->second);
      total_w += watts ? static_cast<double>(*watts) : (watts_d ? *watts_d : 0.0);
      names += (names.empty() ? "" : ", ") + device.id;
    }
    if (total_w <= pv_limit_w) return;
    add_error(errors_, fail_safe.mark, fail_safe.path + ".pv_limit_w",
              "the drivers' failsafe_limit_w (" + names + ") add up to " + format_watts(total_w) +
                  ", above pv_limit_w " + format_watts(pv_limit_w) +
                  "; after a stop the inverters would allow more than the fail-safe state");
  }

  static std::string format_watts(double watts) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f W", watts);
    return text;
  }

  void check_external_limit(const Located &external) {
    Values values;
    check_table(external, kExternalLimitTable, {}, values, errors_);
    for (const char *key : {"feed_in_point", "import_point"}) {
      if (!values.contains(key)) continue;
      const std::string point = std::get<std::string>(values.at(key));
      const size_t slash = point.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == point.size()) {
        const Located where = child(external, key);
        add_error(errors_, where.mark, where.path,
                  "'" + point + "' is not a point name; write <device>/<point>");
      }
    }
  }

  void check_grid_meter(const Located &where, const Values &values) {
    const std::string id = std::get<std::string>(values.at("grid_meter"));
    std::vector<std::string> ids;
    for (const auto &device : config_.devices) ids.push_back(device.id);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      add_error(errors_, where.mark, where.path, unknown_name_rule("device", id, ids));
    }
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
