#pragma once
// The contract between the energy manager's layers (architecture.md, "The energy manager"):
// the manager reads the bus into a SiteSnapshot once per control cycle, the dispatch layer turns
// it into a DispatchPlan, and the manager sends the plan's changes as commands. The limits layer
// (event path, every meter sample) may override the plan's battery targets between cycles.
//
// Signs as on the bus: grid + import / − export; battery + charge / − discharge; PV and loads ≥ 0.
// Plain values, no bus types: the dispatch layer is tested alone with hand-made snapshots.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::energy {

struct InverterState {
  std::string id;
  bool online = false;
  double ac_power_w = 0;     // point power_w
  double pv_dc_power_w = 0;  // point pv_power_w
  double rated_w = 0;        // capability limit rated_w
  // The active-power cap in force (commanded by the limits layer); nullopt = uncapped.
  std::optional<double> limit_w;
};

struct BatteryState {
  std::string id;  // the device offering `battery` (for Huawei: the inverter's id)
  bool online = false;
  double soc_pct = 0;
  double power_w = 0;
  double capacity_wh = 0;
  double max_charge_w = 0;
  double max_discharge_w = 0;
};

enum class LoadKind { kEvCharger, kSgReady, kSwitchable, kPowerLimitable };

struct LoadState {
  std::string id;
  LoadKind kind = LoadKind::kSwitchable;
  bool online = false;
  double power_w = 0;          // measured now
  double nominal_w = 0;        // what it draws when on (switch, heating rod, SG Ready boost)
  bool on = false;             // switch on / charger charging / SG Ready state 3 or 4
  int sg_state = 2;            // sg_ready only: 1 blocked, 2 normal, 3 recommended, 4 forced
  double current_a = 0;        // ev_charger only: the current limit in force (0 = paused)
  double min_current_a = 6;    // ev_charger only
  double max_current_a = 16;   // ev_charger only
  int phases = 3;              // ev_charger only
};

struct SiteSnapshot {
  int64_t mono_ns = 0;
  int64_t wall_ms = 0;             // UTC
  bool clock_synchronised = true;  // false: TOU and the planner hold self-consumption
  bool meter_fresh = false;        // false: the limits layer is in its fail-safe state
  double grid_power_w = 0;
  std::vector<InverterState> inverters;
  std::vector<BatteryState> batteries;
  std::vector<LoadState> loads;
  // From the limits layer: the export allowed now (W ≥ 0; nullopt = unlimited) and the import
  // allowed now (peak shaving; nullopt = none in force).
  std::optional<double> feed_in_limit_w;
  std::optional<double> import_limit_w;
  // PV the site could produce now if nothing were curtailed (the limits layer's estimate when a
  // cap holds inverters back; otherwise the inverters' output).
  double pv_available_w = 0;
};

struct BatteryTarget {
  std::string id;
  double power_w = 0;  // + charge / − discharge; 0 = idle
};

struct LoadTarget {
  std::string id;
  LoadKind kind = LoadKind::kSwitchable;
  bool on = false;          // switchable, heating rod
  int sg_state = 2;         // sg_ready
  double current_a = 0;     // ev_charger (0 = pause)
  std::optional<double> consumption_limit_w;  // power_limitable
};

struct DispatchPlan {
  std::vector<BatteryTarget> batteries;
  std::vector<LoadTarget> loads;
  std::string mode_in_effect;  // "self-consumption", "tou:charge", "tou:hold", ... for status
  std::vector<std::string> reasons;  // short human-readable decisions, for the log and the API
};

}  // namespace hearth::energy
