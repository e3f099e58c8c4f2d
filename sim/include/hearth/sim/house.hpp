#pragma once
// The physics of the simulated house: PV, household load, hybrid inverters with batteries and the
// grid point as the power balance, stepped at a fixed dt. Not thread-safe: the Simulator locks.
//
// Signs: battery power + charge / - discharge (protocols.md §2); inverter AC power + output;
// grid power + import / - export (the DTSU666's own convention, protocols.md §4; the inverter view
// at 37113 is the opposite, which the register encoder applies).
#include <cstdint>
#include <optional>
#include <vector>

#include "hearth/sim/profiles.hpp"
#include "hearth/sim/scenario.hpp"

namespace hearth::sim {

// LUNA2000 storage working mode setting, register 47086 (protocols.md §2).
enum class StorageMode : uint16_t {
  kAdaptive = 0,
  kFixedChargeDischarge = 1,
  kMaxSelfConsumption = 2,
  kTouLg = 3,
  kFullyFedToGrid = 4,
  kTouLuna = 5,
};

// Forcible charge/discharge command, register 47100.
enum class ForcibleCommand : uint16_t { kStop = 0, kCharge = 1, kDischarge = 2 };

// Everything a master may write to a battery; defaults are those after a reboot.
struct BatteryControls {
  StorageMode mode = StorageMode::kMaxSelfConsumption;
  double max_charge_w = 0;                            // 47075 (set from the scenario)
  double max_discharge_w = 0;                         // 47077
  double charge_cutoff_soc_pct = 100.0;               // 47081
  double discharge_cutoff_soc_pct = 5.0;              // 47082
  bool grid_charge_enabled = false;                   // 47087
  ForcibleCommand forcible = ForcibleCommand::kStop;  // 47100
  bool forcible_by_target_soc = false;                // 47246: 0 duration, 1 target SOC
  double forcible_charge_w = 0;                       // 47247
  double forcible_discharge_w = 0;                    // 47249
  double forcible_duration_min = 0;                   // 47083
  double forcible_target_soc_pct = 100.0;             // 47101
};

struct BatteryState {
  double soc_wh = 0;
  double power_w = 0;  // + charge, - discharge
  double charged_total_wh = 0, discharged_total_wh = 0;
  double charged_today_wh = 0, discharged_today_wh = 0;
  int64_t forcible_end_ms = 0;  // duration mode
};

struct Battery {
  BatterySettings settings;
  BatteryControls controls;
  BatteryState state;
  double soc_pct() const { return 100.0 * state.soc_wh / settings.capacity_wh; }
};

// A value moving linearly from `from` to `to` over [start_ms, end_ms] of simulated time and holding
// `to` afterwards; end_ms <= start_ms is a step. Load and PV overrides use it for ramps.
struct Ramp {
  double from = 0, to = 0;
  int64_t start_ms = 0, end_ms = 0;
  double at(int64_t now_ms) const;
};

// Active power control at the grid-connection point, register 47415 (protocols.md §1).
enum class GridPointMode : uint16_t {
  kUnlimited = 0,
  kDiScheduling = 1,
  kZeroExport = 5,
  kLimitedW = 6,
  kLimitedPct = 7,
};

struct InverterControls {
  double derating_pct = 100.0;                          // 40125, % of Pmax
  double derating_w = 0;                                // 40126 (default Pmax)
  GridPointMode grid_mode = GridPointMode::kUnlimited;  // 47415
  double grid_limit_w = 0;                              // 47416
  double grid_limit_pct = 0;                            // 47418
  bool running = true;                                  // 40200 startup / 40201 shutdown
};

struct InverterState {
  double pv_available_w = 0;
  double pv_used_w = 0;   // DC power converted (PV yield)
  double ac_power_w = 0;  // + output; < 0 when the battery charges from the grid
  double ac_target_w = 0;
  double peak_ac_today_w = 0;
  double daily_yield_wh = 0, total_yield_wh = 0;
  int64_t reboot_until_ms = 0;
  int64_t last_master_frame_ms = 0;
  bool comm_loss_active = false;
  double irradiance_factor = 1.0;
  std::optional<Ramp> pv_override_w;  // replaces profile x kWp x irradiance while set
};

struct Inverter {
  InverterSettings settings;
  InverterControls controls;
  InverterState state;
  std::optional<Battery> battery;
  bool has_meter = false;  // a DTSU666 on its RS485-2 (registers 37100 ff.)

