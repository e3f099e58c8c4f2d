// The limits layer through the manager on a real bus: every grid sample is a decision.
#include <gtest/gtest.h>

#include "test_site.hpp"

namespace hearth::energy::test {
namespace {

constexpr double kDeadbandW = 50;

EnergySettings zero_export() {
  EnergySettings settings;
  settings.feed_in_limit_w = 0;
  settings.limit_deadband_w = kDeadbandW;
  settings.limit_min_interval_ms = 5000;
  settings.pv_installed_wp = 10000;
  settings.phase_current_limit_a = 0;
  return settings;
}

class LimitsLayerTest : public ::testing::Test {
 protected:
  void start(EnergySettings settings) {
    manager = std::make_unique<EnergyManager>(site.bus(), site.clock, std::move(settings));
    manager->start();
  }
  double limit_of(const std::string &id) { return site.inverter(id).limit_w.value_or(-1); }

  TestSite site;
  std::unique_ptr<EnergyManager> manager;
};

TEST_F(LimitsLayerTest, ZeroExportHoldsThroughALoadDropWithOneWritePerChange) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 5000);
  site.load_w = 3000;
  start(zero_export());
  site.sample();  // exporting 2 kW: the first sample caps the inverter
  EXPECT_EQ(manager->state(), ManagerState::normal);
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 3000 - kDeadbandW);
  EXPECT_DOUBLE_EQ(site.grid_w(), kDeadbandW);  // aims the margin inside the limit

  site.clock.advance_ms(500);
  site.load_w = 1000;  // 2 kW load drop: export 1950 W until the next sample
  site.sample();
  // Tightening that restores compliance is not held back by the minimum interval.
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 1000 - kDeadbandW);
  EXPECT_GE(site.grid_w(), 0);
  EXPECT_EQ(site.limit_writes(), 2u);
  const auto writes = site.commands_to("inv1", "set_active_power_limit_w");
  EXPECT_EQ(writes.back().priority, HEARTH_PRIO_CONTROL);
  EXPECT_EQ(manager->counters().limit_writes, 2u);
  EXPECT_DOUBLE_EQ(manager->writes_per_hour(), 2);
  // The manager's own points.
  EXPECT_EQ(site.number_point("energy/export_w"), 1950);  // what that sample saw
  EXPECT_EQ(site.number_point("energy/writes_per_hour"), 2);
  EXPECT_EQ(site.text_point("energy/state"), "normal");
  EXPECT_EQ(site.text_point("energy/binding_limit"), "feed-in");
}

TEST_F(LimitsLayerTest, PercentLimitIsAShareOfTheInstalledPv) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 8000);
  site.load_w = 500;
  EnergySettings settings = zero_export();
  settings.feed_in_limit_w = 0.5 * settings.pv_installed_wp;  // feed_in_limit_pct: 50
  start(settings);
  site.sample();
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 500 + 5000 - kDeadbandW);
  site.sample();
  EXPECT_LE(-site.grid_w(), 5000);
  EXPECT_EQ(manager->effective_feed_in_limit_w(), 5000);
}

TEST_F(LimitsLayerTest, NoRewritesWhileTheCapDoesNotBind) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 2000);
  site.load_w = 3000;
  start(zero_export());
  site.sample();
  // The first decision is always written; the cap is above what the sun gives.
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 3000 - kDeadbandW);
  for (int i = 0; i < 20; ++i) {
    site.load_w = 3000 + (i % 2) * 400;  // the load moves, the inverter stays below its cap
    site.clock.advance_ms(500);
    site.sample();
  }
  EXPECT_EQ(site.limit_writes(), 1u);
}

TEST_F(LimitsLayerTest, DeadbandAndMinimumIntervalKeepWritesFew) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 6000);
  site.load_w = 3000;
  start(zero_export());
  site.sample();
  ASSERT_EQ(site.limit_writes(), 1u);
  // Changes smaller than the deadband: no write.
  for (double load : {3020.0, 2990.0, 3030.0, 3010.0}) {
    site.clock.advance_ms(500);
    site.load_w = load;
    site.sample();
  }
  EXPECT_EQ(site.limit_writes(), 1u);
  // A loosening (load up 1 kW) right after the last write waits for the minimum interval.
  site.load_w = 4000;
  site.sample();
  EXPECT_EQ(site.limit_writes(), 1u);
  EXPECT_GT(site.grid_w(), 900);  // importing meanwhile (allowed, no limit broken)
  const int64_t write_ns = site.commands_to("inv1", "set_active_power_limit_w").front().at_ns;
  // The deferred write goes when the interval ends (the timer, not a sample, sends it).
  site.advance_ms(*manager, 6000, 500);
  ASSERT_EQ(site.limit_writes(), 2u);
  EXPECT_EQ(site.commands_to("inv1", "set_active_power_limit_w").back().at_ns,
            write_ns + 5'000'000'000);
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 4000 - kDeadbandW);
}

