// DispatchSettings from the checked `energy:` map, and the parsers the config check shares.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "hearth/energy/dispatch_settings.hpp"

namespace hearth::energy {
namespace {

TEST(DispatchSettingsFrom, AllKeys) {
  const YAML::Node energy = YAML::Load(R"(
mode: tou
feed_in_limit_w: 0
surplus_priority: [inverter-1/battery, wallbox, heatpump]
tou:
  - { window: "02:00-06:00", days: weekdays, action: charge, grid_charge: true, power_w: 3000,
      target_soc_pct: 90 }
  - { window: "17:00-21:00", action: discharge, min_soc_pct: 30, days: [sat, sun] }
dispatch:
  soc_min_pct: 15
  soc_max_pct: 95
  battery_sharing: priority
  grid_voltage_v: 240
  loads:
    wallbox: { start_w: 4500, stop_w: 3000, min_on_s: 600, min_off_s: 120, start_delay_s: 30,
               stop_delay_s: 90 }
    heatpump: { boost_start_w: 5000, boost_stop_w: 3500 }
  reservations:
    - { load: wallbox, energy_wh: 20000, by: "07:00", days: weekdays, margin_pct: 20 }
  pv_estimate: { probe_w: 300, at_cap_tolerance_w: 50, peak_wp: { inverter-1: 9900 } }
)");
  const DispatchSettings settings = dispatch_settings_from(energy, "Europe/Berlin");
  EXPECT_EQ(settings.mode, DispatchMode::kTou);
  EXPECT_EQ(settings.time_zone, "Europe/Berlin");
  EXPECT_EQ(settings.soc_min_pct, 15);
  EXPECT_EQ(settings.soc_max_pct, 95);
  EXPECT_EQ(settings.battery_sharing, BatterySharing::kPriority);
  EXPECT_EQ(settings.grid_voltage_v, 240);
  EXPECT_THAT(settings.surplus_priority,
              ::testing::ElementsAre("inverter-1/battery", "wallbox", "heatpump"));
  ASSERT_EQ(settings.tou.size(), 2u);
  EXPECT_EQ(settings.tou[0].window.start_min, 120);
  EXPECT_EQ(settings.tou[0].window.end_min, 360);
  EXPECT_EQ(settings.tou[0].days, kWeekdays);
  EXPECT_TRUE(settings.tou[0].grid_charge);
  EXPECT_EQ(settings.tou[0].power_w, 3000);
  EXPECT_EQ(settings.tou[0].target_soc_pct, 90);
  EXPECT_EQ(settings.tou[1].action, TouAction::kDischarge);
  EXPECT_EQ(settings.tou[1].days, kWeekends);
  EXPECT_EQ(settings.tou[1].min_soc_pct, 30);
  ASSERT_EQ(settings.loads.size(), 2u);
  EXPECT_EQ(settings.loads[0].id, "wallbox");
  EXPECT_EQ(settings.loads[0].start_w, 4500);
  EXPECT_EQ(settings.loads[0].min_on_ms, 600'000);
  EXPECT_EQ(settings.loads[0].min_off_ms, 120'000);
  EXPECT_EQ(settings.loads[0].start_delay_ms, 30'000);
  EXPECT_EQ(settings.loads[0].stop_delay_ms, 90'000);
  EXPECT_EQ(settings.loads[1].stop_delay_ms, 120'000);  // default
  EXPECT_EQ(settings.loads[1].boost_stop_w, 3500);
  EXPECT_EQ(settings.loads[1].min_on_ms, 300'000);  // default
  ASSERT_EQ(settings.reservations.size(), 1u);
  EXPECT_EQ(settings.reservations[0].by_min, 420);
  EXPECT_EQ(settings.reservations[0].energy_wh, 20'000);
  EXPECT_EQ(settings.reservations[0].margin_pct, 20);
  EXPECT_EQ(settings.pv_estimate.probe_w, 300);
  EXPECT_EQ(settings.pv_estimate.peak_wp.at("inverter-1"), 9900);
}

TEST(DispatchSettingsFrom, DefaultsForAnEmptyMap) {
  const DispatchSettings settings = dispatch_settings_from(YAML::Node());
  EXPECT_EQ(settings.mode, DispatchMode::kSelfConsumption);
  EXPECT_EQ(settings.time_zone, "UTC");
  EXPECT_EQ(settings.soc_min_pct, 10);
  EXPECT_EQ(settings.battery_sharing, BatterySharing::kProportional);
  EXPECT_TRUE(settings.tou.empty());
}

TEST(DispatchSettingsFrom, UncheckedNonsenseNamesTheKey) {
  try {
    dispatch_settings_from(YAML::Load("dispatch: { soc_min_pct: lots }"));
    FAIL() << "no exception";
  } catch (const std::invalid_argument &error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("soc_min_pct"));
  }
  EXPECT_THROW(dispatch_settings_from(YAML::Load("tou: [{ window: '2-6' }]")),
               std::invalid_argument);
}

TEST(Parsers, ClockTimesWindowsAndDays) {
  EXPECT_EQ(parse_clock_time("07:00"), 420);
  EXPECT_EQ(parse_clock_time("24:00"), 1440);
  EXPECT_EQ(parse_clock_time("24:01"), std::nullopt);
  EXPECT_EQ(parse_clock_time("7:00"), std::nullopt);
  EXPECT_EQ(parse_clock_time("07:60"), std::nullopt);
  EXPECT_EQ(parse_clock_window("22:00-06:00")->end_min, 360);
  EXPECT_EQ(parse_clock_window("06:00-06:00"), std::nullopt);
  EXPECT_EQ(parse_clock_window("24:00-06:00"), std::nullopt);
  EXPECT_EQ(parse_clock_window("06:00 - 07:00"), std::nullopt);
  EXPECT_EQ(parse_days(YAML::Load("weekends")), kWeekends);
  EXPECT_EQ(parse_days(YAML::Load("[mon, fri]")), DayMask{0x22});
  EXPECT_EQ(parse_days(YAML::Load("[mon, funday]")), std::nullopt);
  EXPECT_EQ(parse_days(YAML::Load("[]")), std::nullopt);
  EXPECT_EQ(parse_mode("tou"), DispatchMode::kTou);
  EXPECT_EQ(parse_mode("eco"), std::nullopt);
}

}  // namespace
}  // namespace hearth::energy
