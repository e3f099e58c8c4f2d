#pragma once
// The energy manager's settings: the checked `energy:` section (core/config/src/energy.cpp) as
// dotted keys in the core's SettingsStore (architecture.md, "Settings": the YAML is the baseline,
// run-time overrides carry author and time, grid-safety keys are installer-only), read back into
// one plain struct the layers use.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <hearth/config/config.hpp>
#include <hearth/energy/dispatch_settings.hpp>
#include <hearth/store/settings_store.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::energy {

enum class LimitsTrigger { event, cycle };

struct FailSafeSettings {
  double meter_timeout_s = 1.5;
  double pv_limit_w = 0;
  int frozen_samples = 10;
  double counter_stall_wh = 50;
  int recover_samples = 3;
};

struct EnergySettings {
  std::string mode = "self-consumption";
  // The export allowed at the grid point, W (feed_in_limit_pct resolved against the installed
  // PV); nullopt = no limit.
  std::optional<double> feed_in_limit_w;
  std::optional<double> import_limit_w;
  std::optional<ClockWindow> import_hours;  // nullopt: the import limit holds all day
  LimitsTrigger limits_trigger = LimitsTrigger::event;
  int64_t control_cycle_ms = 1000;
  double limit_deadband_w = 50;
  int64_t limit_min_interval_ms = 5000;
  std::string grid_meter;              // device id; empty = the first device offering grid_meter
  double phase_current_limit_a = 0;    // 0 = none (site.fuse_a by default)
  std::string external_feed_in_point;  // "<device>/<point>", W
  std::string external_import_point;
  FailSafeSettings fail_safe;
  // From site:
  double pv_installed_wp = 0;
  std::string timezone;
  bool single_phase = false;
};

using SettingLookup = std::function<std::optional<std::string>(std::string_view key)>;

// "energy.<path>" → value text for every scalar of the checked section (maps are walked, lists
// and other non-scalars are written as YAML flow text).
std::map<std::string, std::string> flatten_energy(const YAML::Node &energy);

// Grid-safety keys: the limits, the fail-safe, ripple control, the limits' trigger and writes.
bool is_grid_safety_key(std::string_view key);
// Declares the energy keys with their role and a check of an override's text.
void register_energy_keys(store::SettingsStore &store);

struct ParsedSettings {
  EnergySettings settings;
  std::vector<std::string> problems;  // values that could not be read (their defaults apply)
};
ParsedSettings parse_energy_settings(const SettingLookup &lookup, const config::SiteConfig &site);
// The baseline alone (tests, and hearthd before the store exists).
ParsedSettings parse_energy_settings(const YAML::Node &energy, const config::SiteConfig &site);
// The store's values: the baseline with the overrides in force.
ParsedSettings parse_energy_settings(const store::SettingsStore &store,
                                     const config::SiteConfig &site);
// The store's energy keys in force, as an `energy:` map again (for the dispatch layer's
// settings, which read the map).
YAML::Node energy_node_from(const store::SettingsStore &store);

}  // namespace hearth::energy
