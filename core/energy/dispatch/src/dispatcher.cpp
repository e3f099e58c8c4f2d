#include "hearth/energy/dispatcher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

#include "hearth/energy/battery_allocation.hpp"
#include "hearth/energy/tou_schedule.hpp"

namespace hearth::energy {
namespace {

constexpr double kUnlimited = std::numeric_limits<double>::infinity();

// What a load is counted as drawing now: its measured power, except a relay that is on and
// reports no power (an unmetered switch), which draws its nominal power.
double drawn_w(const LoadState &load) {
  if (load.kind == LoadKind::kSwitchable && load.on && load.power_w <= 0) return load.nominal_w;
  return load.power_w;
}

int kind_rank(LoadKind kind) {
  switch (kind) {
    case LoadKind::kEvCharger:
      return 0;
    case LoadKind::kSgReady:
      return 1;
    case LoadKind::kSwitchable:
      return 2;
    case LoadKind::kPowerLimitable:
      return 3;
  }
  return 4;
}

std::string watts(double power_w) {
  return std::to_string(std::lround(power_w)) + " W";
}

}  // namespace

// What the batteries are to do this cycle.
struct Dispatcher::Intent {
  enum class Kind { kSelfConsumption, kCharge, kDischarge } kind = Kind::kSelfConsumption;
  const TouWindow *window = nullptr;
};

// A place in the surplus order: a battery group (several batteries shared in proportion, or one
// battery) or one load.
struct Dispatcher::Consumer {
  std::vector<size_t> batteries;
  const LoadState *load = nullptr;
};

// One cycle's working state.
struct Dispatcher::Step {
  Step(const SiteSnapshot &snapshot_in, DispatchPlan &plan_in, Intent intent_in)
      : snapshot(snapshot_in), plan(plan_in), intent(intent_in) {}

