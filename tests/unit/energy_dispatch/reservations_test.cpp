// Reservation deadlines with a manual clock: surplus first, the grid at the latest start, the
// import limit, a new period after each deadline, DST days, an unsynchronised clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kMondayMidnightUtcMs = 1'774'828'800'000;  // 2026-03-30 00:00 UTC
constexpr int64_t kSpringForwardUtcMs = 1'774'746'000'000;   // Sun 29 March 2026, 01:00 UTC

class Reservations : public ::testing::Test {
 protected:
  Reservations() : site(kMondayMidnightUtcMs) {
    LoadState &wallbox = site.add_load("wallbox", LoadKind::kEvCharger);
    wallbox.phases = 3;  // 16 A × 3 × 230 V = 11 040 W at full power
    Reservation car;
    car.load = "wallbox";
    car.energy_wh = 20'000;
    car.by_min = 7 * 60;
    car.margin_pct = 10;
    settings.reservations = {car};
    SurplusLoadSettings wallbox_settings;
    wallbox_settings.id = "wallbox";
    wallbox_settings.min_on_ms = 0;
    wallbox_settings.min_off_ms = 0;
    wallbox_settings.start_delay_ms = 0;
    wallbox_settings.stop_delay_ms = 0;
    settings.loads = {wallbox_settings};
    dispatcher.update_settings(settings);
  }

  // Runs one-second cycles until the wall clock reaches `until_ms`; returns the wall time of the
  // first cycle that had the charger charging, if any.
  std::optional<int64_t> run_until(int64_t until_ms) {
    std::optional<int64_t> first_on;
    while (site.clock().wall_ms() < until_ms) {
      const int64_t now_ms = site.clock().wall_ms();
      site.cycle(dispatcher);
      if (!first_on && site.load("wallbox").current_a > 0) first_on = now_ms;
    }
    return first_on;
  }

  DispatchSettings settings = settings_in("UTC");
  SiteModel site;
  Dispatcher dispatcher{settings};
};

TEST_F(Reservations, CarStartsFromTheGridAtTheLatestMomentAndIsFullByTheDeadline) {
  site.house_w = 400;
  // 20 kWh at 11 040 W take 6522 s; with 10 % margin 7174 s: start at 05:00:26.087 → the cycle
  // at 05:00:27.
  const int64_t latest_start_ms = kMondayMidnightUtcMs + 7 * kHourMs - 7'173'913;
  EXPECT_EQ(run_until(kMondayMidnightUtcMs + 5 * kHourMs), std::nullopt);
  ASSERT_EQ(dispatcher.reservation_status().size(), 1u);
  EXPECT_EQ(dispatcher.reservation_status()[0].latest_start_ms, latest_start_ms);
  EXPECT_EQ(dispatcher.reservation_status()[0].deadline_ms, kMondayMidnightUtcMs + 7 * kHourMs);
  EXPECT_EQ(run_until(kMondayMidnightUtcMs + 6 * kHourMs),
            kMondayMidnightUtcMs + 5 * kHourMs + 27'000);
  // Running from the grid at 16 A until the energy is in, then paused (no surplus at night).
  run_until(kMondayMidnightUtcMs + 7 * kHourMs - 1000);
  const ReservationStatus status = dispatcher.reservation_status()[0];
  EXPECT_NEAR(status.delivered_wh, 20'000, 11'040.0 / 3600);  // within one cycle's energy
  EXPECT_FALSE(status.running_from_grid);
  EXPECT_EQ(site.load("wallbox").current_a, 0);
}

TEST_F(Reservations, SurplusEnergyCountsFirstAndMovesTheStartLater) {
  site.pv_w = 6900;  // 10 A of surplus for an hour: 6.9 kWh from PV
  run_until(kMondayMidnightUtcMs + kHourMs);
  EXPECT_EQ(site.load("wallbox").current_a, 10);
  site.pv_w = 0;
  site.cycle(dispatcher);
  const ReservationStatus status = dispatcher.reservation_status()[0];
  EXPECT_NEAR(status.delivered_wh, 6900, 2);
  EXPECT_FALSE(status.running_from_grid);
  // 13.1 kWh left: 13 100 / 11 040 h × 1.1 = 4697 s before 07:00.
  EXPECT_NEAR(
      static_cast<double>(*status.latest_start_ms),
      static_cast<double>(kMondayMidnightUtcMs + 7 * kHourMs) - 13'100 / 11'040.0 * 3.6e6 * 1.1,
      1000 * 2);
  EXPECT_EQ(site.load("wallbox").current_a, 0);  // no surplus now and not yet time
}

TEST_F(Reservations, ImportLimitCutsTheChargingCurrent) {
  site.house_w = 500;
  site.import_limit_w = 8000;
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 6 * kHourMs);
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(find_load(plan, "wallbox")->current_a, 10);  // (8000 − 500) / 690 W per A
  EXPECT_THAT(plan.reasons, Contains(HasSubstr("wallbox: reservation")));
  site.import_limit_w = 4000;  // less than 6 A left: paused, and said why
  const DispatchPlan paused = site.cycle(dispatcher);
  EXPECT_EQ(find_load(paused, "wallbox")->current_a, 0);
  EXPECT_THAT(paused.reasons, Contains(HasSubstr("the import limit leaves less than 6 A")));
}

