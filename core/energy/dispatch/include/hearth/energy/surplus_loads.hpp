#pragma once
// One flexible load following the PV surplus (README.md, "Surplus loads"): start and stop
// thresholds with hysteresis, minimum on and off times, EV current steps, SG Ready states.
#include <cstdint>
#include <optional>
#include <string>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/site_snapshot.hpp"

namespace hearth::energy {

// Off, on (switch closed, charging, SG Ready 3, power released), boost (SG Ready 4).
enum class LoadLevel { kOff = 0, kOn = 1, kBoost = 2 };

struct LoadDecision {
  LoadTarget target;
  double planned_w = 0;  // what the load is counted to draw, for the loads after it
  std::string reason;    // set when the level changed or a rule held it
};

class SurplusLoadController {
 public:
  explicit SurplusLoadController(SurplusLoadSettings settings) : settings_(std::move(settings)) {}
  void update_settings(SurplusLoadSettings settings) { settings_ = std::move(settings); }
  const SurplusLoadSettings &settings() const { return settings_; }

  // available_w: the surplus left for this load by those before it, its own draw not counted.
  LoadDecision follow_surplus(const LoadState &load, double available_w, int64_t mono_ns,
                              double grid_voltage_v);
  // A reservation runs the load at full power now, whatever the surplus and the minimum off
  // time; an EV charger's current is cut to keep the import within import_limit_w.
  LoadDecision run_for_reservation(const LoadState &load, double available_w,
                                   std::optional<double> import_limit_w, int64_t mono_ns,
                                   double grid_voltage_v);

  LoadLevel level() const { return level_; }
  double start_w(const LoadState &load, double grid_voltage_v) const;
  double stop_w(const LoadState &load, double grid_voltage_v) const;

 private:
  void initialise(const LoadState &load, int64_t mono_ns);
  bool may_change(int64_t mono_ns) const;
  void change_level(LoadLevel level, int64_t mono_ns);
  LoadLevel wanted_level(const LoadState &load, double available_w, double grid_voltage_v) const;
  LoadLevel next_level(const LoadState &load, double available_w, int64_t mono_ns,
                       double grid_voltage_v, std::string &reason);
  double next_current_a(const LoadState &load, double available_w, int64_t mono_ns,
                        double grid_voltage_v);
  LoadDecision decision_for(const LoadState &load, double available_w, int64_t mono_ns,
                            double grid_voltage_v) const;
  std::string hold_reason(const LoadState &load) const;

  SurplusLoadSettings settings_;
  bool initialised_ = false;
  LoadLevel level_ = LoadLevel::kOff;
  int64_t level_since_ns_ = 0;
  struct PendingChange {
    LoadLevel level;
    int64_t since_ns;
  };
  std::optional<PendingChange> pending_;  // the change the surplus asks for, and since when
  bool level_time_known_ = false;         // false until the first change: no minimum time holds yet
  double current_a_ = 0;                  // EV chargers
  std::optional<int64_t> rise_since_ns_;  // EV: since when the surplus carries a higher current
};

// The power a load draws at full power: an EV at its maximum current, others at nominal_w.
double full_power_w(const LoadState &load, double grid_voltage_v);
// One ampere on every phase of an EV charger, in W.
double watts_per_amp(const LoadState &load, double grid_voltage_v);

}  // namespace hearth::energy
