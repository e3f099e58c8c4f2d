#include "hearth/energy/surplus_loads.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hearth::energy {
namespace {

// After this long on, a load's measured power stands for it; before, a load that is still
// starting (a heat pump ramps for minutes) is counted at its nominal or commanded power.
constexpr int64_t kSettleNs = 60'000'000'000;
// An EV charger goes up only with this much of an ampere to spare (hysteresis against a surplus
// that wobbles around a step), and only once the surplus has carried the higher step this long:
// it goes down at once (never import for a step), so a noisy surplus would otherwise move the
// current every cycle. The current settles below the dips and rises when the surplus really does.
constexpr double kCurrentStepMarginA = 0.25;
constexpr int64_t kCurrentUpHoldNs = 10'000'000'000;

const char *level_name(const LoadState &load, LoadLevel level) {
  if (load.kind == LoadKind::kSgReady) {
    return level == LoadLevel::kBoost ? "SG Ready 4"
           : level == LoadLevel::kOn  ? "SG Ready 3"
                                      : "SG Ready 2";
  }
  return level == LoadLevel::kOff ? "off" : "on";
}

std::string format_w(double watts) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f W", watts);
  return text;
}

}  // namespace

double watts_per_amp(const LoadState &load, double grid_voltage_v) {
  return grid_voltage_v * std::max(1, load.phases);
}

double full_power_w(const LoadState &load, double grid_voltage_v) {
  if (load.kind == LoadKind::kEvCharger)
    return load.max_current_a * watts_per_amp(load, grid_voltage_v);
  return load.nominal_w > 0 ? load.nominal_w : load.power_w;
}

double SurplusLoadController::start_w(const LoadState &load, double grid_voltage_v) const {
  if (settings_.start_w) return *settings_.start_w;
  switch (load.kind) {
    case LoadKind::kEvCharger:
      return load.min_current_a * watts_per_amp(load, grid_voltage_v);
    case LoadKind::kPowerLimitable:
      return 0.1 * load.nominal_w;  // a tenth of its power is worth starting for
    default:
      return load.nominal_w;
  }
}

double SurplusLoadController::stop_w(const LoadState &load, double grid_voltage_v) const {
  return settings_.stop_w.value_or(start_w(load, grid_voltage_v) / 2);
}

void SurplusLoadController::initialise(const LoadState &load, int64_t mono_ns) {
  if (initialised_) return;
  initialised_ = true;
  level_since_ns_ = mono_ns;
  level_time_known_ = false;
  current_a_ = load.current_a;
  if (load.kind == LoadKind::kSgReady) {
    level_ = load.sg_state == 4   ? LoadLevel::kBoost
             : load.sg_state == 3 ? LoadLevel::kOn
                                  : LoadLevel::kOff;
  } else if (load.kind == LoadKind::kEvCharger) {
    level_ = load.current_a > 0 ? LoadLevel::kOn : LoadLevel::kOff;
  } else {
    level_ = load.on ? LoadLevel::kOn : LoadLevel::kOff;
  }
}

bool SurplusLoadController::may_change(int64_t mono_ns) const {
  if (!level_time_known_) return true;
  const int64_t min_ms = level_ == LoadLevel::kOff ? settings_.min_off_ms : settings_.min_on_ms;
  return mono_ns - level_since_ns_ >= min_ms * 1'000'000;
}

void SurplusLoadController::change_level(LoadLevel level, int64_t mono_ns) {
  if (level == level_) return;
  level_ = level;
  level_since_ns_ = mono_ns;
  level_time_known_ = true;
}

// The same text every cycle of a hold, so a log that prints changed reasons prints it once.
std::string SurplusLoadController::hold_reason(const LoadState &load) const {
  const bool off = level_ == LoadLevel::kOff;
  const int64_t min_s = (off ? settings_.min_off_ms : settings_.min_on_ms) / 1000;
  return load.id + ": stays " + level_name(load, level_) + " (minimum " + (off ? "off" : "on") +
         " time " + std::to_string(min_s) + " s)";
}

LoadLevel SurplusLoadController::wanted_level(const LoadState &load, double available_w,
                                              double grid_voltage_v) const {
  const double start = start_w(load, grid_voltage_v);
  const double stop = stop_w(load, grid_voltage_v);
  const auto &boost_start = settings_.boost_start_w;
  const double boost_stop =
      settings_.boost_stop_w.value_or(boost_start ? *boost_start - (start - stop) : 0);
  LoadLevel wanted = level_;
  if (level_ == LoadLevel::kOff) {
    if (start > 0 && available_w >= start) wanted = LoadLevel::kOn;
  } else if (available_w < stop) {
    wanted = LoadLevel::kOff;
  } else if (level_ == LoadLevel::kBoost && available_w < boost_stop) {
    wanted = LoadLevel::kOn;
  }
  if (load.kind == LoadKind::kSgReady && wanted != LoadLevel::kOff && boost_start &&
      available_w >= *boost_start) {
    wanted = LoadLevel::kBoost;
  }
  return wanted;
}