TEST_F(Reservations, AfterTheDeadlineANewPeriodBegins) {
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 6 * kHourMs);
  site.cycle(dispatcher);
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 7 * kHourMs);
  site.cycle(dispatcher);
  const ReservationStatus status = dispatcher.reservation_status()[0];
  EXPECT_EQ(status.deadline_ms, kMondayMidnightUtcMs + 31 * kHourMs);
  EXPECT_DOUBLE_EQ(status.delivered_wh, 0);
  EXPECT_FALSE(status.running_from_grid);
}

TEST_F(Reservations, UnsynchronisedClockStartsNothingFromTheGrid) {
  site.clock_synchronised = false;
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 6 * kHourMs);
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(find_load(plan, "wallbox")->current_a, 0);
  EXPECT_THAT(plan.reasons,
              Contains("clock not synchronised: reservations start nothing from the grid"));
}

TEST_F(Reservations, StaleMeterKeepsAReservationRunning) {
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 6 * kHourMs);
  site.cycle(dispatcher);
  site.meter_fresh = false;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(plan.mode_in_effect, "hold (meter stale)");
  EXPECT_EQ(find_load(plan, "wallbox")->current_a, 16);
}

TEST_F(Reservations, HotWaterByASwitchedHeater) {
  site.add_load("boiler", LoadKind::kSwitchable, 3000);
  Reservation water;
  water.load = "boiler";
  water.energy_wh = 6000;
  water.by_min = 6 * 60;
  water.margin_pct = 0;
  settings.reservations = {water};
  settings.loads[0].id = "boiler";
  dispatcher.update_settings(settings);
  site.clock().set_wall_ms(kMondayMidnightUtcMs + 4 * kHourMs - 1000);  // 2 h at 3 kW: 04:00
  EXPECT_FALSE(find_load(site.cycle(dispatcher), "boiler")->on);
  EXPECT_TRUE(find_load(site.cycle(dispatcher), "boiler")->on);
}

TEST(ReservationDeadlines, NextDeadlineFollowsDaysAndDst) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  // Saturday noon: Sunday 07:00 CEST is 05:00 UTC, 23 h after Saturday 07:00 CET.
  const int64_t saturday_noon_ms = kSpringForwardUtcMs - 13 * kHourMs;
  EXPECT_EQ(next_deadline_ms(berlin, 7 * 60, kAllDays, saturday_noon_ms),
            kSpringForwardUtcMs + 4 * kHourMs);
  // 02:30 does not exist that Sunday: the deadline is 03:30 CEST.
  EXPECT_EQ(next_deadline_ms(berlin, 2 * 60 + 30, kAllDays, saturday_noon_ms),
            kSpringForwardUtcMs + kHourMs / 2);
  // Weekdays only: from Saturday noon the next is Monday 07:00 CEST.
  EXPECT_EQ(next_deadline_ms(berlin, 7 * 60, kWeekdays, saturday_noon_ms),
            kMondayMidnightUtcMs + 5 * kHourMs);
  // Exactly at a deadline, the next one.
  EXPECT_EQ(next_deadline_ms(berlin, 7 * 60, kAllDays, kSpringForwardUtcMs + 4 * kHourMs),
            kMondayMidnightUtcMs + 5 * kHourMs);
}

TEST(ReservationDeadlines, LatestStartOnTheTwentyThreeHourDay) {
  // Sunday 29 March in Berlin: a car needing 20 kWh by 07:00 local (05:00 UTC) starts at
  // 03:00:26 UTC, not an hour early as a fixed UTC+1 reading would have it.
  DispatchSettings settings = settings_in("Europe/Berlin");
  Reservation car;
  car.load = "wallbox";
  car.energy_wh = 20'000;
  car.by_min = 7 * 60;
  settings.reservations = {car};
  Dispatcher dispatcher(settings);
  SiteModel site(kSpringForwardUtcMs - 2 * kHourMs);
  site.add_load("wallbox", LoadKind::kEvCharger).phases = 3;
  site.cycle(dispatcher);
  EXPECT_EQ(dispatcher.reservation_status()[0].latest_start_ms,
            kSpringForwardUtcMs + 4 * kHourMs - 7'173'913);
}

}  // namespace
}  // namespace hearth::energy::testing
