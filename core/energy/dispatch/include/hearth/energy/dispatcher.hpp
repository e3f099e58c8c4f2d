#pragma once
// The dispatch layer (architecture.md, "The energy manager", layer 2; README.md next to this
// header): each control cycle, SiteSnapshot → DispatchPlan. Pure logic: time comes only from the
// snapshot (mono_ns for minimum on/off times and energy, wall_ms for TOU and deadlines), so tests
// drive it with hand-made snapshots. Not thread-safe: one caller (the manager's cycle).
#include <map>
#include <string>
#include <vector>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/site_snapshot.hpp"
#include "hearth/energy/time_zone.hpp"

namespace hearth::energy {

class Dispatcher {
 public:
  explicit Dispatcher(DispatchSettings settings);

  DispatchPlan step(const SiteSnapshot &snapshot);

  // Takes effect at the next step. Loads keep their on/off state and timers; reservations keep
  // the energy delivered when their load and deadline are unchanged.
  void update_settings(DispatchSettings settings);
  const DispatchSettings &settings() const { return settings_; }

 private:
  struct Flows;
  void load_time_zone();
  Flows flows_of(const SiteSnapshot &snapshot) const;
  void plan_batteries(const SiteSnapshot &snapshot, const Flows &flows, DispatchPlan &plan);

  DispatchSettings settings_;
  TimeZone time_zone_;
  std::string time_zone_error_;
};

}  // namespace hearth::energy
