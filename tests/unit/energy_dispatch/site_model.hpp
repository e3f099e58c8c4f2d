// A small site for the dispatch tests: PV, a house load, batteries and flexible loads whose
// grid power follows from the plan the dispatcher returns, moved by a ManualClock (no sleeps).
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "hearth/core/clock.hpp"
#include "hearth/energy/dispatcher.hpp"

namespace hearth::energy::testing {

inline InverterState make_inverter(std::string id, double ac_power_w, double rated_w,
                                   std::optional<double> limit_w = std::nullopt) {
  InverterState inverter;
  inverter.id = std::move(id);
  inverter.online = true;
  inverter.ac_power_w = ac_power_w;
  inverter.rated_w = rated_w;
  inverter.limit_w = limit_w;
  return inverter;
}

// 2026-03-28 12:00:00 UTC, a Saturday; Europe/Berlin springs forward the next night.
constexpr int64_t kSaturdayNoonUtcMs = 1'774'699'200'000;

class SiteModel {
 public:
  explicit SiteModel(int64_t wall_ms = kSaturdayNoonUtcMs) : clock_(1'000'000'000, wall_ms) {}

  double pv_w = 0;
  double house_w = 0;
  std::vector<BatteryState> batteries;
  std::vector<LoadState> loads;
  std::optional<double> feed_in_limit_w;
  std::optional<double> import_limit_w;
  bool clock_synchronised = true;
  bool meter_fresh = true;

  BatteryState &add_battery(std::string id, double soc_pct, double max_w,
                            double capacity_wh = 10'000) {
    BatteryState battery;
    battery.id = std::move(id);
    battery.online = true;
    battery.soc_pct = soc_pct;
    battery.capacity_wh = capacity_wh;
    battery.max_charge_w = max_w;
    battery.max_discharge_w = max_w;
    batteries.push_back(battery);
    return batteries.back();
  }

  LoadState &add_load(std::string id, LoadKind kind, double nominal_w = 0) {
    LoadState load;
    load.id = std::move(id);
    load.kind = kind;
    load.online = true;
    load.nominal_w = nominal_w;
    loads.push_back(load);
    return loads.back();
  }

  LoadState &load(const std::string &id) {
    return *std::find_if(loads.begin(), loads.end(), [&](auto &l) { return l.id == id; });
  }
  BatteryState &battery(const std::string &id) {
    return *std::find_if(batteries.begin(), batteries.end(), [&](auto &b) { return b.id == id; });
  }

  double grid_power_w() const {
    double grid_w = house_w - pv_w;
    for (const auto &battery : batteries) grid_w += battery.power_w;
    for (const auto &load : loads) grid_w += load.power_w;
    return grid_w;
  }

  SiteSnapshot snapshot() const {
    SiteSnapshot snapshot;
    snapshot.mono_ns = clock_.mono_ns();
    snapshot.wall_ms = clock_.wall_ms();
    snapshot.clock_synchronised = clock_synchronised;
    snapshot.meter_fresh = meter_fresh;
    snapshot.grid_power_w = grid_power_w();
    snapshot.inverters.push_back(make_inverter("inverter-1", pv_w, 10'000));
    snapshot.batteries = batteries;
    snapshot.loads = loads;
    snapshot.feed_in_limit_w = feed_in_limit_w;
    snapshot.import_limit_w = import_limit_w;
    snapshot.pv_available_w = pv_w;
    return snapshot;
  }

  // The devices do what the plan says at once (the loads draw what they are allowed).
  void apply(const DispatchPlan &plan, double grid_voltage_v = 230) {
    for (const auto &target : plan.batteries) battery(target.id).power_w = target.power_w;
    for (const auto &target : plan.loads) {
      LoadState &state = load(target.id);
      state.on = target.on;
      state.sg_state = target.sg_state;
      state.current_a = target.current_a;
      switch (state.kind) {
        case LoadKind::kEvCharger:
          state.power_w = target.current_a * grid_voltage_v * state.phases;
          break;
        case LoadKind::kPowerLimitable:
          state.power_w = target.on ? target.consumption_limit_w.value_or(state.nominal_w) : 0;
          break;
        default:
          state.power_w = target.on ? state.nominal_w : 0;
      }
    }
  }

  // One control cycle: snapshot, step, apply, then the clock moves on (and, when asked, the
  // batteries' SOC follows their power over the step).
  DispatchPlan cycle(Dispatcher &dispatcher, int64_t step_ms = 1000) {
    DispatchPlan plan = dispatcher.step(snapshot());
    apply(plan);
    clock_.advance_ms(step_ms);
    if (integrate_soc) {
      for (auto &battery : batteries) {
        battery.soc_pct +=
            battery.power_w * static_cast<double>(step_ms) / 3.6e6 / battery.capacity_wh * 100;
      }
    }
    return plan;
  }

  bool integrate_soc = false;

  ManualClock &clock() { return clock_; }

 private:
  ManualClock clock_;
};

inline const BatteryTarget *find_battery(const DispatchPlan &plan, const std::string &id) {
  for (const auto &target : plan.batteries) {
    if (target.id == id) return &target;
  }
  return nullptr;
}

inline const LoadTarget *find_load(const DispatchPlan &plan, const std::string &id) {
  for (const auto &target : plan.loads) {
    if (target.id == id) return &target;
  }
  return nullptr;
}

inline DispatchSettings settings_in(const std::string &time_zone,
                                    DispatchMode mode = DispatchMode::kSelfConsumption) {
  DispatchSettings settings;
  settings.time_zone = time_zone;
  settings.mode = mode;
  return settings;
}

}  // namespace hearth::energy::testing
