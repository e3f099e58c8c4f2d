#include "hearth/energy/dispatch_settings.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace hearth::energy {
namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

std::optional<DayMask> day_group(std::string_view name) {
  if (name == "all") return kAllDays;
  if (name == "weekdays") return kWeekdays;
  if (name == "weekends") return kWeekends;
  for (size_t day = 0; day < kDayNames.size(); ++day) {
    if (name == kDayNames[day]) return static_cast<DayMask>(1u << day);
  }
  return std::nullopt;
}

// A child of the given kind; a missing key is not an error (yaml-cpp's const operator[] gives an
// invalid node, on which IsMap() would throw).
bool has_map(const YAML::Node &map, const char *key) {
  return map[key].IsDefined() && map[key].IsMap();
}
bool has_list(const YAML::Node &map, const char *key) {
  return map[key].IsDefined() && map[key].IsSequence();
}

// Reads `key` of `map` as T, or leaves `out` alone when absent; names the key when unreadable.
template <typename T>
void read(const YAML::Node &map, const char *key, T &out) {
  const YAML::Node value = map[key];
  if (!value.IsDefined() || value.IsNull()) return;
  try {
    out = value.as<T>();
  } catch (const YAML::Exception &) {
    throw std::invalid_argument(std::string("energy: cannot read '") + key + "'");
  }
}

template <typename T>
void read(const YAML::Node &map, const char *key, std::optional<T> &out) {
  T value{};
  if (!map[key].IsDefined() || map[key].IsNull()) return;
  read(map, key, value);
  out = value;
}

// A key in seconds into a field in milliseconds.
void read_seconds(const YAML::Node &map, const char *key, int64_t &out_ms) {
  double seconds = static_cast<double>(out_ms) / 1000;
  read(map, key, seconds);
  out_ms = std::llround(seconds * 1000);
}

template <typename T, typename Parse>
T parsed(const YAML::Node &map, const char *key, Parse parse, T fallback) {
  std::string text;
  read(map, key, text);
  if (text.empty()) return fallback;
  const auto value = parse(text);
  if (!value) throw std::invalid_argument(std::string("energy: '") + text + "' in '" + key + "'");
  return *value;
}

DayMask days_of(const YAML::Node &map) {
  if (!map["days"].IsDefined()) return kAllDays;
  const auto days = parse_days(map["days"]);
  if (!days) throw std::invalid_argument("energy: cannot read 'days'");
  return *days;
}

TouWindow tou_window_from(const YAML::Node &node) {
  TouWindow window;
  window.window = parsed(node, "window", parse_clock_window, ClockWindow{});
  window.days = days_of(node);
  window.action = parsed(
      node, "action",
      [](const std::string &text) -> std::optional<TouAction> {
        if (text == "charge") return TouAction::kCharge;
        if (text == "discharge") return TouAction::kDischarge;
        return std::nullopt;
      },
      TouAction::kCharge);
  read(node, "grid_charge", window.grid_charge);
  read(node, "power_w", window.power_w);
  read(node, "target_soc_pct", window.target_soc_pct);
  read(node, "min_soc_pct", window.min_soc_pct);
  return window;
}

SurplusLoadSettings load_from(const std::string &id, const YAML::Node &node) {
  SurplusLoadSettings load;
  load.id = id;
  read(node, "start_w", load.start_w);
  read(node, "stop_w", load.stop_w);
  read(node, "boost_start_w", load.boost_start_w);
  read(node, "boost_stop_w", load.boost_stop_w);
  read_seconds(node, "min_on_s", load.min_on_ms);
  read_seconds(node, "min_off_s", load.min_off_ms);
  read_seconds(node, "start_delay_s", load.start_delay_ms);
  read_seconds(node, "stop_delay_s", load.stop_delay_ms);
  return load;
}

Reservation reservation_from(const YAML::Node &node) {
  Reservation reservation;
  read(node, "load", reservation.load);
  read(node, "energy_wh", reservation.energy_wh);
  reservation.by_min = parsed(node, "by", parse_clock_time, 0);
  reservation.days = days_of(node);
  read(node, "margin_pct", reservation.margin_pct);
  return reservation;
}

