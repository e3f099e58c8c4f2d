// energy.tou (TOU windows) and energy.dispatch (batteries, surplus loads, reservations, the
// curtailed-PV estimate): the dispatch layer's keys, checked with file:line errors. The parsers
// of clock times and days are the dispatch layer's own, so both read the same text the same way.
#include "energy_dispatch.hpp"

#include <algorithm>
#include <bitset>

#include "hearth/energy/dispatch_settings.hpp"
#include "param_builder.hpp"
#include "suggest.hpp"
#include "table.hpp"

namespace hearth::config::detail {
namespace {

namespace dispatch = hearth::energy;

constexpr hearth_param_desc kTouTable[] = {
    Param(HEARTH_PARAM_STRING, "window").required(),
    Param(HEARTH_PARAM_ENUM, "action").required().choices("charge|discharge"),
    Param(HEARTH_PARAM_BOOL, "grid_charge"),
    Param(HEARTH_PARAM_DOUBLE, "power_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "target_soc_pct").range(0, 100).unit("%"),
    Param(HEARTH_PARAM_DOUBLE, "min_soc_pct").range(0, 100).unit("%"),
};
constexpr std::string_view kWithDays[] = {"days"};

constexpr hearth_param_desc kDispatchTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "soc_min_pct").range(0, 100).unit("%"),
    Param(HEARTH_PARAM_DOUBLE, "soc_max_pct").range(0, 100).unit("%"),
    Param(HEARTH_PARAM_ENUM, "battery_sharing").choices("proportional|priority"),
    Param(HEARTH_PARAM_DOUBLE, "grid_voltage_v").range(100, 260).unit("V"),
};
constexpr std::string_view kDispatchNested[] = {"loads", "reservations", "pv_estimate"};

constexpr hearth_param_desc kLoadTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "start_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "stop_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "boost_start_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "boost_stop_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "min_on_s").range(0, 86400).unit("s"),
    Param(HEARTH_PARAM_DOUBLE, "min_off_s").range(0, 86400).unit("s"),
    Param(HEARTH_PARAM_DOUBLE, "start_delay_s").range(0, 3600).unit("s"),
    Param(HEARTH_PARAM_DOUBLE, "stop_delay_s").range(0, 3600).unit("s"),
};

constexpr hearth_param_desc kReservationTable[] = {
    Param(HEARTH_PARAM_STRING, "load").required(),
    Param(HEARTH_PARAM_DOUBLE, "energy_wh").required().range(1, 1e6).unit("Wh"),
    Param(HEARTH_PARAM_STRING, "by").required(),
    Param(HEARTH_PARAM_DOUBLE, "margin_pct").range(0, 200).unit("%"),
};

constexpr hearth_param_desc kPvEstimateTable[] = {
    Param(HEARTH_PARAM_BOOL, "enabled"),
    Param(HEARTH_PARAM_DOUBLE, "at_cap_tolerance_w").at_least(0).unit("W"),
    Param(HEARTH_PARAM_DOUBLE, "probe_w").at_least(0).unit("W"),
};
constexpr std::string_view kPvEstimateNested[] = {"peak_wp"};

constexpr hearth_param_desc kPeakWp =
    Param(HEARTH_PARAM_DOUBLE, "peak_wp").range(1, 1e6).unit("Wp");

constexpr int kMinutesPerWeek = 7 * dispatch::kMinutesPerDay;
using WeekMinutes = std::bitset<kMinutesPerWeek>;

// The minutes of the week a window covers (a window past midnight runs into the next day).
WeekMinutes minutes_of(const dispatch::ClockWindow &window, dispatch::DayMask days) {
  WeekMinutes minutes;
  const int length =
      (window.end_min - window.start_min + dispatch::kMinutesPerDay) % dispatch::kMinutesPerDay;
  for (int day = 0; day < 7; ++day) {
    if ((days & (1u << day)) == 0) continue;
    for (int minute = 0; minute < (length == 0 ? dispatch::kMinutesPerDay : length); ++minute) {
      minutes.set((day * dispatch::kMinutesPerDay + window.start_min + minute) % kMinutesPerWeek);
    }
  }
  return minutes;
}

class EnergyDispatchChecker {
 public:
  EnergyDispatchChecker(const Config &config, std::vector<Error> &errors) : errors_(errors) {
    for (const auto &device : config.devices) device_ids_.push_back(device.id);
  }

  void check(const Located &energy) {
    // TOU mode without windows is allowed: it runs self-consumption until windows are set.
    const Located tou = child(energy, "tou");
    if (tou.node.IsDefined() && !tou.node.IsNull() && expect_list(tou, errors_)) check_tou(tou);
    const Located settings = child(energy, "dispatch");
    if (settings.node.IsDefined() && !settings.node.IsNull()) check_dispatch(settings);
  }

 private:
  void check_tou(const Located &tou) {
    std::vector<WeekMinutes> covered;
    for (const auto &item : items_of(tou)) {
      Values values;
      check_table(item, kTouTable, kWithDays, values, errors_);
      if (!item.node.IsMap()) continue;
      const auto window = clock_window(item);
      const auto days = days_of(item);
      const std::string action = string_or(values, "action", "");
      if (action == "discharge") {
        refuse_keys(item, {"grid_charge", "target_soc_pct"}, "a charge window");
      } else if (action == "charge") {
        refuse_keys(item, {"min_soc_pct"}, "a discharge window");
      }
      if (!window || !days) continue;
      const WeekMinutes minutes = minutes_of(*window, *days);
      for (size_t other = 0; other < covered.size(); ++other) {
        if ((covered[other] & minutes).any()) {
          add_error(errors_, item.mark, item.path,
                    "overlaps " + tou.path + "[" + std::to_string(other) +
                        "]; windows that overlap would leave the first to win silently");
          break;
        }
      }
      covered.push_back(minutes);
    }
  }

