// The limits layer's arithmetic alone, and the meter watch.
#include <gtest/gtest.h>

#include <hearth/energy/limits.hpp>
#include <hearth/energy/meter_watch.hpp>

namespace hearth::energy {
namespace {

GridReading grid_of(double power_w) {
  GridReading grid;
  grid.power_w = power_w;
  return grid;
}

std::vector<InverterInput> three_inverters() {
  return {{"a", 10000, true, 5000, std::nullopt},
          {"b", 6000, true, 3000, std::nullopt},
          {"c", 4000, true, 2000, std::nullopt}};
}

TEST(DecideLimits, FeedInBudgetIsLoadPlusLimitAndSettlesInOneStep) {
  LimitInputs inputs;
  inputs.feed_in_limit_w = 600;
  inputs.margin_w = 50;
  auto inverters = three_inverters();  // 10 kW out
  GridReading grid = grid_of(-7000);   // load 3 kW
  const auto decision = decide_limits(grid, inputs, inverters, 100);
  ASSERT_TRUE(decision.pv_total_w);
  EXPECT_DOUBLE_EQ(*decision.pv_total_w, 3000 + 600 - 50);
  EXPECT_TRUE(decision.export_violation);
  EXPECT_EQ(decision.binding, Binding::feed_in);
  // Applied: the same load now reads 3550 − 3000 = 550 W export; the decision stays.
  for (auto &inverter : inverters) inverter.ac_power_w *= 3550.0 / 10000.0;
  const auto again = decide_limits(grid_of(-550), inputs, inverters, 100);
  EXPECT_NEAR(*again.pv_total_w, 3550, 1e-9);
  EXPECT_FALSE(again.export_violation);
}

TEST(DecideLimits, UnreachableInverterCountsAtItsRatedPower) {
  LimitInputs inputs;
  inputs.feed_in_limit_w = 0;
  inputs.margin_w = 0;
  auto inverters = three_inverters();
  inverters[2].reachable = false;
  const auto decision = decide_limits(grid_of(1000), inputs, inverters, 0);
  // Total 1000 + 8000 = 9000; minus c's 4000 W for the reachable two, by rating 10:6.
  ASSERT_EQ(decision.inverters.size(), 2u);
  EXPECT_NEAR(decision.inverters[0].limit_w, 5000 * 10.0 / 16.0, 1e-9);
  EXPECT_NEAR(decision.inverters[1].limit_w, 5000 * 6.0 / 16.0, 1e-9);
}

TEST(DecideLimits, NoLimitMeansUncapped) {
  const auto decision = decide_limits(grid_of(-9000), LimitInputs{}, three_inverters(), 100);
  EXPECT_FALSE(decision.pv_total_w);
  for (const auto &limit : decision.inverters) EXPECT_TRUE(limit.uncapped);
  EXPECT_FALSE(decision.import_limited);
}

TEST(DecideLimits, ImportSideTakesTheMostDemandingLimitAndTheFuse) {
  LimitInputs inputs;
  inputs.import_limit_w = 8000;
  inputs.external_import_w = 6000;
  inputs.phase_current_limit_a = 10;  // 2300 W per phase
  inputs.margin_w = 0;
  GridReading grid = grid_of(7000);
  grid.phase_power_w = {3000.0, 2000.0, 2000.0};
  const auto decision = decide_limits(grid, inputs, {}, 0);
  EXPECT_TRUE(decision.import_limited);
  // External: 1000 W over; L1: 700 W over, ×3 for a balanced supply = 2100 W.
  EXPECT_DOUBLE_EQ(decision.import_excess_w, 2100);
}

TEST(DecideLimits, SinglePhaseSiteUsesL1Only) {
  LimitInputs inputs;
  inputs.phase_current_limit_a = 20;  // 4600 W
  inputs.single_phase = true;
  inputs.margin_w = 0;
  std::vector<InverterInput> one{{"a", 6000, true, 6000, std::nullopt}};
  GridReading grid = grid_of(-5500);
  grid.phase_power_w[0] = -5500.0;
  const auto decision = decide_limits(grid, inputs, one, 0);
  EXPECT_DOUBLE_EQ(*decision.pv_total_w, 6000 - 900);
}

TEST(SplitPvLimit, ByRatingWhenEveryoneProduces) {
  const auto limits = split_pv_limit(4000, three_inverters(), 100);
  EXPECT_DOUBLE_EQ(limits[0].limit_w, 2000);
  EXPECT_DOUBLE_EQ(limits[1].limit_w, 1200);
  EXPECT_DOUBLE_EQ(limits[2].limit_w, 800);
}

TEST(SplitPvLimit, BudgetAboveTheRatingsIsUncapped) {
  const auto limits = split_pv_limit(25000, three_inverters(), 100);
  for (const auto &limit : limits) EXPECT_TRUE(limit.uncapped);
}

TEST(SplitPvLimit, AShortInverterLeavesItsShareButOneAtItsCapDoesNot) {
  auto inverters = three_inverters();
  inverters[1].ac_power_w = 500;  // b: shade, far below its share of 4000 W
  auto limits = split_pv_limit(4000, inverters, 100);
  EXPECT_DOUBLE_EQ(limits[1].limit_w, 600);
  EXPECT_NEAR(limits[0].limit_w + limits[2].limit_w, 3500, 1e-9);  // b's actual output is taken
  inverters[1].cap_w = 500;  // the same output, but now because of its cap: it keeps its share
  limits = split_pv_limit(4000, inverters, 100);
  EXPECT_DOUBLE_EQ(limits[1].limit_w, 1200);
}

TEST(SplitByRating, FailSafeShares) {
  const auto limits = split_by_rating(2000, three_inverters());
  EXPECT_DOUBLE_EQ(limits[0].limit_w, 1000);
  EXPECT_DOUBLE_EQ(limits[1].limit_w, 600);
  EXPECT_DOUBLE_EQ(limits[2].limit_w, 400);
}

TEST(LimitWriteNeeded, Rules) {
  EXPECT_TRUE(limit_write_needed(std::nullopt, 5000, 0, 50, 100));  // first
  EXPECT_FALSE(limit_write_needed(5000, 5040, 5000, 50, 100));      // in the deadband
  EXPECT_TRUE(limit_write_needed(5000, 4000, 4900, 50, 100));       // tightening that binds
  EXPECT_FALSE(limit_write_needed(5000, 4000, 1000, 50, 100));      // far above the output
  EXPECT_TRUE(limit_write_needed(5000, 6000, 4950, 50, 100));       // loosening at the cap
  EXPECT_FALSE(limit_write_needed(5000, 6000, 3000, 50, 100));      // below the cap anyway
}

TEST(BatteryPowerForImport, SharesByDischargeRatingWithinLimits) {
  std::vector<BatteryInput> batteries{
      {"a", true, 0, 5000}, {"b", true, -1000, 2500}, {"c", false, 0, 5000}};
  const auto targets = battery_power_for_import(3000, batteries);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_DOUBLE_EQ(targets[0].power_w, -2000);
  EXPECT_DOUBLE_EQ(targets[1].power_w, -2000);
  const auto capped = battery_power_for_import(30000, batteries);
  EXPECT_DOUBLE_EQ(capped[0].power_w, -5000);
  EXPECT_DOUBLE_EQ(capped[1].power_w, -2500);
}

TEST(MeterWatch, FrozenNeedsNIdenticalSamplesAndMovingInverters) {
  MeterWatch watch({5, 50, 200, 5'000'000'000});
  for (int i = 0; i < 5; ++i) watch.on_power(-120.5, 1000, i * 500'000'000LL);
  EXPECT_FALSE(watch.frozen());  // the inverters did not move
  for (int i = 0; i < 4; ++i) watch.on_power(-120.5, 1000 + 100 * i, (5 + i) * 500'000'000LL);
  EXPECT_TRUE(watch.frozen());
  watch.on_power(-120.25, 1300, 10 * 500'000'000LL);  // a different bit pattern
  EXPECT_FALSE(watch.frozen());
}

TEST(MeterWatch, CountersStopOnlyAfterTheExpectedEnergy) {
  MeterWatch watch({5, 50, 200, 5'000'000'000});
  watch.on_import_counter(100);
  for (int i = 0; i <= 60; ++i) watch.on_power(2000 + i, 0, i * 1'000'000'000LL);  // ~34 Wh
  watch.on_import_counter(100);
  EXPECT_FALSE(watch.counters_stopped());
  for (int i = 61; i <= 100; ++i) watch.on_power(2000 + i, 0, i * 1'000'000'000LL);  // ~57 Wh
  watch.on_import_counter(100);
  EXPECT_TRUE(watch.counters_stopped());
  watch.on_import_counter(160);
  EXPECT_FALSE(watch.counters_stopped());
}

TEST(MeterWatch, GapsDoNotCountAsFlow) {
  MeterWatch watch({5, 50, 200, 2'000'000'000});
  watch.on_export_counter(10);
  watch.on_power(-5000, 0, 0);
  watch.on_power(-5000, 0, 600'000'000'000LL);  // 10 min later: only 2 s count
  watch.on_export_counter(10);
  EXPECT_FALSE(watch.counters_stopped());
}

}  // namespace
}  // namespace hearth::energy
