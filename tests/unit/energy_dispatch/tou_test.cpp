// TOU mode: owner windows on the site's wall clock in Europe/Berlin, grid charging, discharge
// windows, days, a window past midnight, both DST changes, and an unsynchronised clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hearth/energy/tou_schedule.hpp"
#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

using ::testing::Contains;

constexpr int64_t kHourMs = 3'600'000;
// 2026-03-30 00:00 UTC is a Monday, 02:00 in Berlin (CEST).
constexpr int64_t kMonday0200BerlinMs = 1'774'828'800'000;
constexpr int64_t kSpringForwardUtcMs = 1'774'746'000'000;  // Sun 29 March, 01:00 UTC
constexpr int64_t kFallBackUtcMs = 1'792'890'000'000;       // Sun 25 October, 01:00 UTC

TouWindow window(const char *text, TouAction action, DayMask days = kAllDays) {
  TouWindow tou;
  tou.window = *parse_clock_window(text);
  tou.action = action;
  tou.days = days;
  return tou;
}

class Tou : public ::testing::Test {
 protected:
  Tou() {
    TouWindow night = window("02:00-06:00", TouAction::kCharge, kWeekdays);
    night.grid_charge = true;
    night.power_w = 3000;
    night.target_soc_pct = 90;
    settings.tou = {night, window("17:00-21:00", TouAction::kDischarge)};
    dispatcher.update_settings(settings);
    site.add_battery("inverter-1", 50, 5000);
  }

  std::string mode_at(int64_t wall_ms) {
    site.clock().set_wall_ms(wall_ms);
    return dispatcher.step(site.snapshot()).mode_in_effect;
  }

  DispatchPlan plan_at(int64_t wall_ms) {
    site.clock().set_wall_ms(wall_ms);
    return dispatcher.step(site.snapshot());
  }

  double battery_w_at(int64_t wall_ms) {
    return find_battery(plan_at(wall_ms), "inverter-1")->power_w;
  }

  DispatchSettings settings = settings_in("Europe/Berlin", DispatchMode::kTou);
  SiteModel site;
  Dispatcher dispatcher{settings};
};

TEST_F(Tou, GridChargesInTheNightWindowUpToTheTargetSoc) {
  site.house_w = 500;
  EXPECT_EQ(mode_at(kMonday0200BerlinMs + kHourMs), "tou:charge (grid)");
  EXPECT_DOUBLE_EQ(battery_w_at(kMonday0200BerlinMs + kHourMs), 3000);
  site.battery("inverter-1").soc_pct = 90;
  EXPECT_DOUBLE_EQ(battery_w_at(kMonday0200BerlinMs + kHourMs), 0);
}

TEST_F(Tou, GridChargingStaysUnderTheImportLimit) {
  site.house_w = 500;
  site.import_limit_w = 2000;
  const DispatchPlan plan = plan_at(kMonday0200BerlinMs + kHourMs);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 1500);
  EXPECT_THAT(plan.reasons, Contains("TOU grid charging held to 1500 W by the import limit"));
}

TEST_F(Tou, WeekdayWindowDoesNotRunOnSaturday) {
  site.house_w = 500;
  const int64_t saturday_0300_ms = kMonday0200BerlinMs + kHourMs - 2 * 24 * kHourMs;
  EXPECT_EQ(mode_at(saturday_0300_ms), "tou:self-consumption");
  EXPECT_DOUBLE_EQ(battery_w_at(saturday_0300_ms), -500);
}

TEST_F(Tou, DischargeWindowCoversTheHouseAndForcedPowerStaysWithinTheFeedInLimit) {
  site.house_w = 700;
  const int64_t monday_1800_ms = kMonday0200BerlinMs + 16 * kHourMs;
  EXPECT_EQ(mode_at(monday_1800_ms), "tou:discharge");
  EXPECT_DOUBLE_EQ(battery_w_at(monday_1800_ms), -700);
  settings.tou[1].power_w = 3000;
  dispatcher.update_settings(settings);
  site.feed_in_limit_w = 1000;
  const DispatchPlan limited = plan_at(monday_1800_ms);
  EXPECT_DOUBLE_EQ(find_battery(limited, "inverter-1")->power_w, -1700);  // 700 W house + 1 kW
  EXPECT_THAT(limited.reasons, Contains("TOU discharge held to 1700 W by the feed-in limit"));
  site.feed_in_limit_w.reset();
  EXPECT_DOUBLE_EQ(battery_w_at(monday_1800_ms), -3000);
  settings.tou[1].min_soc_pct = 60;  // the battery is at 50 %
  dispatcher.update_settings(settings);
  EXPECT_DOUBLE_EQ(battery_w_at(monday_1800_ms), 0);
}

TEST_F(Tou, ChargeWindowWithoutGridChargingTakesSurplusOnlyAndKeepsTheBattery) {
  settings.tou[0].grid_charge = false;
  dispatcher.update_settings(settings);
  const int64_t monday_0400_ms = kMonday0200BerlinMs + 2 * kHourMs;
  site.house_w = 800;
  EXPECT_EQ(mode_at(monday_0400_ms), "tou:charge");
  EXPECT_DOUBLE_EQ(battery_w_at(monday_0400_ms), 0);  // no discharge, no grid charge
  site.pv_w = 5000;
  EXPECT_DOUBLE_EQ(battery_w_at(monday_0400_ms), 3000);  // surplus 4200 W, power_w 3000 W
}