  std::optional<dispatch::ClockWindow> clock_window(const Located &item) {
    const Located where = child(item, "window");
    if (!where.node.IsScalar()) return std::nullopt;
    const auto window = dispatch::parse_clock_window(where.node.Scalar());
    if (!window) {
      add_error(errors_, where.mark, where.path,
                "'" + where.node.Scalar() +
                    "' is not a time window; write HH:MM-HH:MM, e.g. 02:00-06:00 or 22:00-06:00");
    }
    return window;
  }

  std::optional<dispatch::DayMask> days_of(const Located &item) {
    const Located where = child(item, "days");
    if (!where.node.IsDefined() || where.node.IsNull()) return dispatch::kAllDays;
    const auto days = dispatch::parse_days(where.node);
    if (!days) {
      add_error(errors_, where.mark, where.path,
                "expected all, weekdays, weekends, a day (mon … sun) or a list of days");
    }
    return days;
  }

  void refuse_keys(const Located &item, std::initializer_list<const char *> keys,
                   const char *belongs_to) {
    for (const char *key : keys) {
      const Located where = child(item, key);
      if (where.node.IsDefined() && !where.node.IsNull()) {
        add_error(errors_, where.mark, where.path, std::string("belongs to ") + belongs_to);
      }
    }
  }

  void check_dispatch(const Located &settings) {
    Values values;
    auto nested = check_table(settings, kDispatchTable, kDispatchNested, values, errors_);
    if (values.contains("soc_min_pct") && values.contains("soc_max_pct") &&
        double_or(values, "soc_min_pct", 0) >= double_or(values, "soc_max_pct", 100)) {
      const Located where = child(settings, "soc_max_pct");
      add_error(errors_, where.mark, where.path, "must be above soc_min_pct");
    }
    if (auto it = nested.find("loads"); it != nested.end()) check_loads(it->second.value);
    if (auto it = nested.find("reservations"); it != nested.end()) {
      check_reservations(it->second.value);
    }
    if (auto it = nested.find("pv_estimate"); it != nested.end()) {
      check_pv_estimate(it->second.value);
    }
  }

  bool known_device(const Located &where, const std::string &id) {
    if (std::find(device_ids_.begin(), device_ids_.end(), id) != device_ids_.end()) return true;
    add_error(errors_, where.mark, where.path, unknown_name_rule("device", id, device_ids_));
    return false;
  }

  // stop below start (hysteresis), for the on/off pair and the SG Ready boost pair.
  void check_pair(const Located &load, const Values &values, const char *start, const char *stop) {
    if (values.contains(start) && values.contains(stop) &&
        double_or(values, stop, 0) > double_or(values, start, 0)) {
      const Located where = child(load, stop);
      add_error(errors_, where.mark, where.path,
                std::string("must not be above ") + start + " (the hysteresis would invert)");
    }
  }

  void check_loads(const Located &loads) {
    if (!expect_map(loads, errors_)) return;
    for (const auto &entry : entries_of(loads, errors_)) {
      known_device(Located{entry.value.node, loads.file, loads.path, entry.key_mark}, entry.key);
      Values values;
      check_table(entry.value, kLoadTable, {}, values, errors_);
      check_pair(entry.value, values, "start_w", "stop_w");
      check_pair(entry.value, values, "boost_start_w", "boost_stop_w");
    }
  }

  void check_reservations(const Located &reservations) {
    if (!expect_list(reservations, errors_)) return;
    for (const auto &item : items_of(reservations)) {
      Values values;
      check_table(item, kReservationTable, kWithDays, values, errors_);
      if (!item.node.IsMap()) continue;
      if (values.contains("load")) known_device(child(item, "load"), string_or(values, "load", ""));
      const Located by = child(item, "by");
      const auto minute =
          by.node.IsScalar() ? dispatch::parse_clock_time(by.node.Scalar()) : std::nullopt;
      if (values.contains("by") && (!minute || *minute == dispatch::kMinutesPerDay)) {
        add_error(errors_, by.mark, by.path,
                  "'" + by.node.Scalar() + "' is not a time of day; write HH:MM, e.g. 07:00");
      }
      days_of(item);
    }
  }

  void check_pv_estimate(const Located &estimate) {
    Values values;
    auto nested = check_table(estimate, kPvEstimateTable, kPvEstimateNested, values, errors_);
    const auto peak = nested.find("peak_wp");
    if (peak == nested.end() || !expect_map(peak->second.value, errors_)) return;
    const Located &peaks = peak->second.value;
    for (const auto &entry : entries_of(peaks, errors_)) {
      known_device(Located{entry.value.node, peaks.file, peaks.path, entry.key_mark}, entry.key);
      Values value;
      check_value(entry.value, kPeakWp, value, errors_);
    }
  }

  std::vector<Error> &errors_;
  std::vector<std::string> device_ids_;
};

}  // namespace

void check_energy_dispatch(const Located &energy, const Config &config,
                           std::vector<Error> &errors) {
  EnergyDispatchChecker(config, errors).check(energy);
}

}  // namespace hearth::config::detail