PvEstimateSettings pv_estimate_from(const YAML::Node &node) {
  PvEstimateSettings estimate;
  if (!node.IsDefined() || !node.IsMap()) return estimate;
  read(node, "enabled", estimate.enabled);
  read(node, "at_cap_tolerance_w", estimate.at_cap_tolerance_w);
  read(node, "probe_w", estimate.probe_w);
  if (has_map(node, "peak_wp")) {
    for (const auto &entry : node["peak_wp"]) {
      estimate.peak_wp[entry.first.as<std::string>()] = entry.second.as<double>();
    }
  }
  return estimate;
}

void read_dispatch(const YAML::Node &dispatch, DispatchSettings &settings) {
  read(dispatch, "soc_min_pct", settings.soc_min_pct);
  read(dispatch, "soc_max_pct", settings.soc_max_pct);
  settings.battery_sharing = parsed(
      dispatch, "battery_sharing",
      [](const std::string &text) -> std::optional<BatterySharing> {
        if (text == "proportional") return BatterySharing::kProportional;
        if (text == "priority") return BatterySharing::kPriority;
        return std::nullopt;
      },
      settings.battery_sharing);
  read(dispatch, "grid_voltage_v", settings.grid_voltage_v);
  if (has_map(dispatch, "loads")) {
    for (const auto &entry : dispatch["loads"]) {
      settings.loads.push_back(load_from(entry.first.as<std::string>(), entry.second));
    }
  }
  if (has_list(dispatch, "reservations")) {
    for (const auto &node : dispatch["reservations"]) {
      settings.reservations.push_back(reservation_from(node));
    }
  }
  settings.pv_estimate = pv_estimate_from(dispatch["pv_estimate"]);
}

}  // namespace

std::optional<int> parse_clock_time(std::string_view hh_mm) {
  if (hh_mm.size() != 5 || hh_mm[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(hh_mm[i]))) return std::nullopt;
  }
  const int hours = (hh_mm[0] - '0') * 10 + (hh_mm[1] - '0');
  const int minutes = (hh_mm[3] - '0') * 10 + (hh_mm[4] - '0');
  if (minutes >= 60 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<ClockWindow> parse_clock_window(std::string_view text) {
  if (text.size() != 11 || text[5] != '-') return std::nullopt;
  const auto start = parse_clock_time(text.substr(0, 5));
  const auto end = parse_clock_time(text.substr(6));
  if (!start || !end || *start == *end || *start == kMinutesPerDay) return std::nullopt;
  return ClockWindow{*start, *end};
}

std::optional<DayMask> parse_days(const YAML::Node &days) {
  if (days.IsScalar()) return day_group(days.Scalar());
  if (!days.IsSequence() || days.size() == 0) return std::nullopt;
  DayMask mask = 0;
  for (const auto &day : days) {
    const auto one = day.IsScalar() ? day_group(day.Scalar()) : std::nullopt;
    if (!one) return std::nullopt;
    mask |= *one;
  }
  return mask;
}

std::optional<DispatchMode> parse_mode(std::string_view mode) {
  if (mode == "self-consumption") return DispatchMode::kSelfConsumption;
  if (mode == "tou") return DispatchMode::kTou;
  if (mode == "cost-optimal") return DispatchMode::kCostOptimal;
  return std::nullopt;
}

DispatchSettings dispatch_settings_from(const YAML::Node &energy, std::string time_zone) {
  DispatchSettings settings;
  settings.time_zone = std::move(time_zone);
  if (!energy.IsDefined() || !energy.IsMap()) return settings;
  settings.mode = parsed(
      energy, "mode", [](const std::string &text) { return parse_mode(text); }, settings.mode);
  read(energy, "surplus_priority", settings.surplus_priority);
  if (has_list(energy, "tou")) {
    for (const auto &node : energy["tou"]) settings.tou.push_back(tou_window_from(node));
  }
  if (has_map(energy, "dispatch")) read_dispatch(energy["dispatch"], settings);
  return settings;
}

}  // namespace hearth::energy
