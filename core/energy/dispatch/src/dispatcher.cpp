#include "hearth/energy/dispatcher.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "hearth/energy/battery_allocation.hpp"

namespace hearth::energy {

// What the site would draw from the grid (+) or export (−) with the batteries idle.
struct Dispatcher::Flows {
  double surplus_w = 0;  // − (grid − battery)
};

Dispatcher::Dispatcher(DispatchSettings settings) : settings_(std::move(settings)) {
  load_time_zone();
}

void Dispatcher::update_settings(DispatchSettings settings) {
  const bool zone_changed = settings.time_zone != settings_.time_zone;
  settings_ = std::move(settings);
  if (zone_changed) load_time_zone();
}

void Dispatcher::load_time_zone() {
  time_zone_error_.clear();
  try {
    time_zone_ = TimeZone::load(settings_.time_zone);
  } catch (const std::runtime_error &error) {
    time_zone_ = TimeZone::utc();
    time_zone_error_ = std::string(error.what()) + "; using UTC";
  }
}

Dispatcher::Flows Dispatcher::flows_of(const SiteSnapshot &snapshot) const {
  double battery_w = 0;
  for (const auto &battery : snapshot.batteries) {
    if (battery.online) battery_w += battery.power_w;
  }
  return Flows{-(snapshot.grid_power_w - battery_w)};
}

void Dispatcher::plan_batteries(const SiteSnapshot &snapshot, const Flows &flows,
                                DispatchPlan &plan) {
  std::vector<const BatteryState *> batteries;
  std::vector<double> limits_w;
  const bool charge = flows.surplus_w >= 0;
  for (const auto &battery : snapshot.batteries) {
    if (!battery.online) continue;
    batteries.push_back(&battery);
    const bool room = charge ? battery.soc_pct < settings_.soc_max_pct
                             : battery.soc_pct > settings_.soc_min_pct;
    limits_w.push_back(room ? (charge ? battery.max_charge_w : battery.max_discharge_w) : 0);
  }
  const auto shares_w =
      share_power(std::abs(flows.surplus_w), limits_w, settings_.battery_sharing);
  for (size_t i = 0; i < batteries.size(); ++i) {
    plan.batteries.push_back({batteries[i]->id, charge ? shares_w[i] : -shares_w[i]});
  }
}

DispatchPlan Dispatcher::step(const SiteSnapshot &snapshot) {
  DispatchPlan plan;
  plan.mode_in_effect = "self-consumption";
  if (!time_zone_error_.empty()) plan.reasons.push_back(time_zone_error_);
  plan_batteries(snapshot, flows_of(snapshot), plan);
  return plan;
}

}  // namespace hearth::energy
