#pragma once
// The dispatch layer's settings (README.md, "Settings"), built from the `energy:` map that
// core/config has checked (core/config/src/energy_dispatch.cpp), or rebuilt from run-time
// overrides by the energy manager.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::energy {

enum class DispatchMode { kSelfConsumption, kTou, kCostOptimal };
enum class BatterySharing { kProportional, kPriority };
enum class TouAction { kCharge, kDischarge };

// Days of the week, one bit per day as struct tm counts them: bit 0 Sunday … bit 6 Saturday.
using DayMask = uint8_t;
constexpr DayMask kAllDays = 0x7f;
constexpr DayMask kWeekdays = 0x3e;
constexpr DayMask kWeekends = 0x41;

constexpr int kMinutesPerDay = 24 * 60;

// A local clock window; end_min ≤ start_min passes midnight (22:00-06:00), 1440 is 24:00.
struct ClockWindow {
  int start_min = 0;
  int end_min = 0;
};

// One owner window of TOU mode. `days` are the days the window starts on.
struct TouWindow {
  ClockWindow window;
  DayMask days = kAllDays;
  TouAction action = TouAction::kCharge;
  bool grid_charge = false;           // charge: the grid may charge the battery
  std::optional<double> power_w;      // charge: at most; discharge: at least (forced export)
  double target_soc_pct = 100;        // charge: stop at this SOC
  std::optional<double> min_soc_pct;  // discharge: stop at this SOC (default soc_min_pct)
};

// How one flexible load follows the PV surplus. Unset thresholds default from the load itself
// (README.md, "Surplus loads").
struct SurplusLoadSettings {
  std::string id;
  std::optional<double> start_w;        // surplus needed to switch on
  std::optional<double> stop_w;         // switch off when the surplus left for it falls below
  std::optional<double> boost_start_w;  // SG Ready: state 4 from this surplus (never if unset)
  std::optional<double> boost_stop_w;   // SG Ready: back to state 3 below this
  int64_t min_on_ms = 5 * 60 * 1000;
  int64_t min_off_ms = 5 * 60 * 1000;
  // How long the surplus must ask for a start (stop) before the load starts (stops).
  int64_t start_delay_ms = 60 * 1000;
  int64_t stop_delay_ms = 120 * 1000;
};

// "energy_wh into `load` by `by_min` local time": surplus first, the grid at the latest start.
struct Reservation {
  std::string load;
  double energy_wh = 0;
  int by_min = 0;
  DayMask days = kAllDays;  // the days of the deadline
  double margin_pct = 10;   // extra time on the latest start, as % of the time needed
};

// The curtailed-PV estimate (README.md, "Curtailed PV").
struct PvEstimateSettings {
  bool enabled = true;
  double at_cap_tolerance_w = 100;        // output within this of the cap counts as "at the cap"
  double probe_w = 0;                     // assumed extra per capped inverter with no reference
  std::map<std::string, double> peak_wp;  // per inverter; default: its rated_w
};

struct DispatchSettings {
  DispatchMode mode = DispatchMode::kSelfConsumption;
  std::string time_zone = "UTC";  // IANA name (site.location.timezone)
  double soc_min_pct = 10;
  double soc_max_pct = 100;
  BatterySharing battery_sharing = BatterySharing::kProportional;
  double grid_voltage_v = 230;  // per phase, for EV current steps
  // Device ids, "<inverter>/battery" for a battery, highest priority first.
  std::vector<std::string> surplus_priority;
  std::vector<TouWindow> tou;
  std::vector<SurplusLoadSettings> loads;
  std::vector<Reservation> reservations;
  PvEstimateSettings pv_estimate;
};

// Builds the settings from a checked `energy:` map; absent keys keep the defaults above.
// Throws std::invalid_argument naming the key when a value cannot be read (an unchecked node).
DispatchSettings dispatch_settings_from(const YAML::Node &energy, std::string time_zone = "UTC");

// The parsers the config check shares (nullopt: not valid).
std::optional<int> parse_clock_time(std::string_view hh_mm);  // "07:00" → 420; "24:00" → 1440
std::optional<ClockWindow> parse_clock_window(std::string_view text);  // "HH:MM-HH:MM"
// "all", "weekdays", "weekends", "mon" … "sun", or a list of day names.
std::optional<DayMask> parse_days(const YAML::Node &days);
std::optional<DispatchMode> parse_mode(std::string_view mode);

constexpr std::string_view kBatterySuffix = "/battery";

}  // namespace hearth::energy
