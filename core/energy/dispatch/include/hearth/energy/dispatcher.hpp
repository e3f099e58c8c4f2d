#pragma once
// The dispatch layer (architecture.md, "The energy manager", layer 2; README.md next to this
// header): each control cycle, SiteSnapshot → DispatchPlan. Pure logic: time comes only from the
// snapshot (mono_ns for minimum on/off times and energy, wall_ms for TOU and deadlines), so tests
// drive it with hand-made snapshots. Not thread-safe: one caller (the manager's cycle).
#include <map>
#include <string>
#include <vector>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/pv_estimate.hpp"
#include "hearth/energy/reservations.hpp"
#include "hearth/energy/site_snapshot.hpp"
#include "hearth/energy/surplus_loads.hpp"
#include "hearth/energy/time_zone.hpp"

namespace hearth::energy {

class Dispatcher {
 public:
  explicit Dispatcher(DispatchSettings settings);

  DispatchPlan step(const SiteSnapshot &snapshot);

  // Takes effect at the next step. Loads keep their state and timers; reservations keep the
  // energy delivered when their load and deadline are unchanged.
  void update_settings(DispatchSettings settings);
  const DispatchSettings &settings() const { return settings_; }

  // For status pages: each reservation's next deadline, energy still needed, latest grid start.
  std::vector<ReservationStatus> reservation_status() const { return reservations_.status(); }
  // The last step's curtailed-PV estimate.
  const PvEstimate &pv_estimate() const { return pv_estimate_; }

 private:
  struct Intent;
  struct Step;
  struct Consumer;
  struct BatteryRequest;

  void load_time_zone();
  Intent battery_intent(const SiteSnapshot &snapshot, DispatchPlan &plan) const;
  bool is_controlled(const std::string &load_id) const;
  std::vector<Consumer> consumer_order(const SiteSnapshot &snapshot) const;
  SurplusLoadController &controller(const std::string &load_id);
  void run_reserved_loads(Step &step);
  BatteryRequest battery_request(Step &step) const;
  void plan_battery_group(Step &step, const std::vector<size_t> &members);
  void follow_surplus(Step &step, const LoadState &load);
  void plan_without_meter(Step &step);

  DispatchSettings settings_;
  TimeZone time_zone_;
  std::string time_zone_error_;
  std::map<std::string, SurplusLoadController> loads_;
  ReservationTracker reservations_;
  PvEstimate pv_estimate_;
};

}  // namespace hearth::energy
