// PV-surplus priority: thresholds with hysteresis, minimum on and off times, EV current steps,
// SG Ready states, the owner's order, and no chatter under a noisy surplus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

using ::testing::ElementsAre;

SurplusLoadSettings load_settings(std::string id, int64_t min_on_s, int64_t min_off_s) {
  SurplusLoadSettings load;
  load.id = std::move(id);
  load.min_on_ms = min_on_s * 1000;
  load.min_off_ms = min_off_s * 1000;
  load.start_delay_ms = 0;  // these tests look at thresholds and minimum times alone
  load.stop_delay_ms = 0;
  return load;
}

class SurplusLoads : public ::testing::Test {
 protected:
  void configure(std::vector<SurplusLoadSettings> loads, std::vector<std::string> priority = {}) {
    settings.loads = std::move(loads);
    settings.surplus_priority = std::move(priority);
    dispatcher.update_settings(settings);
  }

  // Runs `seconds` one-second cycles with the surplus from `pv_at(t)`; returns the seconds
  // (from the start of this run) at which `id` changed on/off.
  template <typename PvAt>
  std::vector<int> switch_times(const std::string &id, int seconds, PvAt pv_at) {
    std::vector<int> changes;
    bool on = site.load(id).on;
    for (int t = 0; t < seconds; ++t) {
      site.pv_w = pv_at(t);
      site.cycle(dispatcher);
      if (site.load(id).on != on) changes.push_back(t);
      on = site.load(id).on;
    }
    return changes;
  }

  DispatchSettings settings = settings_in("UTC");
  SiteModel site;
  Dispatcher dispatcher{settings};
};

TEST_F(SurplusLoads, HeatingRodSwitchesAtTheExactSecondsTheRulesAllow) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 60, 60)});
  // Start at 2000 W of surplus, stop below 1000 W (half the start threshold by default).
  const auto pv_at = [](int t) {
    if (t < 30) return 2500.0;  // on at once
    if (t < 40) return 1200.0;  // inside the hysteresis band: stays on
    if (t < 70) return 800.0;   // below the stop threshold at 40 s, off at 60 s (minimum on)
    return 2500.0;              // enough again at 70 s, on at 120 s (minimum off)
  };
  EXPECT_THAT(switch_times("rod", 200, pv_at), ElementsAre(0, 60, 120));
}

TEST_F(SurplusLoads, StartAndStopDelaysIgnoreShortSurplusChanges) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  SurplusLoadSettings rod = load_settings("rod", 0, 0);
  rod.start_delay_ms = 30'000;
  rod.stop_delay_ms = 60'000;
  configure({rod});
  const auto pv_at = [](int t) {
    if (t < 10) return 3000.0;  // 10 s of surplus: too short to start
    if (t < 20) return 0.0;
    if (t < 100) return 3000.0;  // from 20 s: on at 50 s
    if (t < 150) return 0.0;     // a 50 s cloud: too short to stop
    if (t < 200) return 3000.0;
    return 0.0;  // gone from 200 s: off at 260 s
  };
  EXPECT_THAT(switch_times("rod", 300, pv_at), ElementsAre(50, 260));
}

TEST_F(SurplusLoads, PlanSaysWhyALoadIsHeld) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 60, 60)});
  site.pv_w = 2500;
  EXPECT_THAT(site.cycle(dispatcher).reasons, ElementsAre("rod: on (surplus 2500 W)"));
  site.pv_w = 0;
  EXPECT_THAT(site.cycle(dispatcher).reasons, ElementsAre("rod: stays on (minimum on time 60 s)"));
}

TEST_F(SurplusLoads, ExplicitThresholds) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  SurplusLoadSettings rod = load_settings("rod", 0, 0);
  rod.start_w = 2500;
  rod.stop_w = 1800;
  configure({rod});
  const auto pv_at = [](int t) {
    return t < 10 ? 2400.0 : t < 20 ? 2600.0 : t < 30 ? 1850.0 : 1700.0;
  };
  EXPECT_THAT(switch_times("rod", 40, pv_at), ElementsAre(10, 30));
}

TEST_F(SurplusLoads, NoChatterUnderANoisySineSurplus) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 300, 300)});
  std::mt19937 random(42);
  std::uniform_real_distribution<double> noise_w(-600, 600);
  // Two hours of a surplus swinging 600..3400 W every 4 minutes, with ±600 W of noise.
  const auto pv_at = [&](int t) {
    return 2000 + 1400 * std::sin(2 * std::numbers::pi * t / 240.0) + noise_w(random);
  };
  const std::vector<int> changes = switch_times("rod", 7200, pv_at);
  ASSERT_GE(changes.size(), 2u);
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_GE(changes[i] - changes[i - 1], 300) << "change " << i;
  }
  EXPECT_LE(changes.size(), 7200u / 300 + 1);
}

TEST_F(SurplusLoads, HysteresisAloneHoldsAgainstNoiseInsideTheBand) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 0, 0)});
  std::mt19937 random(7);
  std::uniform_real_distribution<double> noise_w(-450, 450);
  EXPECT_THAT(
      switch_times("rod", 600, [&](int t) { return t == 0 ? 2000.0 : 1500 + noise_w(random); }),
      ElementsAre(0));
}