  const SiteSnapshot &snapshot;
  DispatchPlan &plan;
  Intent intent;
  double available_w = 0;    // surplus not yet given to anyone (may be < 0: importing)
  double pv_extra_w = 0;     // curtailed PV counted in available_w
  double deficit_w = 0;      // the site's import with batteries and flexible loads idle, ≥ 0
  double grid_charge_w = 0;  // TOU: grid charging still allowed this cycle
  std::optional<double> forced_discharge_w;  // TOU discharge with power_w: still to place
  std::set<std::string> reserved;            // loads a reservation runs now
  bool import_limit_said = false;
};

// What the batteries at one place in the order are asked for, and their SOC bounds now.
struct Dispatcher::BatteryRequest {
  bool charging = true;
  double power_w = 0;  // ≥ 0, charge or discharge
  double soc_min_pct = 0;
  double soc_max_pct = 100;
};

Dispatcher::Dispatcher(DispatchSettings settings) : settings_(std::move(settings)) {
  load_time_zone();
  reservations_.configure(settings_.reservations);
}

void Dispatcher::update_settings(DispatchSettings settings) {
  const bool zone_changed = settings.time_zone != settings_.time_zone;
  settings_ = std::move(settings);
  if (zone_changed) {
    load_time_zone();
    reservations_.configure({});  // deadlines computed in the old zone start again
  }
  reservations_.configure(settings_.reservations);
  for (auto it = loads_.begin(); it != loads_.end();) {
    if (!is_controlled(it->first)) {
      it = loads_.erase(it);
      continue;
    }
    SurplusLoadSettings load_settings;
    load_settings.id = it->first;
    for (const auto &configured : settings_.loads) {
      if (configured.id == it->first) load_settings = configured;
    }
    it->second.update_settings(load_settings);
    ++it;
  }
}

void Dispatcher::load_time_zone() {
  time_zone_error_.clear();
  try {
    time_zone_ = TimeZone::load(settings_.time_zone);
  } catch (const std::runtime_error &error) {
    time_zone_ = TimeZone::utc();
    time_zone_error_ = std::string(error.what()) + "; TOU and deadlines use UTC";
  }
}

bool Dispatcher::is_controlled(const std::string &load_id) const {
  const auto &priority = settings_.surplus_priority;
  if (std::find(priority.begin(), priority.end(), load_id) != priority.end()) return true;
  for (const auto &load : settings_.loads) {
    if (load.id == load_id) return true;
  }
  for (const auto &reservation : settings_.reservations) {
    if (reservation.load == load_id) return true;
  }
  return false;
}

SurplusLoadController &Dispatcher::controller(const std::string &load_id) {
  auto it = loads_.find(load_id);
  if (it != loads_.end()) return it->second;
  SurplusLoadSettings load_settings;
  load_settings.id = load_id;
  for (const auto &configured : settings_.loads) {
    if (configured.id == load_id) load_settings = configured;
  }
  return loads_.emplace(load_id, SurplusLoadController(load_settings)).first->second;
}

Dispatcher::Intent Dispatcher::battery_intent(const SiteSnapshot &snapshot,
                                              DispatchPlan &plan) const {
  Intent intent;
  plan.mode_in_effect = "self-consumption";
  if (settings_.mode == DispatchMode::kCostOptimal) {
    plan.reasons.push_back("cost-optimal: no planner yet, self-consumption");
    return intent;
  }
  if (settings_.mode != DispatchMode::kTou) return intent;
  if (!snapshot.clock_synchronised) {
    plan.mode_in_effect = "tou:held (clock unsynchronised)";
    plan.reasons.push_back("clock not synchronised: TOU held in self-consumption");
    return intent;
  }
  const LocalTime now = time_zone_.to_local(snapshot.wall_ms / 1000);
  intent.window = active_tou_window(settings_.tou, now);
  if (intent.window == nullptr) {
    plan.mode_in_effect = "tou:self-consumption";
    return intent;
  }
  if (intent.window->action == TouAction::kCharge) {
    intent.kind = Intent::Kind::kCharge;
    plan.mode_in_effect = intent.window->grid_charge ? "tou:charge (grid)" : "tou:charge";
  } else {
    intent.kind = Intent::Kind::kDischarge;
    plan.mode_in_effect = "tou:discharge";
  }
  return intent;
}

std::vector<Dispatcher::Consumer> Dispatcher::consumer_order(const SiteSnapshot &snapshot) const {
  std::vector<Consumer> order;
  std::vector<bool> battery_placed(snapshot.batteries.size(), false);
  std::vector<bool> load_placed(snapshot.loads.size(), false);
  const bool proportional = settings_.battery_sharing == BatterySharing::kProportional;
  const auto place_battery = [&](size_t index) {
    if (battery_placed[index] || !snapshot.batteries[index].online) return;
    Consumer group;
    for (size_t i = 0; i < snapshot.batteries.size(); ++i) {
      if ((proportional || i == index) && !battery_placed[i] && snapshot.batteries[i].online) {
        group.batteries.push_back(i);
        battery_placed[i] = true;
      }
    }
    order.push_back(std::move(group));
  };
  const auto place_load = [&](size_t index) {
    if (load_placed[index]) return;
    load_placed[index] = true;
    order.push_back(Consumer{{}, &snapshot.loads[index]});
  };
  for (const auto &name : settings_.surplus_priority) {
    const bool battery = name.size() > kBatterySuffix.size() && name.ends_with(kBatterySuffix);
    const std::string id = battery ? name.substr(0, name.size() - kBatterySuffix.size()) : name;
    if (battery) {
      for (size_t i = 0; i < snapshot.batteries.size(); ++i) {
        if (snapshot.batteries[i].id == id) place_battery(i);
      }
    } else {
      for (size_t i = 0; i < snapshot.loads.size(); ++i) {
        if (snapshot.loads[i].id == id) place_load(i);
      }
    }
  }
  // The rest in the default order: batteries, chargers, SG Ready, switches, power-limitable.
  for (size_t i = 0; i < snapshot.batteries.size(); ++i) place_battery(i);
  std::vector<size_t> rest;
  for (size_t i = 0; i < snapshot.loads.size(); ++i) {
    if (!load_placed[i] && is_controlled(snapshot.loads[i].id)) rest.push_back(i);
  }
  std::stable_sort(rest.begin(), rest.end(), [&](size_t a, size_t b) {
    return kind_rank(snapshot.loads[a].kind) < kind_rank(snapshot.loads[b].kind);
  });
  for (size_t i : rest) place_load(i);
  return order;
}

void Dispatcher::run_reserved_loads(Step &step) {
  for (const auto &[load_id, reason] : reservations_.running()) {
    for (const auto &load : step.snapshot.loads) {
      if (load.id != load_id || !load.online) continue;
      LoadDecision decision = controller(load.id).run_for_reservation(
          load, step.available_w, step.snapshot.import_limit_w, step.snapshot.mono_ns,
          settings_.grid_voltage_v);
      step.available_w -= decision.planned_w;
      step.plan.loads.push_back(decision.target);
      step.plan.reasons.push_back(decision.reason.empty() ? reason : decision.reason);
      step.reserved.insert(load.id);
    }
  }
}

void Dispatcher::follow_surplus(Step &step, const LoadState &load) {
  if (!load.online || step.reserved.contains(load.id)) return;
  LoadDecision decision = controller(load.id).follow_surplus(
      load, step.available_w, step.snapshot.mono_ns, settings_.grid_voltage_v);
  step.available_w -= decision.planned_w;
  step.plan.loads.push_back(decision.target);
  if (!decision.reason.empty()) step.plan.reasons.push_back(std::move(decision.reason));
}

Dispatcher::BatteryRequest Dispatcher::battery_request(Step &step) const {
  const TouWindow *window = step.intent.window;
  const auto kind = step.intent.kind;
  BatteryRequest request;
  request.soc_max_pct = settings_.soc_max_pct;
  request.soc_min_pct = settings_.soc_min_pct;
  if (kind == Intent::Kind::kCharge) {
    request.soc_max_pct = std::min(request.soc_max_pct, window->target_soc_pct);
  }
  if (kind == Intent::Kind::kDischarge && window->min_soc_pct) {
    request.soc_min_pct = *window->min_soc_pct;
  }
  const bool forced_discharge = kind == Intent::Kind::kDischarge && window->power_w;
  if (forced_discharge && !step.forced_discharge_w) {
    // A TOU window's forced power, within the export the grid point allows.
    const double import_w = -(step.available_w - step.pv_extra_w);
    const double export_room_w =
        step.snapshot.feed_in_limit_w ? *step.snapshot.feed_in_limit_w + import_w : kUnlimited;
    step.forced_discharge_w = std::min(std::max(*window->power_w, step.deficit_w), export_room_w);
    if (export_room_w < *window->power_w) {
      step.plan.reasons.push_back("TOU discharge held to " + watts(export_room_w) +
                                  " by the feed-in limit");
    }
  }
  // A charge window keeps the battery for later: it never discharges then.
  request.charging =
      kind == Intent::Kind::kCharge || (!step.forced_discharge_w && step.deficit_w <= 0);
  if (!request.charging) {
    request.power_w = step.forced_discharge_w.value_or(step.deficit_w);
    return request;
  }
  // The surplus left at this place; in a grid-charging window also the grid, within the
  // window's power and the import limit.
  request.power_w = forced_discharge ? 0 : std::max(0.0, step.available_w);
  if (kind == Intent::Kind::kCharge && window->grid_charge) {
    const double import_room_w = step.snapshot.import_limit_w
                                     ? *step.snapshot.import_limit_w + step.available_w
                                     : kUnlimited;
    if (import_room_w < step.grid_charge_w && !step.import_limit_said) {
      step.plan.reasons.push_back("TOU grid charging held to " + watts(import_room_w) +
                                  " by the import limit");
      step.import_limit_said = true;
    }
    request.power_w = std::max(request.power_w, std::min(step.grid_charge_w, import_room_w));
  }
  if (kind == Intent::Kind::kCharge && window->power_w) {
    request.power_w = std::min(request.power_w, *window->power_w);
  }
  return request;
}

void Dispatcher::plan_battery_group(Step &step, const std::vector<size_t> &members) {
  const BatteryRequest request = battery_request(step);
  std::vector<double> limits_w;
  for (size_t index : members) {
    const BatteryState &battery = step.snapshot.batteries[index];
    const bool room = request.charging ? battery.soc_pct < request.soc_max_pct
                                       : battery.soc_pct > request.soc_min_pct;
    limits_w.push_back(!room              ? 0
                       : request.charging ? battery.max_charge_w
                                          : battery.max_discharge_w);
  }
  const auto shares_w = share_power(request.power_w, limits_w, settings_.battery_sharing);
  double total_w = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const double power_w = request.charging ? shares_w[i] : -shares_w[i];
    step.plan.batteries.push_back({step.snapshot.batteries[members[i]].id, power_w});
    total_w += power_w;
  }
  // What this group took is not there for the places after it.
  if (request.charging) {
    step.available_w -= total_w;
    step.grid_charge_w = std::max(0.0, step.grid_charge_w - total_w);
  } else if (step.forced_discharge_w) {
    *step.forced_discharge_w += total_w;
  } else {
    step.deficit_w += total_w;
  }
}

