// Peak shaving: the import cap in its hours (site time zone, across midnight) discharges the
// battery; outside them the battery goes back to the plan.
#include <gtest/gtest.h>

#include "test_site.hpp"

namespace hearth::energy::test {
namespace {

// 2024-01-15 (winter, UTC+1 in Berlin) at the given local time.
int64_t berlin_winter_ms(int hour, int minute) {
  constexpr int64_t kMidnightUtcMs = 1705276800000;  // 2024-01-15T00:00:00Z
  return kMidnightUtcMs + ((hour - 1) * 60 + minute) * 60'000;
}

class ImportCapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site.add_meter();
    site.add_inverter("inv1", 10000, 0);
    site.add_battery("inv1", 5000);
    site.load_w = 5000;
    settings.import_limit_w = 2000;
    settings.import_hours = parse_clock_window("22:00-06:00");
    settings.timezone = "Europe/Berlin";
    settings.phase_current_limit_a = 0;
  }
  void start_at(int hour, int minute) {
    site.clock.set_wall_ms(berlin_winter_ms(hour, minute));
    manager = std::make_unique<EnergyManager>(site.bus(), site.clock, settings);
    manager->start();
  }
  double last_battery_command() {
    const auto sent = site.commands_to("inv1", "set_power_w");
    return sent.empty() ? 99999 : sent.back().value;
  }

  TestSite site;
  EnergySettings settings;
  std::unique_ptr<EnergyManager> manager;
};

TEST_F(ImportCapTest, InItsHoursBeforeMidnightTheBatteryCoversTheExcess) {
  start_at(23, 30);
  site.sample();
  // 5 kW load, 2 kW allowed: 3 kW (+ the margin) from the battery.
  EXPECT_DOUBLE_EQ(last_battery_command(), -(5000 - 2000 + 50));
  EXPECT_EQ(site.commands_to("inv1", "set_power_w").back().priority, HEARTH_PRIO_CONTROL);
  site.clock.advance_ms(500);
  site.sample();
  EXPECT_LE(site.grid_w(), 2000);
  EXPECT_EQ(site.number_point("energy/import_limit_w"), 2000);
}

TEST_F(ImportCapTest, AfterMidnightStillInItsHours) {
  start_at(5, 59);
  site.sample();
  EXPECT_DOUBLE_EQ(last_battery_command(), -3050);
}

TEST_F(ImportCapTest, OutsideItsHoursNothingIsCommanded) {
  start_at(12, 0);
  site.sample();
  EXPECT_TRUE(site.commands_to("inv1", "set_power_w").empty());
  EXPECT_EQ(site.points.get(*site.points.find("energy/import_limit_w")).quality,
            HEARTH_QUALITY_INVALID);  // none in force
}

TEST_F(ImportCapTest, WhenItsHoursEndTheDischargeIsReleased) {
  start_at(5, 59);
  site.sample();
  ASSERT_DOUBLE_EQ(last_battery_command(), -3050);
  site.clock.advance_ms(500);
  site.sample();
  site.clock.set_wall_ms(berlin_winter_ms(6, 0));  // 06:00 local = 05:00 UTC
  site.sample();
  EXPECT_DOUBLE_EQ(last_battery_command(), 0);  // back to the plan (none here: idle)
}

TEST_F(ImportCapTest, ALoadDropInsideTheHoursLowersTheDischarge) {
  start_at(23, 0);
  site.sample();
  site.clock.advance_ms(500);
  site.load_w = 3000;  // 2950 W discharge now exports... no: lowers import below the cap
  site.sample();
  EXPECT_NEAR(last_battery_command(), -(3000 - 2000 + 50), 1.0);
  site.clock.advance_ms(500);
  site.load_w = 1000;
  site.sample();
  EXPECT_DOUBLE_EQ(last_battery_command(), 0);  // under the cap without the battery
}

}  // namespace
}  // namespace hearth::energy::test
