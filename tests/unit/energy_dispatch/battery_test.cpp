// Maximum self-consumption: the battery takes the surplus and covers the deficit within its SOC
// bounds and power limits; several batteries share in proportion or by priority.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hearth/energy/battery_allocation.hpp"
#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(SharePower, InProportionToTheLimits) {
  const double limits_w[] = {5000, 2500, 0};
  EXPECT_THAT(share_power(3000, limits_w, BatterySharing::kProportional),
              ElementsAre(DoubleNear(2000, 1e-9), DoubleNear(1000, 1e-9), 0));
  EXPECT_THAT(share_power(9000, limits_w, BatterySharing::kProportional),
              ElementsAre(5000, 2500, 0));
}

TEST(SharePower, InOrderFillsTheFirstFirst) {
  const double limits_w[] = {2000, 5000};
  EXPECT_THAT(share_power(3000, limits_w, BatterySharing::kPriority), ElementsAre(2000, 1000));
  EXPECT_THAT(share_power(-5, limits_w, BatterySharing::kPriority), ElementsAre(0, 0));
}

class SelfConsumption : public ::testing::Test {
 protected:
  SiteModel site;
  Dispatcher dispatcher{settings_in("UTC")};
};

TEST_F(SelfConsumption, BatteryTakesTheSurplusAndTheGridSettlesAtZero) {
  site.add_battery("inverter-1", 50, 5000);
  site.pv_w = 4000;
  site.house_w = 1000;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(plan.mode_in_effect, "self-consumption");
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 3000);
  EXPECT_DOUBLE_EQ(site.grid_power_w(), 0);
  // The next cycle sees the battery's own power in the grid balance and keeps it.
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, 3000);
}

TEST_F(SelfConsumption, BatteryCoversTheDeficitUpToItsLimit) {
  site.add_battery("inverter-1", 50, 2500);
  site.pv_w = 500;
  site.house_w = 2000;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, -1500);
  site.house_w = 5000;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, -2500);
  EXPECT_DOUBLE_EQ(site.grid_power_w(), 2000);
}

TEST_F(SelfConsumption, SocBoundsStopChargingAndDischarging) {
  site.add_battery("inverter-1", 100, 5000);
  site.pv_w = 4000;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, 0);
  site.battery("inverter-1").soc_pct = 10;  // soc_min_pct default
  site.pv_w = 0;
  site.house_w = 1000;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, 0);
  site.battery("inverter-1").soc_pct = 10.5;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, -1000);
}

TEST_F(SelfConsumption, CustomSocBounds) {
  DispatchSettings settings = settings_in("UTC");
  settings.soc_min_pct = 30;
  settings.soc_max_pct = 80;
  dispatcher.update_settings(settings);
  site.add_battery("inverter-1", 80, 5000);
  site.pv_w = 3000;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, 0);
  site.battery("inverter-1").soc_pct = 30;
  site.pv_w = 0;
  site.house_w = 500;
  EXPECT_DOUBLE_EQ(find_battery(site.cycle(dispatcher), "inverter-1")->power_w, 0);
}

TEST_F(SelfConsumption, TwoBatteriesShareInProportionToTheirLimits) {
  site.add_battery("inverter-1", 50, 5000);
  site.add_battery("inverter-2", 50, 2500);
  site.pv_w = 4000;
  site.house_w = 1000;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 2000);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-2")->power_w, 1000);
  site.pv_w = 0;
  site.battery("inverter-2").soc_pct = 5;  // empty: the other covers alone
  const DispatchPlan night = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(night, "inverter-1")->power_w, -1000);
  EXPECT_DOUBLE_EQ(find_battery(night, "inverter-2")->power_w, 0);
}

TEST_F(SelfConsumption, TwoBatteriesByPriorityFillTheFirstListed) {
  DispatchSettings settings = settings_in("UTC");
  settings.battery_sharing = BatterySharing::kPriority;
  settings.surplus_priority = {"inverter-2/battery", "inverter-1/battery"};
  dispatcher.update_settings(settings);
  site.add_battery("inverter-1", 50, 5000);
  site.add_battery("inverter-2", 50, 2500);
  site.pv_w = 4000;
  site.house_w = 500;
  DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-2")->power_w, 2500);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 1000);
  site.pv_w = 0;
  site.house_w = 3000;
  plan = site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-2")->power_w, -2500);
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, -500);
  EXPECT_DOUBLE_EQ(site.grid_power_w(), 0);
}

TEST_F(SelfConsumption, OfflineBatteryGetsNoTarget) {
  site.add_battery("inverter-1", 50, 5000).online = false;
  site.pv_w = 2000;
  EXPECT_EQ(find_battery(site.cycle(dispatcher), "inverter-1"), nullptr);
}

TEST_F(SelfConsumption, DischargeNeverExports) {
  // The house needs 800 W: the battery gives 800 W even with an unlimited feed-in, never more.
  site.add_battery("inverter-1", 90, 5000);
  site.house_w = 800;
  site.cycle(dispatcher);
  EXPECT_DOUBLE_EQ(site.grid_power_w(), 0);
}

TEST_F(SelfConsumption, StaleMeterIdlesTheBatteries) {
  site.add_battery("inverter-1", 50, 5000);
  site.pv_w = 3000;
  site.meter_fresh = false;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(plan.mode_in_effect, "hold (meter stale)");
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 0);
}

TEST_F(SelfConsumption, CostOptimalFallsBackAndSaysWhy) {
  dispatcher.update_settings(settings_in("UTC", DispatchMode::kCostOptimal));
  site.add_battery("inverter-1", 50, 5000);
  site.pv_w = 1000;
  const DispatchPlan plan = site.cycle(dispatcher);
  EXPECT_EQ(plan.mode_in_effect, "self-consumption");
  EXPECT_THAT(plan.reasons, ElementsAre("cost-optimal: no planner yet, self-consumption"));
  EXPECT_DOUBLE_EQ(find_battery(plan, "inverter-1")->power_w, 1000);
}

TEST_F(SelfConsumption, UnknownTimeZoneFallsBackToUtcAndSaysSo) {
  Dispatcher lost(settings_in("Mars/Olympus_Mons"));
  const DispatchPlan plan = lost.step(site.snapshot());
  ASSERT_FALSE(plan.reasons.empty());
  EXPECT_THAT(plan.reasons[0], ::testing::HasSubstr("Mars/Olympus_Mons"));
}

}  // namespace
}  // namespace hearth::energy::testing
