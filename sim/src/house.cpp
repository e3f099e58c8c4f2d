#include "hearth/sim/house.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::sim {
namespace {

constexpr double kClearSkyPeakWPerKwp = 750.0;
// Grid impedance seen by the meter: import pulls the phase voltage down by this much per W.
constexpr double kVoltageDropVPerW = 0.001;
constexpr double kSocEpsilonPct = 1e-6;

double one_way_efficiency(const Battery &battery) {
  return std::sqrt(battery.settings.round_trip_efficiency);
}

int64_t local_day(int64_t utc_ms, int32_t utc_offset_min) {
  const int64_t local_ms = utc_ms + int64_t{utc_offset_min} * 60'000;
  return local_ms >= 0 ? local_ms / 86'400'000 : (local_ms - 86'399'999) / 86'400'000;
}

Ramp ramp_from(double from, double to, int64_t now_ms, double ramp_s) {
  return {from, to, now_ms, now_ms + static_cast<int64_t>(std::max(0.0, ramp_s) * 1000.0)};
}

}  // namespace

PowerProfile make_pv_profile(const Scenario &scenario) {
  if (scenario.profiles.pv_csv.empty())
    return PowerProfile::clear_sky_pv(kClearSkyPeakWPerKwp, scenario.time.utc_offset_min);
  // pv_share_of_year sums to 1 over the year: x annual yield per kWp gives Wh per kWp.
  return PowerProfile::from_csv(scenario.profiles.pv_csv, "pv_share_of_year",
                                scenario.profiles.pv_yield_kwh_per_kwp * 1000.0);
}

PowerProfile make_load_profile(const Scenario &scenario) {
  if (scenario.profiles.load_csv.empty())
    return PowerProfile::household_day(scenario.profiles.load_annual_kwh,
                                       scenario.time.utc_offset_min);
  // The H25 column is kWh per interval for 1000 kWh/a.
  return PowerProfile::from_csv(scenario.profiles.load_csv, "load_kwh_per_15min_for_1000_kwh_a",
                                scenario.profiles.load_annual_kwh);
}

double Ramp::at(int64_t now_ms) const {
  if (now_ms >= end_ms) return to;
  if (now_ms <= start_ms) return from;
  const double progress =
      static_cast<double>(now_ms - start_ms) / static_cast<double>(end_ms - start_ms);
  return from + (to - from) * progress;
}

double Inverter::derating_cap_w(int64_t now_ms) const {
  if (!operating(now_ms)) return 0.0;
  const double pmax_w = settings.rated_w;
  double cap_w = std::min({pmax_w, controls.derating_w, controls.derating_pct / 100.0 * pmax_w});
  if (state.comm_loss_active)
    cap_w = std::min(cap_w, settings.comm_loss.derate_pct / 100.0 * pmax_w);
  return std::max(0.0, cap_w);
}

House::House(const Scenario &scenario, PowerProfile pv_per_kwp, PowerProfile load)
    : pv_per_kwp_(std::move(pv_per_kwp)),
      load_(std::move(load)),
      now_ms_(scenario.time.start_utc_s * 1000),
      step_ms_(scenario.time.step_ms),
      utc_offset_min_(scenario.time.utc_offset_min),
      nominal_voltage_v_(scenario.meter.nominal_voltage_v),
      frequency_hz_(scenario.meter.grid_frequency_hz) {
  for (const auto &settings : scenario.inverters) {
    Inverter inverter;
    inverter.settings = settings;
    if (settings.battery) {
      inverter.battery = Battery{*settings.battery, {}, {}};
      inverter.battery->state.soc_wh =
          settings.battery->initial_soc_pct / 100.0 * settings.battery->capacity_wh;
    }
    inverter.has_meter = scenario.meter.present &&
                         scenario.meter.wiring == MeterWiring::kBehindInverter &&
                         scenario.meter.inverter == settings.name;
    inverter.state.last_master_frame_ms = now_ms_;
    reset_controls(inverter);
    inverters_.push_back(std::move(inverter));
  }
  // Start in the steady state of the first step, not from zero output.
  update_powers(true);
  update_meter();
}

Inverter *House::find_inverter(const std::string &name) {
  for (auto &inverter : inverters_)
    if (inverter.settings.name == name) return &inverter;
  return nullptr;
}

void House::set_load_override_w(std::optional<double> load_w, double ramp_s) {
  if (!load_w) {
    load_override_w_.reset();
    return;
  }
  load_override_w_ = ramp_from(load_w_, *load_w, now_ms_, ramp_s);
}

