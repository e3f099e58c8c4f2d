// The control cycle: the dispatch plan's changed targets become commands; the cycle trigger of
// the limits layer; the real dispatch layer on the manager's snapshot.
#include <gtest/gtest.h>

#include <hearth/energy/dispatcher.hpp>

#include "test_site.hpp"

namespace hearth::energy::test {
namespace {

class ControlCycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site.add_meter();
    site.add_inverter("inv1", 10000, 6000);
    site.add_battery("inv1", 5000);
    site.load_w = 2000;
    settings.phase_current_limit_a = 0;
  }
  void start() {
    manager = std::make_unique<EnergyManager>(site.bus(), site.clock, settings);
    manager->start();
  }
  DispatchPlan plan_with_battery(double power_w) {
    DispatchPlan plan;
    plan.batteries.push_back({"inv1", power_w});
    plan.mode_in_effect = "test";
    return plan;
  }

  TestSite site;
  EnergySettings settings;
  std::unique_ptr<EnergyManager> manager;
};

TEST_F(ControlCycleTest, OnlyChangedTargetsAreSent) {
  double planned_w = 1000;
  start();
  int snapshots = 0;
  manager->set_dispatch([&](const SiteSnapshot &snapshot) {
    ++snapshots;
    EXPECT_TRUE(snapshot.meter_fresh);
    EXPECT_EQ(snapshot.inverters.size(), 1u);
    EXPECT_EQ(snapshot.batteries.size(), 1u);
    return plan_with_battery(planned_w);
  });
  site.sample();
  site.advance_ms(*manager, 3000, 250);
  EXPECT_EQ(snapshots, 3);
  ASSERT_EQ(site.commands_to("inv1", "set_power_w").size(), 1u);
  EXPECT_EQ(site.commands_to("inv1", "set_power_w")[0].value, 1000);
  planned_w = 1020;  // within 50 W of the last one sent
  site.advance_ms(*manager, 2000, 250);
  EXPECT_EQ(site.commands_to("inv1", "set_power_w").size(), 1u);
  planned_w = 2000;
  site.advance_ms(*manager, 1000, 250);
  EXPECT_EQ(site.commands_to("inv1", "set_power_w").size(), 2u);
  EXPECT_EQ(site.text_point("energy/mode"), "test");
}

TEST_F(ControlCycleTest, NoPlanIsFollowedInFailSafe) {
  start();
  int snapshots = 0;
  manager->set_dispatch([&](const SiteSnapshot &) {
    ++snapshots;
    return plan_with_battery(3000);
  });
  site.advance_ms(*manager, 3000);  // no meter at all
  EXPECT_EQ(manager->state(), ManagerState::failsafe);
  EXPECT_EQ(snapshots, 0);
  EXPECT_EQ(site.commands_to("inv1", "set_power_w").back().value, 0);
}

TEST_F(ControlCycleTest, AnUnsynchronisedClockRaisesAnAlarmAndReachesTheDispatchLayer) {
  bool synchronised = false;
  std::vector<bool> seen;
  start();
  manager->set_clock_check([&] { return synchronised; });
  manager->set_dispatch([&](const SiteSnapshot &snapshot) {
    seen.push_back(snapshot.clock_synchronised);
    return plan_with_battery(0);
  });
  site.sample();
  site.advance_ms(*manager, 1000, 250);
  ASSERT_NE(site.alarms.find(kAlarmSource, kAlarmClockUnsynchronised), nullptr);
  synchronised = true;
  site.advance_ms(*manager, 1000, 250);
  EXPECT_EQ(site.alarms.find(kAlarmSource, kAlarmClockUnsynchronised), nullptr);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0]);
  EXPECT_TRUE(seen[1]);
}

TEST_F(ControlCycleTest, CycleTriggerDecidesOnlyOnTheCycle) {
  settings.feed_in_limit_w = 0;
  settings.limits_trigger = LimitsTrigger::cycle;
  start();
  site.sample();  // exporting 4 kW, but this is not the cycle
  EXPECT_EQ(site.limit_writes(), 0u);
  site.advance_ms(*manager, 1000);
  ASSERT_EQ(site.limit_writes(), 1u);
  EXPECT_EQ(site.commands_to("inv1", "set_active_power_limit_w")[0].at_ns % 1'000'000'000,
            site.clock.mono_ns() % 1'000'000'000);  // on the cycle's tick
}

TEST_F(ControlCycleTest, TheDispatchLayerChargesTheBatteryFromSurplus) {
  start();
  DispatchSettings dispatch_settings;
  Dispatcher dispatcher(dispatch_settings);
  manager->set_dispatch([&](const SiteSnapshot &snapshot) { return dispatcher.step(snapshot); });
  site.advance_ms(*manager, 3000, 250);  // 4 kW surplus
  const auto sent = site.commands_to("inv1", "set_power_w");
  ASSERT_FALSE(sent.empty());
  EXPECT_GT(sent.back().value, 0);  // charging
  EXPECT_GT(site.grid_w(), -4000);  // less export than before
}

}  // namespace
}  // namespace hearth::energy::test
