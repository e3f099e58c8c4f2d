#pragma once
// Reservation deadlines (README.md, "Reservations"): "20 kWh into the car by 07:00". The energy
// the load takes before the deadline counts, surplus first; when the rest at the load's full
// power (plus a margin) would no longer fit before the deadline, the load runs from the grid.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/site_snapshot.hpp"
#include "hearth/energy/time_zone.hpp"

namespace hearth::energy {

struct ReservationStatus {
  std::string load;
  int64_t deadline_ms = 0;  // UTC; 0 until the first update
  double delivered_wh = 0;
  double remaining_wh = 0;
  std::optional<int64_t> latest_start_ms;  // when the grid must take over; nullopt: unknown
  bool running_from_grid = false;
};

// The first instant after `after_ms` (UTC) at local minute `by_min` on a day in `days`.
int64_t next_deadline_ms(const TimeZone &zone, int by_min, DayMask days, int64_t after_ms);

class ReservationTracker {
 public:
  // Keeps the progress of reservations whose load and deadline did not change.
  void configure(const std::vector<Reservation> &reservations);

  // Counts the energy the loads took since the last update, moves past deadlines on, and decides
  // which reservations must run their load now. `clock_valid` false: nothing is started (the
  // deadline cannot be trusted), energy is still counted.
  void update(const SiteSnapshot &snapshot, const TimeZone &zone, double grid_voltage_v,
              bool clock_valid);

  // Loads a reservation runs now, each with its reason.
  const std::vector<std::pair<std::string, std::string>> &running() const { return running_; }
  std::vector<ReservationStatus> status() const;

 private:
  struct Tracked {
    Reservation reservation;
    ReservationStatus status;
  };
  void advance(Tracked &tracked, const LoadState *load, const SiteSnapshot &snapshot,
               const TimeZone &zone, double grid_voltage_v, bool clock_valid);

  std::vector<Tracked> tracked_;
  std::optional<int64_t> last_mono_ns_;
  std::vector<std::pair<std::string, std::string>> running_;
};

}  // namespace hearth::energy
