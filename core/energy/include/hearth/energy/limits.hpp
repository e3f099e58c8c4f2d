#pragma once
// The limits layer's arithmetic (architecture.md, "The energy manager", layer 1), free of the bus
// so it is tested alone. Signs as on the bus: grid + import / − export; inverter output ≥ 0.
//
// The inverters' allowed total output follows from one grid sample: with L the house's load and
// G the reachable inverters' output, the meter reads P = L − G − X (X: what unreachable inverters
// produce, unknown). An export limit E holds while G' ≤ P + G + E − X'. Taking each unreachable
// inverter at its rated power (X' = R, architecture.md "Fail-safe") gives the reachable
// inverters a budget of (P + G + E) − R: total-based caps minus the unreachable ratings, and the
// formula does not integrate (G cancels), so it settles in one step.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hearth::energy {

struct GridReading {
  double power_w = 0;  // + import / − export
  std::array<std::optional<double>, 3> phase_power_w;
  std::array<std::optional<double>, 3> phase_voltage_v;
};

struct LimitInputs {
  std::optional<double> feed_in_limit_w;     // configured export limit, W ≥ 0
  std::optional<double> external_feed_in_w;  // external input (EEBUS LPP later)
  std::optional<double> import_limit_w;      // in force now (its hours applied)
  std::optional<double> external_import_w;   // external input (EEBUS LPC later)
  std::optional<double> ripple_cap_w;        // ripple-control share × installed PV
  double phase_current_limit_a = 0;          // 0: none
  bool single_phase = false;
  // The controller aims this far inside an export limit, so that a deadband never lets the
  // export pass the limit (the deadband is the natural choice).
  double margin_w = 50;
};

struct InverterInput {
  std::string id;
  double rated_w = 0;
  bool reachable = false;
  double ac_power_w = 0;  // reachable ones: measured now
  // The cap in force (last written); an inverter running at it is held back, not short of sun.
  std::optional<double> cap_w;
};

struct InverterLimit {
  std::string id;
  double limit_w = 0;
  bool uncapped = false;  // no cap needed: write the inverter's maximum
};

enum class Binding { none, feed_in, external_feed_in, ripple, phase_current };
const char *to_string(Binding binding);

struct LimitDecision {
  std::optional<double> pv_total_w;      // allowed output of all inverters; nullopt = unlimited
  std::vector<InverterLimit> inverters;  // one per reachable inverter
  Binding binding = Binding::none;
  // An export-side limit measured as exceeded now: a tightening then never waits.
  bool export_violation = false;
  // Import side: > 0 is the extra local supply needed now (battery discharge), < 0 the room
  // left under the import limits; 0 when no import limit is in force.
  double import_excess_w = 0;
  bool import_limited = false;
};

// Nominal phase voltage when the meter gives none.
inline constexpr double kNominalPhaseVoltageV = 230.0;

LimitDecision decide_limits(const GridReading &grid, const LimitInputs &inputs,
                            std::span<const InverterInput> inverters, double headroom_w);

// Splits a budget over the inverters in proportion to their rating (the fail-safe split).
std::vector<InverterLimit> split_by_rating(double budget_w,
                                           std::span<const InverterInput> inverters);

// Splits a budget over reachable inverters in proportion to their rating; an inverter that
// produces less than its share (shade, no PV) keeps its output + headroom and the rest of its
// share goes to the others, so the site is not held below the budget. (When its sun returns it
// may exceed its output by the headroom until the next sample corrects the split.)
std::vector<InverterLimit> split_pv_limit(double budget_w, std::span<const InverterInput> reachable,
                                          double headroom_w);

// Whether a new limit is worth a write: always the first; never a change under the deadband; a
// tightening only when it binds (below output + headroom); a loosening only while the inverter
// runs at its cap.
bool limit_write_needed(std::optional<double> last_w, double target_w, double output_w,
                        double deadband_w, double headroom_w);

struct BatteryInput {
  std::string id;
  bool online = false;
  double power_w = 0;  // + charge / − discharge
  double max_discharge_w = 0;
};
struct BatteryPower {
  std::string id;
  double power_w = 0;
};
// Spreads `excess_w` of extra discharge (negative: less discharge) over the online batteries in
// proportion to their discharge rating, each starting from its power now.
std::vector<BatteryPower> battery_power_for_import(double excess_w,
                                                   std::span<const BatteryInput> batteries);

}  // namespace hearth::energy