void Dispatcher::plan_without_meter(Step &step) {
  step.plan.mode_in_effect = "hold (meter stale)";
  step.plan.reasons.push_back(
      "grid meter stale: batteries idle, surplus loads stop (the limits layer holds the "
      "fail-safe)");
  for (const auto &battery : step.snapshot.batteries) {
    if (battery.online) step.plan.batteries.push_back({battery.id, 0});
  }
  step.available_w = -kUnlimited;
  for (const auto &load : step.snapshot.loads) {
    if (is_controlled(load.id)) follow_surplus(step, load);
  }
}

DispatchPlan Dispatcher::step(const SiteSnapshot &snapshot) {
  DispatchPlan plan;
  if (!time_zone_error_.empty()) plan.reasons.push_back(time_zone_error_);
  Step step{snapshot, plan, battery_intent(snapshot, plan)};
  reservations_.update(snapshot, time_zone_, settings_.grid_voltage_v, snapshot.clock_synchronised);
  if (!snapshot.clock_synchronised && !settings_.reservations.empty()) {
    plan.reasons.push_back("clock not synchronised: reservations start nothing from the grid");
  }
  pv_estimate_ = estimate_pv_available(snapshot, settings_.pv_estimate);
  if (!snapshot.meter_fresh) {
    step.available_w = 0;
    run_reserved_loads(step);
    plan_without_meter(step);
    return plan;
  }
  double battery_w = 0;
  for (const auto &battery : snapshot.batteries) {
    if (battery.online) battery_w += battery.power_w;
  }
  double flexible_w = 0;
  for (const auto &load : snapshot.loads) {
    if (load.online && is_controlled(load.id)) flexible_w += drawn_w(load);
  }
  const double base_surplus_w = -(snapshot.grid_power_w - battery_w - flexible_w);
  step.pv_extra_w = std::max(0.0, pv_estimate_.available_w - pv_estimate_.output_w);
  if (step.pv_extra_w > 0) {
    plan.reasons.push_back("PV capped: " + watts(step.pv_extra_w) + " more estimated available (" +
                           pv_estimate_.method + ")");
  }
  step.available_w = base_surplus_w + step.pv_extra_w;
  step.deficit_w = std::max(0.0, -base_surplus_w);
  if (step.intent.kind == Intent::Kind::kCharge && step.intent.window->grid_charge) {
    step.grid_charge_w = step.intent.window->power_w.value_or(kUnlimited);
  }
  run_reserved_loads(step);
  for (const Consumer &consumer : consumer_order(snapshot)) {
    if (consumer.load != nullptr) {
      follow_surplus(step, *consumer.load);
    } else {
      plan_battery_group(step, consumer.batteries);
    }
  }
  return plan;
}

}  // namespace hearth::energy