LoadLevel SurplusLoadController::next_level(const LoadState &load, double available_w,
                                            int64_t mono_ns, double grid_voltage_v,
                                            std::string &reason) {
  const LoadLevel wanted = wanted_level(load, available_w, grid_voltage_v);
  if (wanted == level_) {
    pending_.reset();
    return level_;
  }
  // The surplus must ask for the same change for the whole delay: a passing cloud or a kettle
  // does not switch anything.
  if (!pending_ || pending_->level != wanted) pending_ = PendingChange{wanted, mono_ns};
  const bool rising = static_cast<int>(wanted) > static_cast<int>(level_);
  const int64_t delay_ms = rising ? settings_.start_delay_ms : settings_.stop_delay_ms;
  if (mono_ns - pending_->since_ns < delay_ms * 1'000'000) {
    reason = load.id + ": " + level_name(load, wanted) + " once the surplus holds for " +
             std::to_string(delay_ms / 1000) + " s";
    return level_;
  }
  if (!may_change(mono_ns)) {
    reason = hold_reason(load);
    return level_;
  }
  pending_.reset();
  reason = load.id + ": " + level_name(load, wanted) + " (surplus " + format_w(available_w) + ")";
  return wanted;
}

double SurplusLoadController::next_current_a(const LoadState &load, double available_w,
                                             int64_t mono_ns, double grid_voltage_v) {
  const double step_w = watts_per_amp(load, grid_voltage_v);
  const double fit_a = std::floor(available_w / step_w);
  double current_a = current_a_;
  const bool room_to_rise = current_a >= load.min_current_a &&
                            available_w >= (current_a + 1 + kCurrentStepMarginA) * step_w;
  if (!room_to_rise) rise_since_ns_.reset();
  if (current_a < load.min_current_a) {
    current_a = fit_a;  // starting: as much as the surplus allows
  } else if (fit_a < current_a) {
    current_a = fit_a;
  } else if (room_to_rise) {
    if (!rise_since_ns_) rise_since_ns_ = mono_ns;
    if (mono_ns - *rise_since_ns_ >= kCurrentUpHoldNs) {
      current_a = std::floor(available_w / step_w - kCurrentStepMarginA);
      rise_since_ns_.reset();
    }
  }
  return std::clamp(current_a, load.min_current_a, load.max_current_a);
}

LoadDecision SurplusLoadController::decision_for(const LoadState &load, double available_w,
                                                 int64_t mono_ns, double grid_voltage_v) const {
  LoadDecision decision;
  decision.target.id = load.id;
  decision.target.kind = load.kind;
  const bool on = level_ != LoadLevel::kOff;
  decision.target.on = on;
  double commanded_w = on ? full_power_w(load, grid_voltage_v) : 0;
  switch (load.kind) {
    case LoadKind::kEvCharger:
      decision.target.current_a = on ? current_a_ : 0;
      commanded_w = decision.target.current_a * watts_per_amp(load, grid_voltage_v);
      break;
    case LoadKind::kSgReady:
      decision.target.sg_state = static_cast<int>(level_) + 2;
      break;
    case LoadKind::kPowerLimitable:
      commanded_w = on ? std::clamp(available_w, 0.0, load.nominal_w) : 0;
      decision.target.consumption_limit_w = commanded_w;
      break;
    case LoadKind::kSwitchable:
      break;
  }
  if (!on) return decision;
  // A plain relay is counted at its nominal power ("switches on nominal power"); other loads at
  // what they really draw once settled.
  const bool settled = level_time_known_ && mono_ns - level_since_ns_ >= kSettleNs;
  if (load.kind == LoadKind::kSwitchable && load.nominal_w > 0) {
    decision.planned_w = load.nominal_w;
  } else {
    decision.planned_w = settled ? load.power_w : std::max(load.power_w, commanded_w);
  }
  return decision;
}

LoadDecision SurplusLoadController::follow_surplus(const LoadState &load, double available_w,
                                                   int64_t mono_ns, double grid_voltage_v) {
  initialise(load, mono_ns);
  std::string reason;
  const LoadLevel level = next_level(load, available_w, mono_ns, grid_voltage_v, reason);
  change_level(level, mono_ns);
  if (load.kind == LoadKind::kEvCharger) {
    current_a_ =
        level == LoadLevel::kOff ? 0 : next_current_a(load, available_w, mono_ns, grid_voltage_v);
  }
  LoadDecision decision = decision_for(load, available_w, mono_ns, grid_voltage_v);
  decision.reason = std::move(reason);
  return decision;
}

LoadDecision SurplusLoadController::run_for_reservation(const LoadState &load, double available_w,
                                                        std::optional<double> import_limit_w,
                                                        int64_t mono_ns, double grid_voltage_v) {
  initialise(load, mono_ns);
  std::string reason;
  const LoadLevel wanted = load.kind == LoadKind::kSgReady ? LoadLevel::kBoost : LoadLevel::kOn;
  if (load.kind == LoadKind::kEvCharger) {
    double current_a = load.max_current_a;
    if (import_limit_w) {
      current_a = std::min(current_a, std::floor((*import_limit_w + available_w) /
                                                 watts_per_amp(load, grid_voltage_v)));
    }
    if (current_a < load.min_current_a) {
      reason = load.id + ": reservation paused, the import limit leaves less than " +
               std::to_string(static_cast<int>(load.min_current_a)) + " A";
      current_a_ = 0;
      change_level(LoadLevel::kOff, mono_ns);
      LoadDecision decision = decision_for(load, available_w, mono_ns, grid_voltage_v);
      decision.reason = std::move(reason);
      return decision;
    }
    current_a_ = current_a;
  }
  change_level(wanted, mono_ns);
  return decision_for(load, full_power_w(load, grid_voltage_v), mono_ns, grid_voltage_v);
}

}  // namespace hearth::energy
