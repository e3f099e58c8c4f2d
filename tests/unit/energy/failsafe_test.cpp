// The fail-safe monitor: stale, frozen, counters stopped, meter offline; each ends with the PV at
// fail_safe.pv_limit_w and the battery stopped, raises its alarm, and recovers on good data.
#include <gtest/gtest.h>

#include "test_site.hpp"

namespace hearth::energy::test {
namespace {

class FailSafeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site.add_meter();
    site.add_inverter("inv1", 10000, 6000);
    site.add_inverter("inv2", 6000, 4000);
    site.add_battery("inv1", 5000);
    site.load_w = 3000;
    settings.feed_in_limit_w = 0;
    settings.fail_safe.meter_timeout_s = 1.5;
    settings.fail_safe.pv_limit_w = 1600;  // split by rating: 1000 + 600
    settings.fail_safe.frozen_samples = 5;
    settings.fail_safe.counter_stall_wh = 20;
    settings.fail_safe.recover_samples = 3;
    settings.phase_current_limit_a = 0;
  }
  void start() {
    manager = std::make_unique<EnergyManager>(site.bus(), site.clock, settings);
    manager->start();
  }
  void expect_safe_state() {
    EXPECT_EQ(manager->state(), ManagerState::failsafe);
    EXPECT_DOUBLE_EQ(site.inverter("inv1").limit_w.value_or(-1), 1000);
    EXPECT_DOUBLE_EQ(site.inverter("inv2").limit_w.value_or(-1), 600);
    EXPECT_EQ(site.commands_to("inv1", "set_active_power_limit_w").back().priority,
              HEARTH_PRIO_SAFETY);
    ASSERT_FALSE(site.commands_to("inv1", "set_power_w").empty());
    EXPECT_EQ(site.commands_to("inv1", "set_power_w").back().value, 0);  // forcible stopped
    EXPECT_EQ(site.commands_to("inv1", "set_power_w").back().priority, HEARTH_PRIO_SAFETY);
  }
  void expect_recovery_after_good_samples(int32_t alarm) {
    for (int i = 0; i < 3; ++i) {
      site.clock.advance_ms(500);
      site.sample();
    }
    EXPECT_EQ(manager->state(), ManagerState::normal);
    EXPECT_EQ(site.alarms.find(kAlarmSource, alarm), nullptr);
    EXPECT_GT(site.inverter("inv1").limit_w.value_or(0), 1000);  // the normal caps again
    EXPECT_GE(site.grid_w(), 0);
  }

  TestSite site;
  EnergySettings settings;
  std::unique_ptr<EnergyManager> manager;
};