std::optional<double> House::load_override_w() const {
  if (!load_override_w_) return std::nullopt;
  return load_override_w_->to;
}

void House::set_pv_override_w(Inverter &inverter, std::optional<double> pv_w, double ramp_s) {
  if (!pv_w) {
    inverter.state.pv_override_w.reset();
    return;
  }
  inverter.state.pv_override_w = ramp_from(inverter.state.pv_available_w, *pv_w, now_ms_, ramp_s);
}

void House::reset_controls(Inverter &inverter) {
  inverter.controls = InverterControls{};
  inverter.controls.derating_w = inverter.settings.rated_w;
  if (inverter.battery) {
    auto &battery = *inverter.battery;
    battery.controls = BatteryControls{};
    battery.controls.max_charge_w = battery.settings.max_charge_w;
    battery.controls.max_discharge_w = battery.settings.max_discharge_w;
    battery.controls.discharge_cutoff_soc_pct = battery.settings.min_soc_pct;
  }
}

void House::reboot(Inverter &inverter, double seconds) {
  reset_controls(inverter);
  inverter.state.reboot_until_ms = now_ms_ + static_cast<int64_t>(seconds * 1000.0);
  inverter.state.ac_power_w = 0.0;
  inverter.state.pv_used_w = 0.0;
  if (inverter.battery) inverter.battery->state.power_w = 0.0;
  // A restarted device starts its comm-loss timer afresh.
  inverter.state.last_master_frame_ms = inverter.state.reboot_until_ms;
  inverter.state.comm_loss_active = false;
}