  bool rebooting(int64_t now_ms) const { return now_ms < state.reboot_until_ms; }
  // Connected and converting: not shut down by command, not rebooting.
  bool operating(int64_t now_ms) const { return controls.running && !rebooting(now_ms); }
  // The output cap from the derating registers and the comm-loss fallback, in W.
  double derating_cap_w(int64_t now_ms) const;
};

// The meter's view of the grid point; frozen copies of it are served bit-identical.
struct PhaseReading {
  double voltage_v = 0, current_a = 0, power_w = 0;  // power + import
};
struct MeterReading {
  PhaseReading phase[3];
  double power_w = 0;  // + import
  double frequency_hz = 50.0;
  double import_wh = 0, export_wh = 0;
};

struct HouseEnergy {  // integrals since start, for the balance check
  double load_wh = 0, pv_wh = 0, ac_wh = 0;
  double battery_charge_wh = 0, battery_discharge_wh = 0;  // at the AC/DC terminals
  double import_wh = 0, export_wh = 0;
};

class House {
 public:
  House(const Scenario &scenario, PowerProfile pv_per_kwp, PowerProfile load);

  void step();                        // one dt
  void advance(int64_t duration_ms);  // whole steps covering duration

  int64_t now_ms() const { return now_ms_; }
  int64_t step_ms() const { return step_ms_; }
  int32_t utc_offset_min() const { return utc_offset_min_; }
  double load_w() const { return load_w_; }
  double grid_w() const { return grid_w_; }  // + import
  const HouseEnergy &energy() const { return energy_; }
  const MeterReading &meter() const { return meter_; }
  const PowerProfile &pv_profile() const { return pv_per_kwp_; }
  const PowerProfile &load_profile() const { return load_; }
  std::vector<Inverter> &inverters() { return inverters_; }
  const std::vector<Inverter> &inverters() const { return inverters_; }
  Inverter *find_inverter(const std::string &name);

  // Household load override (nullopt: back to the profile), reached linearly over ramp_s of
  // simulated time from the load of the moment.
  void set_load_override_w(std::optional<double> load_w, double ramp_s = 0.0);
  std::optional<double> load_override_w() const;
  // PV available to one inverter, fixed in W (nullopt: back to the profile), reached the same way.
  void set_pv_override_w(Inverter &inverter, std::optional<double> pv_w, double ramp_s = 0.0);
  void set_irradiance_factor(double factor) { irradiance_factor_ = factor; }
  double irradiance_factor() const { return irradiance_factor_; }

  // Control-register side effects.
  void reset_controls(Inverter &inverter);  // defaults after a reboot
  void reboot(Inverter &inverter, double seconds);
  void start_forcible(Battery &battery);
  void note_master_frame(Inverter &inverter) { inverter.state.last_master_frame_ms = now_ms_; }

 private:
  double battery_charge_limit_w(const Battery &battery, bool from_grid) const;
  double battery_discharge_limit_w(const Battery &battery) const;
  void compute_battery_targets();
  void apply_grid_point_limit(std::vector<double> &ac_target_w) const;
  // Powers for the coming step; instant skips the first-order response (the initial state).
  void update_powers(bool instant);
  void settle_inverter(Inverter &inverter, double battery_target_w, bool instant);
  void integrate(double dt_s);
  void update_meter();
  void end_forcible_when_done(Battery &battery);
  void roll_day_if_needed(int64_t previous_ms);

  std::vector<Inverter> inverters_;
  // Per-step scratch, one entry per inverter (kept to avoid allocations in the step loop).
  std::vector<double> cap_w_, battery_target_w_, ac_target_w_;
  std::vector<size_t> self_consumption_;
  PowerProfile pv_per_kwp_, load_;
  int64_t now_ms_;
  int64_t step_ms_;
  int32_t utc_offset_min_;
  double load_w_ = 0, grid_w_ = 0;
  std::optional<Ramp> load_override_w_;
  double irradiance_factor_ = 1.0;
  double nominal_voltage_v_, frequency_hz_;
  HouseEnergy energy_;
  MeterReading meter_;
};

// The built-in day or the data files, as the scenario asks (see PowerProfile).
PowerProfile make_pv_profile(const Scenario &scenario);
PowerProfile make_load_profile(const Scenario &scenario);

}  // namespace hearth::sim