TEST_F(SurplusLoads, EvChargerStepsItsCurrentInWholeAmperesFromSixUp) {
  LoadState &wallbox = site.add_load("wallbox", LoadKind::kEvCharger);
  wallbox.phases = 3;
  configure({load_settings("wallbox", 0, 0)});
  const auto current_after = [&](double pv_w, int seconds) {
    site.pv_w = pv_w;
    for (int t = 0; t < seconds; ++t) site.cycle(dispatcher);
    return site.load("wallbox").current_a;
  };
  EXPECT_EQ(current_after(4000, 1), 0);   // 6 A × 3 × 230 V = 4140 W needed
  EXPECT_EQ(current_after(5000, 1), 7);   // 7.2 A fit, at once when starting
  EXPECT_EQ(current_after(5600, 30), 7);  // 8 A needs 8.25 A of surplus (step hysteresis)
  EXPECT_EQ(current_after(5700, 10), 7);  // and for 10 s: the first cycle plus 9 s is not enough
  EXPECT_EQ(current_after(5700, 1), 8);
  EXPECT_EQ(current_after(5400, 1), 7);     // down at once: never import for the step
  EXPECT_EQ(current_after(20000, 11), 16);  // at most max_current_a
  EXPECT_EQ(current_after(3000, 1), 6);     // below 6 A but above the stop threshold: stays at 6 A
  EXPECT_EQ(current_after(2000, 1), 0);     // below half the start threshold: pauses
}

TEST_F(SurplusLoads, EvCurrentSettlesUnderANoisySurplusInsteadOfFollowingIt) {
  site.add_load("wallbox", LoadKind::kEvCharger).phases = 3;
  configure({load_settings("wallbox", 300, 300)});
  std::mt19937 random(3);
  std::uniform_real_distribution<double> noise_w(-600, 600);
  int changes = 0;
  double imported_wh = 0;
  double last_a = 0;
  // An hour around 8 kW (11.6 A) with a slow ±1 kW swing (20 min) and ±600 W of noise each second.
  for (int t = 0; t < 3600; ++t) {
    site.pv_w = 8000 + 1000 * std::sin(2 * std::numbers::pi * t / 1200.0) + noise_w(random);
    site.cycle(dispatcher);
    const double current_a = site.load("wallbox").current_a;
    if (current_a != last_a) ++changes;
    last_a = current_a;
    imported_wh += std::max(0.0, site.grid_power_w()) / 3600;
  }
  RecordProperty("current_changes_per_hour", changes);
  std::printf("EV current changes in the noisy hour: %d, grid import %.1f Wh\n", changes,
              imported_wh);
  EXPECT_LE(changes, 120);      // of 3600 cycles: the current does not follow the noise
  EXPECT_LT(imported_wh, 1.0);  // and it never charges from the grid for a step
}

TEST_F(SurplusLoads, SinglePhaseChargerStartsAtSixAmperesOf230Volts) {
  LoadState &wallbox = site.add_load("wallbox", LoadKind::kEvCharger);
  wallbox.phases = 1;
  configure({load_settings("wallbox", 0, 0)});
  site.pv_w = 1379;
  site.cycle(dispatcher);
  EXPECT_EQ(site.load("wallbox").current_a, 0);
  site.pv_w = 1380;
  site.cycle(dispatcher);
  EXPECT_EQ(site.load("wallbox").current_a, 6);
}

TEST_F(SurplusLoads, SgReadyGoesToThreeOnSurplusAndToFourOnlyWhenConfigured) {
  site.add_load("heatpump", LoadKind::kSgReady, 1500);
  configure({load_settings("heatpump", 0, 0)});
  const auto state_at = [&](double pv_w) {
    site.pv_w = pv_w;
    site.cycle(dispatcher);
    return site.load("heatpump").sg_state;
  };
  EXPECT_EQ(state_at(1000), 2);
  EXPECT_EQ(state_at(1600), 3);
  EXPECT_EQ(state_at(9000), 3);  // no boost_start_w: never 4
  SurplusLoadSettings boosted = load_settings("heatpump", 0, 0);
  boosted.boost_start_w = 5000;
  configure({boosted});
  EXPECT_EQ(state_at(5000), 4);
  EXPECT_EQ(state_at(4300), 4);  // boost stop: 5000 − (1500 − 750) = 4250 W
  EXPECT_EQ(state_at(4200), 3);
  EXPECT_EQ(state_at(500), 2);
}

TEST_F(SurplusLoads, SgReadyStateFourWaitsForTheMinimumOnTime) {
  site.add_load("heatpump", LoadKind::kSgReady, 1500);
  SurplusLoadSettings heatpump = load_settings("heatpump", 600, 600);
  heatpump.boost_start_w = 5000;
  configure({heatpump});
  site.pv_w = 2000;
  site.cycle(dispatcher);
  site.pv_w = 6000;  // a large surplus 1 s later: state 4 only once state 3 has run 600 s
  std::vector<int> states;
  for (int t = 1; t <= 601; ++t) {
    site.cycle(dispatcher);
    if (t == 1 || t == 599 || t == 600) states.push_back(site.load("heatpump").sg_state);
  }
  EXPECT_THAT(states, ElementsAre(3, 3, 4));
}