TEST_F(Tou, UnsynchronisedClockHoldsSelfConsumptionAndSaysSo) {
  site.house_w = 500;
  site.clock_synchronised = false;
  const DispatchPlan plan = plan_at(kMonday0200BerlinMs + kHourMs);
  EXPECT_EQ(plan.mode_in_effect, "tou:held (clock unsynchronised)");
  EXPECT_THAT(plan.reasons, Contains("clock not synchronised: TOU held in self-consumption"));
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, -500);
}

TEST(TouWindows, WindowPastMidnightBelongsToItsStartDay) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  const ClockWindow night = *parse_clock_window("22:00-06:00");
  const DayMask friday = 1u << 5;
  const int64_t monday_0200_s = kMonday0200BerlinMs / 1000;
  const auto at = [&](int days_after_monday, int hour) {
    return berlin.to_local(monday_0200_s + (days_after_monday * 24 + hour - 2) * 3600);
  };
  EXPECT_TRUE(window_contains(night, friday, at(4, 23)));   // Friday 23:00
  EXPECT_TRUE(window_contains(night, friday, at(5, 5)));    // Saturday 05:00
  EXPECT_FALSE(window_contains(night, friday, at(5, 6)));   // Saturday 06:00: ended
  EXPECT_FALSE(window_contains(night, friday, at(4, 5)));   // Friday 05:00: Thursday's night
  EXPECT_FALSE(window_contains(night, friday, at(5, 23)));  // Saturday 23:00
  EXPECT_TRUE(window_contains(night, kAllDays, at(0, 23)));
}

// The instants (UTC ms) at which a window becomes active and inactive within [from, to),
// found by stepping the wall clock one minute at a time (the windows edge on whole minutes).
std::vector<int64_t> edges(Dispatcher &dispatcher, SiteModel &site, int64_t from_ms,
                           int64_t to_ms) {
  std::vector<int64_t> found;
  bool active = false;
  for (int64_t wall_ms = from_ms; wall_ms < to_ms; wall_ms += 60'000) {
    site.clock().set_wall_ms(wall_ms);
    const bool now = dispatcher.step(site.snapshot()).mode_in_effect.starts_with("tou:charge");
    if (now != active) found.push_back(wall_ms);
    active = now;
  }
  return found;
}

class TouAcrossDst : public ::testing::Test {
 protected:
  void use(const char *text, DayMask days = kAllDays) {
    DispatchSettings settings = settings_in("Europe/Berlin", DispatchMode::kTou);
    settings.tou = {window(text, TouAction::kCharge, days)};
    dispatcher.update_settings(settings);
  }
  SiteModel site;
  Dispatcher dispatcher{settings_in("Europe/Berlin", DispatchMode::kTou)};
};

TEST_F(TouAcrossDst, WindowStartingInTheSpringForwardGapStartsWhenTheClockLeavesIt) {
  use("02:30-04:00");
  // 02:30 does not exist on 29 March: the window opens at 03:00 CEST (01:00 UTC) and closes at
  // 04:00 CEST (02:00 UTC), one hour of real time.
  EXPECT_THAT(
      edges(dispatcher, site, kSpringForwardUtcMs - 2 * kHourMs, kSpringForwardUtcMs + 3 * kHourMs),
      ::testing::ElementsAre(kSpringForwardUtcMs, kSpringForwardUtcMs + kHourMs));
}

TEST_F(TouAcrossDst, NightWindowOverTheRepeatedHourLastsFiveHours) {
  use("02:00-06:00");
  // 25 October: 02:00 CEST is 00:00 UTC, 06:00 CET is 05:00 UTC.
  EXPECT_THAT(edges(dispatcher, site, kFallBackUtcMs - 3 * kHourMs, kFallBackUtcMs + 6 * kHourMs),
              ::testing::ElementsAre(kFallBackUtcMs - kHourMs, kFallBackUtcMs + 4 * kHourMs));
}

TEST_F(TouAcrossDst, WholeSundaysOfTwentyThreeAndTwentyFiveHours) {
  use("00:00-24:00", 1u << 0);
  // Sunday 29 March: 00:00 CET (23:00 UTC Saturday) to 00:00 CEST (22:00 UTC Sunday): 23 h.
  EXPECT_THAT(edges(dispatcher, site, kSpringForwardUtcMs - 3 * kHourMs,
                    kSpringForwardUtcMs + 22 * kHourMs),
              ::testing::ElementsAre(kSpringForwardUtcMs - 2 * kHourMs,
                                     kSpringForwardUtcMs + 21 * kHourMs));
  // Sunday 25 October: 00:00 CEST (22:00 UTC Saturday) to 00:00 CET (23:00 UTC Sunday): 25 h.
  EXPECT_THAT(edges(dispatcher, site, kFallBackUtcMs - 4 * kHourMs, kFallBackUtcMs + 23 * kHourMs),
              ::testing::ElementsAre(kFallBackUtcMs - 3 * kHourMs, kFallBackUtcMs + 22 * kHourMs));
}

}  // namespace
}  // namespace hearth::energy::testing
