#include "hearth/energy/reservations.hpp"

#include <algorithm>
#include <cmath>

#include "hearth/energy/surplus_loads.hpp"

namespace hearth::energy {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// A gap in the cycle longer than this (a stalled manager, a suspended board) is not counted as
// energy delivered: the load's power then is unknown.
constexpr int64_t kMaxCountedGapNs = 10'000'000'000;

int64_t floor_div(int64_t value, int64_t divisor) {
  return value / divisor - ((value % divisor != 0 && value < 0) ? 1 : 0);
}

const LoadState *find_load(const SiteSnapshot &snapshot, const std::string &id) {
  for (const auto &load : snapshot.loads) {
    if (load.id == id) return &load;
  }
  return nullptr;
}

bool same_deadline(const Reservation &a, const Reservation &b) {
  return a.load == b.load && a.by_min == b.by_min && a.days == b.days;
}

}  // namespace

int64_t next_deadline_ms(const TimeZone &zone, int by_min, DayMask days, int64_t after_ms) {
  const int64_t after_s = floor_div(after_ms, 1000);
  const int64_t today = zone.to_local(after_s).days();
  // Eight days: today's time may be past, and a single weekday comes back after seven.
  for (int64_t day = today - 1; day <= today + 8; ++day) {
    if ((days & (1u << weekday_from_days(day))) == 0) continue;
    const int64_t deadline_ms = zone.to_utc(day * kSecondsPerDay + by_min * 60) * 1000;
    if (deadline_ms > after_ms) return deadline_ms;
  }
  return after_ms + 7 * kSecondsPerDay * 1000;  // no day in the mask (not reachable when checked)
}

void ReservationTracker::configure(const std::vector<Reservation> &reservations) {
  std::vector<Tracked> next;
  for (const auto &reservation : reservations) {
    Tracked tracked{reservation, ReservationStatus{}};
    tracked.status.load = reservation.load;
    for (const auto &old : tracked_) {
      if (same_deadline(old.reservation, reservation)) tracked.status = old.status;
    }
    next.push_back(std::move(tracked));
  }
  tracked_ = std::move(next);
}

void ReservationTracker::update(const SiteSnapshot &snapshot, const TimeZone &zone,
                                double grid_voltage_v, bool clock_valid) {
  running_.clear();
  const int64_t elapsed_ns = last_mono_ns_ ? snapshot.mono_ns - *last_mono_ns_ : 0;
  last_mono_ns_ = snapshot.mono_ns;
  const double elapsed_h = elapsed_ns > 0 && elapsed_ns <= kMaxCountedGapNs
                               ? static_cast<double>(elapsed_ns) / 3.6e12
                               : 0;
  for (auto &tracked : tracked_) {
    const LoadState *load = find_load(snapshot, tracked.reservation.load);
    if (load != nullptr && load->online) tracked.status.delivered_wh += load->power_w * elapsed_h;
    advance(tracked, load, snapshot, zone, grid_voltage_v, clock_valid);
  }
}

void ReservationTracker::advance(Tracked &tracked, const LoadState *load,
                                 const SiteSnapshot &snapshot, const TimeZone &zone,
                                 double grid_voltage_v, bool clock_valid) {
  const Reservation &reservation = tracked.reservation;
  ReservationStatus &status = tracked.status;
  if (status.deadline_ms == 0 || snapshot.wall_ms >= status.deadline_ms) {
    // A new period: the energy before the last deadline counted for that one.
    if (status.deadline_ms != 0) status.delivered_wh = 0;
    status.running_from_grid = false;
    status.deadline_ms =
        next_deadline_ms(zone, reservation.by_min, reservation.days, snapshot.wall_ms);
  }
  status.remaining_wh = std::max(0.0, reservation.energy_wh - status.delivered_wh);
  const double power_w = load != nullptr ? full_power_w(*load, grid_voltage_v) : 0;
  status.latest_start_ms.reset();
  if (power_w > 0) {
    const double needed_ms =
        status.remaining_wh / power_w * 3.6e6 * (1 + reservation.margin_pct / 100);
    status.latest_start_ms = status.deadline_ms - std::llround(needed_ms);
  }
  if (status.remaining_wh <= 0) status.running_from_grid = false;
  if (!clock_valid || load == nullptr || !load->online) return;
  // Latched: once started, the load runs until the energy is in or the deadline passes (the
  // margin would otherwise stop it again as the remaining time shrinks more slowly).
  if (!status.running_from_grid && status.latest_start_ms && status.remaining_wh > 0 &&
      snapshot.wall_ms >= *status.latest_start_ms) {
    status.running_from_grid = true;
  }
  if (status.running_from_grid) {
    running_.emplace_back(reservation.load,
                          reservation.load + ": reservation, " +
                              std::to_string(std::lround(status.remaining_wh)) +
                              " Wh still needed before the deadline, running from the grid");
  }
}

std::vector<ReservationStatus> ReservationTracker::status() const {
  std::vector<ReservationStatus> result;
  for (const auto &tracked : tracked_) result.push_back(tracked.status);
  return result;
}

}  // namespace hearth::energy