TEST_F(SurplusLoads, TheOwnersOrderDecidesWhoGetsTheSurplus) {
  site.add_battery("inverter-1", 50, 3000);
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  site.add_load("pool", LoadKind::kSwitchable, 1000);
  configure({load_settings("rod", 0, 0), load_settings("pool", 0, 0)},
            {"pool", "inverter-1/battery", "rod"});
  site.pv_w = 3500;
  DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_TRUE(find_load(plan, "pool")->on);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 2500);
  EXPECT_FALSE(find_load(plan, "rod")->on);
  site.pv_w = 6500;  // the battery is full at 3000 W: 2500 W left for the rod
  plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 3000);
  EXPECT_TRUE(find_load(plan, "rod")->on);
  EXPECT_DOUBLE_EQ(site.grid_power_w(), -500);
}

TEST_F(SurplusLoads, DefaultOrderIsBatteryThenChargerThenHeatPumpThenSwitches) {
  site.add_load("rod", LoadKind::kSwitchable, 1000);
  site.add_load("heatpump", LoadKind::kSgReady, 1000);
  site.add_battery("inverter-1", 50, 1000);
  configure({load_settings("rod", 0, 0), load_settings("heatpump", 0, 0)});
  site.pv_w = 2500;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 1000);
  EXPECT_EQ(find_load(plan, "heatpump")->sg_state, 3);
  EXPECT_FALSE(find_load(plan, "rod")->on);
}

TEST_F(SurplusLoads, BatteryDischargeNeverFeedsSurplusLoads) {
  site.add_battery("inverter-1", 80, 5000);
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 0, 0)});
  site.house_w = 1000;
  site.pv_w = 500;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, -500);
  EXPECT_FALSE(find_load(plan, "rod")->on);
}

TEST_F(SurplusLoads, PowerLimitableLoadTakesWhatIsLeft) {
  site.add_load("rod", LoadKind::kPowerLimitable, 3000);
  configure({load_settings("rod", 0, 0)});
  site.pv_w = 1800;
  site.house_w = 300;
  DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_TRUE(find_load(plan, "rod")->on);
  EXPECT_DOUBLE_EQ(*find_load(plan, "rod")->consumption_limit_w, 1500);
  site.pv_w = 9000;
  plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(*find_load(plan, "rod")->consumption_limit_w, 3000);
}

TEST_F(SurplusLoads, UnconfiguredAndOfflineLoadsGetNoTarget) {
  site.add_load("fridge", LoadKind::kSwitchable, 100);
  site.add_load("rod", LoadKind::kSwitchable, 2000).online = false;
  configure({load_settings("rod", 0, 0)});
  site.pv_w = 5000;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(find_load(plan, "fridge"), nullptr);
  EXPECT_EQ(find_load(plan, "rod"), nullptr);
}

TEST_F(SurplusLoads, StaleMeterStopsSurplusLoadsAfterTheirMinimumOnTime) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 30, 0)});
  site.pv_w = 3000;
  site.cycle(dispatcher);
  site.meter_fresh = false;
  EXPECT_THAT(switch_times("rod", 60, [](int) { return 3000.0; }), ElementsAre(29));
}

TEST_F(SurplusLoads, NewSettingsKeepTheLoadsStateAndTimers) {
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 60, 60)});
  site.pv_w = 2500;
  site.cycle(dispatcher);  // on at t = 0
  SurplusLoadSettings longer = load_settings("rod", 120, 60);
  configure({longer});  // a run-time override: 120 s minimum on, counted from t = 0
  // The run below starts 1 s after the switch-on: off at its 119th second.
  EXPECT_THAT(switch_times("rod", 150, [](int) { return 0.0; }), ElementsAre(119));
}

TEST_F(SurplusLoads, CurtailedPvLetsALoadStart) {
  // 0 W feed-in: the inverter is capped at the house load, so the measured surplus is 0.
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  configure({load_settings("rod", 0, 0)});
  site.house_w = 500;
  site.pv_w = 500;
  SiteSnapshot snapshot = site.snapshot();
  snapshot.inverters[0].limit_w = 500;
  snapshot.inverters[0].rated_w = 5000;
  // An uncapped inverter of the same size makes 3000 W.
  snapshot.inverters.push_back(make_inverter("inverter-2", 3000, 5000));
  snapshot.grid_power_w = -3000;  // the reference's output goes out (no limit on it here)
  snapshot.pv_available_w = 3500;
  dispatcher.step(snapshot);
  EXPECT_EQ(dispatcher.pv_estimate().method, "reference");
  EXPECT_DOUBLE_EQ(dispatcher.pv_estimate().available_w, 6000);
  EXPECT_TRUE(find_load(dispatcher.step(snapshot), "rod")->on);
}

}  // namespace
}  // namespace hearth::energy::testing