TEST_F(LimitsLayerTest, ThreeInvertersOneOfflineTheOthersCoverItsRating) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 9000);
  site.add_inverter("inv2", 6000, 5000);
  auto &lost = site.add_inverter("inv3", 4000, 3000);
  site.load_w = 9000;
  start(zero_export());
  site.sample();
  lost.answers = false;  // stops answering: its driver reports it offline
  site.health.set("inv3", false, "no answer", site.clock.wall_ms());
  // The others are curtailed at once (no sample needed), from the last sample's figures: load
  // 9000 W less inv3's 3000 W then, less its rated 4000 W, less the margin.
  EXPECT_NEAR(limit_of("inv1") + limit_of("inv2"), 9000 - 3000 - 4000 - kDeadbandW, 1.0);
  // Samples then show what inv3 really makes (its last cap); after the minimum interval the
  // others settle at load − inv3's output − its rating − margin.
  const double inv3_out = lost.output_w();
  site.advance_ms(*manager, 6000, 500);
  EXPECT_NEAR(limit_of("inv1") + limit_of("inv2"), site.load_w - inv3_out - 4000 - kDeadbandW, 1.0);
  EXPECT_NEAR(limit_of("inv1") / limit_of("inv2"), 10.0 / 6.0, 1e-6)  // split by rating
      << limit_of("inv1") << " " << limit_of("inv2");
  // Worst case: inv3 loses its cap and produces its rated power; the export stays in the limit.
  lost.limit_w.reset();
  lost.pv_w = 4000;
  EXPECT_GE(site.grid_w(), 0);
  const auto *alarm = site.alarms.find(kAlarmSource, kAlarmInverterUnreachable);
  ASSERT_NE(alarm, nullptr);
  EXPECT_NE(alarm->text.find("inv3"), std::string::npos);
}

TEST_F(LimitsLayerTest, AShadedInverterLeavesItsShareToTheOthers) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 1000);  // shaded
  site.add_inverter("inv2", 6000, 6000);
  site.load_w = 4000;
  start(zero_export());
  site.sample();
  site.clock.advance_ms(500);
  site.sample();
  site.clock.advance_ms(6000);
  site.sample();
  // By rating alone inv2 would get 6/16 of ~4 kW and the house would import; it gets the rest.
  EXPECT_NEAR(site.grid_w(), kDeadbandW, 60);
  EXPECT_GT(limit_of("inv2"), 2500);
}

TEST_F(LimitsLayerTest, RippleControlCapsTheInvertersAtItsShareOfInstalledPv) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 9000);
  const auto ripple = site.points.declare("box/ripple_allowed_pv_pct", HEARTH_VALUE_DOUBLE, "%", 0);
  site.load_w = 500;
  EnergySettings settings = zero_export();
  settings.feed_in_limit_w.reset();  // no feed-in limit: only the grid operator's cap
  start(settings);
  site.sample();
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 10000);
  site.publish(ripple, 30);  // the receiver's relay: 30 %, acted on at once
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 3000);
  EXPECT_EQ(site.text_point("energy/binding_limit"), "ripple");
  site.clock.advance_ms(6000);
  site.sample();
  site.publish(ripple, 100);
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 10000);
}

TEST_F(LimitsLayerTest, ExternalLimitByMethodAndByPointTheLowerHolds) {
  site.add_meter();
  site.add_inverter("inv1", 10000, 9000);
  const auto lpp = site.points.declare("eebus/lpp_w", HEARTH_VALUE_DOUBLE, "W", 0);
  site.load_w = 1000;
  EnergySettings settings = zero_export();
  settings.feed_in_limit_w.reset();
  settings.external_feed_in_point = "eebus/lpp_w";
  start(settings);
  site.sample();
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 10000);
  manager->set_external_limits(4000, std::nullopt);
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 1000 + 4000 - kDeadbandW);
  site.sample();
  site.publish(lpp, 2000);  // the point is lower: it holds
  EXPECT_DOUBLE_EQ(limit_of("inv1"), 1000 + 2000 - kDeadbandW);
  EXPECT_EQ(manager->effective_feed_in_limit_w(), 2000);
  EXPECT_EQ(site.text_point("energy/binding_limit"), "external");
}

TEST_F(LimitsLayerTest, PhaseCurrentLimitCurtailsWhenOnePhaseExportsTooMuch) {
  site.add_meter("grid", true);
  site.add_inverter("inv1", 10000, 9000);
  site.load_w = 0;
  EnergySettings settings = zero_export();
  settings.feed_in_limit_w.reset();
  settings.phase_current_limit_a = 16;  // 3680 W per phase at 230 V
  start(settings);
  // L1 exports 5000 W (an unbalanced house), L2 and L3 1000 W each.
  site.phase_override_w = {-5000.0, -1000.0, -1000.0};
  site.sample(-7000);
  // L1 may take 3680 − 5000 = −1320 W more: the three-phase inverter changes it by a third.
  const double expected = 9000 + 3 * (3680 - 5000) - kDeadbandW;
  EXPECT_NEAR(limit_of("inv1"), expected, 1e-6);
  EXPECT_EQ(site.text_point("energy/binding_limit"), "phase-current");
}

}  // namespace
}  // namespace hearth::energy::test