void House::start_forcible(Battery &battery) {
  battery.state.forcible_end_ms =
      now_ms_ + static_cast<int64_t>(battery.controls.forcible_duration_min * 60'000.0);
}

double House::battery_charge_limit_w(const Battery &battery, bool forcible) const {
  double cutoff_pct = battery.controls.charge_cutoff_soc_pct;
  if (forcible && battery.controls.forcible_by_target_soc)
    cutoff_pct = std::min(cutoff_pct, battery.controls.forcible_target_soc_pct);
  const double room_wh = cutoff_pct / 100.0 * battery.settings.capacity_wh - battery.state.soc_wh;
  if (room_wh <= 0) return 0.0;
  const double dt_h = static_cast<double>(step_ms_) / 3.6e6;
  return std::min({battery.settings.max_charge_w, battery.controls.max_charge_w,
                   room_wh / (dt_h * one_way_efficiency(battery))});
}

double House::battery_discharge_limit_w(const Battery &battery) const {
  double cutoff_pct = battery.controls.discharge_cutoff_soc_pct;
  if (battery.controls.forcible == ForcibleCommand::kDischarge &&
      battery.controls.forcible_by_target_soc)
    cutoff_pct = std::max(cutoff_pct, battery.controls.forcible_target_soc_pct);
  const double stored_wh = battery.state.soc_wh - cutoff_pct / 100.0 * battery.settings.capacity_wh;
  if (stored_wh <= 0) return 0.0;
  const double dt_h = static_cast<double>(step_ms_) / 3.6e6;
  return std::min({battery.settings.max_discharge_w, battery.controls.max_discharge_w,
                   stored_wh * one_way_efficiency(battery) / dt_h});
}

// Forcible commands first; then the self-consumption batteries share the remaining grid flow in
// proportion to their power ratings (they charge from surplus only, never from the grid).
// "Fully fed to grid" keeps the battery idle; the other modes behave as self-consumption
// (simplification, sim/README.md).
void House::compute_battery_targets() {
  auto &target_w = battery_target_w_;
  target_w.assign(inverters_.size(), 0.0);
  self_consumption_.clear();
  double base_ac_w = 0.0;
  for (size_t i = 0; i < inverters_.size(); ++i) {
    const auto &inv = inverters_[i];
    if (!inv.operating(now_ms_)) continue;
    if (inv.battery) {
      const auto &battery = *inv.battery;
      if (battery.controls.forcible == ForcibleCommand::kCharge) {
        target_w[i] =
            std::min(battery.controls.forcible_charge_w, battery_charge_limit_w(battery, true));
      } else if (battery.controls.forcible == ForcibleCommand::kDischarge) {
        target_w[i] =
            -std::min(battery.controls.forcible_discharge_w, battery_discharge_limit_w(battery));
      } else if (battery.controls.mode != StorageMode::kFullyFedToGrid) {
        self_consumption_.push_back(i);
      }
    }
    base_ac_w +=
        std::min(inv.state.pv_available_w, cap_w_[i] + std::max(0.0, target_w[i])) - target_w[i];
  }
  if (self_consumption_.empty()) return;
  const double residual_w = load_w_ - base_ac_w;  // + the house would import
  double rating_sum_w = 0.0;
  for (size_t i : self_consumption_) {
    const auto &s = inverters_[i].battery->settings;
    rating_sum_w += residual_w < 0 ? s.max_charge_w : s.max_discharge_w;
  }
  for (size_t i : self_consumption_) {
    const auto &inv = inverters_[i];
    const auto &battery = *inv.battery;
    if (residual_w < 0) {
      // PV this inverter must clip at its cap can still go into its own battery.
      const double clipped_w = std::max(0.0, inv.state.pv_available_w - cap_w_[i]);
      const double share_w = -residual_w * battery.settings.max_charge_w / rating_sum_w;
      target_w[i] = std::min(share_w + clipped_w, battery_charge_limit_w(battery, false));
    } else {
      const double share_w = residual_w * battery.settings.max_discharge_w / rating_sum_w;
      target_w[i] = -std::min(share_w, battery_discharge_limit_w(battery));
    }
  }
}

// protocols.md §1, 47415-47418: with its own meter, the inverter keeps the feed-in at the grid
// point under the limit by curtailing its own output.
void House::apply_grid_point_limit(std::vector<double> &ac_target_w) const {
  double ac_sum_w = 0.0;
  for (double w : ac_target_w) ac_sum_w += w;
  const double export_w = ac_sum_w - load_w_;
  for (size_t i = 0; i < inverters_.size(); ++i) {
    const auto &inv = inverters_[i];
    if (!inv.has_meter) continue;
    double limit_w;
    switch (inv.controls.grid_mode) {
      case GridPointMode::kZeroExport:
        limit_w = 0.0;
        break;
      case GridPointMode::kLimitedW:
        limit_w = inv.controls.grid_limit_w;
        break;
      case GridPointMode::kLimitedPct:
        limit_w = inv.controls.grid_limit_pct / 100.0 * inv.settings.rated_w;
        break;
      default:
        continue;
    }
    const double excess_w = export_w - limit_w;
    const double battery_w = inv.battery ? inv.battery->state.power_w : 0.0;
    if (excess_w > 0)
      ac_target_w[i] = std::max(-std::max(0.0, battery_w), ac_target_w[i] - excess_w);
  }
}

void House::settle_inverter(Inverter &inv, double battery_target_w, bool instant) {
  const double dt_s = static_cast<double>(step_ms_) / 1000.0;
  const double alpha = instant ? 1.0 : 1.0 - std::exp(-dt_s / inv.settings.response_time_s);
  auto &st = inv.state;
  st.ac_power_w += (st.ac_target_w - st.ac_power_w) * alpha;
  const double pv_w = inv.operating(now_ms_) ? st.pv_available_w : 0.0;
  double battery_w = battery_target_w;
  st.pv_used_w = std::clamp(st.ac_power_w + battery_w, 0.0, pv_w);
  if (inv.battery) {
    const auto &battery = *inv.battery;
    battery_w = std::clamp(st.pv_used_w - st.ac_power_w, -battery_discharge_limit_w(battery),
                           battery_charge_limit_w(battery, true));
  } else {
    battery_w = 0.0;
  }
  // Whatever PV and battery can deliver is the output: the balance closes by construction.
  st.ac_power_w = st.pv_used_w - battery_w;
  if (inv.battery) inv.battery->state.power_w = battery_w;
}

void House::step() {
  const int64_t previous_ms = now_ms_;
  update_powers(false);
  now_ms_ += step_ms_;
  integrate(static_cast<double>(step_ms_) / 1000.0);
  update_meter();
  for (auto &inv : inverters_)
    if (inv.battery) end_forcible_when_done(*inv.battery);
  roll_day_if_needed(previous_ms);
}

void House::update_powers(bool instant) {
  load_w_ = load_override_w_ ? load_override_w_->at(now_ms_) : load_.power_w(now_ms_);
  cap_w_.clear();
  for (auto &inv : inverters_) {
    const auto &pv_override = inv.state.pv_override_w;
    inv.state.pv_available_w =
        std::max(0.0, pv_override ? pv_override->at(now_ms_)
                                  : pv_per_kwp_.power_w(now_ms_) * inv.settings.pv_kwp *
                                        irradiance_factor_ * inv.state.irradiance_factor);
    const double timeout_s = inv.settings.comm_loss.timeout_s;
    inv.state.comm_loss_active =
        timeout_s > 0 && !inv.rebooting(now_ms_) &&
        now_ms_ - inv.state.last_master_frame_ms > static_cast<int64_t>(timeout_s * 1000.0);
    cap_w_.push_back(inv.derating_cap_w(now_ms_));
  }
  compute_battery_targets();
  ac_target_w_.clear();
  for (size_t i = 0; i < inverters_.size(); ++i) {
    const auto &inv = inverters_[i];
    const double pv_w = inv.operating(now_ms_) ? inv.state.pv_available_w : 0.0;
    const double charge_w = std::max(0.0, battery_target_w_[i]);
    const double pv_target_w = std::min(pv_w, cap_w_[i] + charge_w);
    ac_target_w_.push_back(std::min(cap_w_[i], pv_target_w - battery_target_w_[i]));
  }
  apply_grid_point_limit(ac_target_w_);
  double ac_sum_w = 0.0;
  for (size_t i = 0; i < inverters_.size(); ++i) {
    inverters_[i].state.ac_target_w = ac_target_w_[i];
    settle_inverter(inverters_[i], battery_target_w_[i], instant);
    ac_sum_w += inverters_[i].state.ac_power_w;
  }
  grid_w_ = load_w_ - ac_sum_w;
}

void House::advance(int64_t duration_ms) {
  const int64_t steps = (duration_ms + step_ms_ - 1) / step_ms_;
  for (int64_t i = 0; i < steps; ++i) step();
}

void House::integrate(double dt_s) {
  const double dt_h = dt_s / 3600.0;
  for (auto &inv : inverters_) {
    auto &st = inv.state;
    const double pv_wh = st.pv_used_w * dt_h;
    st.daily_yield_wh += pv_wh;
    st.total_yield_wh += pv_wh;
    st.peak_ac_today_w = std::max(st.peak_ac_today_w, st.ac_power_w);
    energy_.pv_wh += pv_wh;
    energy_.ac_wh += st.ac_power_w * dt_h;
    if (!inv.battery) continue;
    auto &battery = *inv.battery;
    const double eta = one_way_efficiency(battery);
    const double battery_wh = battery.state.power_w * dt_h;
    if (battery_wh >= 0) {
      battery.state.soc_wh += battery_wh * eta;
      battery.state.charged_total_wh += battery_wh;
      battery.state.charged_today_wh += battery_wh;
      energy_.battery_charge_wh += battery_wh;
    } else {
      battery.state.soc_wh += battery_wh / eta;
      battery.state.discharged_total_wh -= battery_wh;
      battery.state.discharged_today_wh -= battery_wh;
      energy_.battery_discharge_wh -= battery_wh;
    }
  }
  energy_.load_wh += load_w_ * dt_h;
  if (grid_w_ >= 0) {
    energy_.import_wh += grid_w_ * dt_h;
  } else {
    energy_.export_wh -= grid_w_ * dt_h;
  }
}

void House::update_meter() {
  meter_.power_w = grid_w_;
  meter_.frequency_hz = frequency_hz_;
  meter_.import_wh = energy_.import_wh;
  meter_.export_wh = energy_.export_wh;
  for (auto &phase : meter_.phase) {
    phase.power_w = grid_w_ / 3.0;
    phase.voltage_v = nominal_voltage_v_ - kVoltageDropVPerW * phase.power_w;
    phase.current_a = std::abs(phase.power_w) / phase.voltage_v;
  }
}

void House::end_forcible_when_done(Battery &battery) {
  auto &c = battery.controls;
  if (c.forcible == ForcibleCommand::kStop) return;
  bool done;
  if (c.forcible_by_target_soc) {
    done = c.forcible == ForcibleCommand::kCharge
               ? battery.soc_pct() >= c.forcible_target_soc_pct - kSocEpsilonPct
               : battery.soc_pct() <= c.forcible_target_soc_pct + kSocEpsilonPct;
  } else {
    done = now_ms_ >= battery.state.forcible_end_ms;
  }
  if (done) c.forcible = ForcibleCommand::kStop;
}

void House::roll_day_if_needed(int64_t previous_ms) {
  if (local_day(previous_ms, utc_offset_min_) == local_day(now_ms_, utc_offset_min_)) return;
  for (auto &inv : inverters_) {
    inv.state.daily_yield_wh = 0;
    inv.state.peak_ac_today_w = 0;
    if (inv.battery)
      inv.battery->state.charged_today_wh = inv.battery->state.discharged_today_wh = 0;
  }
}

}  // namespace hearth::sim