TEST_F(FailSafeTest, StaleMeterGoesSafeAtTheTimeoutByTimerAndRecovers) {
  start();
  site.sample();
  ASSERT_EQ(manager->state(), ManagerState::normal);
  const int64_t last_sample_ns = site.clock.mono_ns();
  // The meter falls silent; nothing but the manager's own deadline notices.
  ASSERT_EQ(manager->next_deadline_mono_ns(), last_sample_ns + 1'000'000'000);  // the cycle
  site.advance_ms(*manager, 1400);
  EXPECT_EQ(manager->state(), ManagerState::normal);
  site.advance_ms(*manager, 100);
  expect_safe_state();
  const auto safe_write = site.commands_to("inv2", "set_active_power_limit_w").back();
  EXPECT_EQ(safe_write.at_ns - last_sample_ns, 1'500'000'000);  // exactly meter_timeout
  const auto *alarm = site.alarms.find(kAlarmSource, kAlarmMeterStale);
  ASSERT_NE(alarm, nullptr);
  EXPECT_EQ(alarm->severity, HEARTH_SEVERITY_MAJOR);
  EXPECT_NE(alarm->text.find("silent for 1.5 s"), std::string::npos) << alarm->text;
  EXPECT_EQ(site.text_point("energy/state"), "failsafe");
  EXPECT_EQ(site.number_point("energy/pv_limit_total_w"), 1600);
  EXPECT_NE(manager->status_line().find("failsafe"), std::string::npos);
  // One good sample is not yet recovery.
  site.sample();
  EXPECT_EQ(manager->state(), ManagerState::failsafe);
  expect_recovery_after_good_samples(kAlarmMeterStale);
  EXPECT_EQ(manager->counters().failsafe_entries, 1u);
}

TEST_F(FailSafeTest, NoMeterSampleAfterStartIsStaleToo) {
  start();
  site.advance_ms(*manager, 1500);
  expect_safe_state();
  EXPECT_NE(site.alarms.find(kAlarmSource, kAlarmMeterStale)->text.find("since start"),
            std::string::npos);
}

TEST_F(FailSafeTest, FrozenMeterWhileTheInvertersMove) {
  start();
  site.sample();
  const double frozen_w = site.grid_w();
  for (int i = 0; i < 4; ++i) {
    site.clock.advance_ms(500);
    site.inverter("inv1").pv_w = 1500 - 300 * i;  // the inverters' output moves
    site.sample(frozen_w);                        // the meter repeats itself, bit for bit
  }
  EXPECT_EQ(manager->state(), ManagerState::normal);  // 4 identical of 5
  site.clock.advance_ms(500);
  site.inverter("inv1").pv_w = 300;
  site.sample(frozen_w);
  expect_safe_state();
  EXPECT_NE(site.alarms.find(kAlarmSource, kAlarmMeterFrozen), nullptr);
  expect_recovery_after_good_samples(kAlarmMeterFrozen);
}

TEST_F(FailSafeTest, AQuietHouseReadingTheSameValueIsNotFrozen) {
  site.inverter("inv1").pv_w = 0;  // night: nothing moves
  site.inverter("inv2").pv_w = 0;
  start();
  for (int i = 0; i < 10; ++i) {
    site.clock.advance_ms(500);
    site.sample(120.0);  // identical, but nothing else moves either
  }
  EXPECT_EQ(manager->state(), ManagerState::normal);
}

TEST_F(FailSafeTest, CountersThatStopWhilePowerFlows) {
  site.inverter("inv1").pv_w = 0;
  site.inverter("inv2").pv_w = 0;
  start();
  double import_wh = 1000;
  site.publish_counters(import_wh, 500);
  for (int i = 0; i < 60; ++i) {  // 3 kW import for 30 s: 25 Wh
    site.clock.advance_ms(500);
    site.sample();
    if (i % 20 == 19) {
      import_wh += 8.3;  // counting while it works
      site.publish_counters(import_wh, 500);
    }
  }
  EXPECT_EQ(manager->state(), ManagerState::normal);
  for (int i = 0; i < 60; ++i) {
    site.clock.advance_ms(500);
    site.sample();
    if (i % 20 == 19) site.publish_counters(import_wh, 500);  // stuck
  }
  EXPECT_EQ(manager->state(), ManagerState::failsafe);
  EXPECT_NE(site.alarms.find(kAlarmSource, kAlarmCountersStopped), nullptr);
  site.publish_counters(import_wh + 30, 500);
  expect_recovery_after_good_samples(kAlarmCountersStopped);
}

TEST_F(FailSafeTest, MeterOfflineIsFailSafeAtOnce) {
  start();
  site.sample();
  site.health.set("grid", false, "no answer from unit 11", site.clock.wall_ms());
  expect_safe_state();
  const auto *alarm = site.alarms.find(kAlarmSource, kAlarmMeterOffline);
  ASSERT_NE(alarm, nullptr);
  EXPECT_NE(alarm->text.find("unit 11"), std::string::npos);
  site.health.set("grid", true, "", site.clock.wall_ms());
  expect_recovery_after_good_samples(kAlarmMeterOffline);
}

TEST_F(FailSafeTest, WithoutAnExportLimitOnlyTheBatteryIsMadeSafe) {
  settings.feed_in_limit_w.reset();
  start();
  site.sample();
  const size_t writes = site.limit_writes();
  site.advance_ms(*manager, 1500);
  EXPECT_EQ(manager->state(), ManagerState::failsafe);
  EXPECT_EQ(site.limit_writes(), writes);  // no cap to hold: the PV is not curtailed
  EXPECT_EQ(site.commands_to("inv1", "set_power_w").back().value, 0);
}

}  // namespace
}  // namespace hearth::energy::test
