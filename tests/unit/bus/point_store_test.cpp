#include <gtest/gtest.h>

#include <cmath>
#include <hearth/bus/point_store.hpp>
#include <limits>

#include "values.hpp"

namespace hearth::bus {
namespace {

using testing::bool_value;
using testing::double_value;
using testing::int_value;
using testing::string_value;

class PointStoreTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  PointStore points_{clock_};
};

TEST_F(PointStoreTest, DeclareGivesStableIdsAndRefusesAnotherType) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 2000);
  const PointId soc = points_.declare("battery-1/soc_pct", HEARTH_VALUE_DOUBLE, "%", 10000);
  ASSERT_GE(grid, 0);
  ASSERT_GE(soc, 0);
  EXPECT_NE(grid, soc);
  EXPECT_EQ(points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000), grid);
  EXPECT_EQ(points_.info(grid)->max_age_ms, 1000u);  // the newer declaration's max age wins

  EXPECT_EQ(points_.declare("meter-1/power_w", HEARTH_VALUE_INT, "W", 1000), HEARTH_E_INVALID);
  EXPECT_NE(points_.last_error().find("already declared as double, not int"), std::string::npos)
      << points_.last_error();
  EXPECT_EQ(points_.stats().refused_declares, 1u);
  EXPECT_EQ(points_.find("meter-1/power_w"), grid);
  EXPECT_FALSE(points_.find("meter-2/power_w"));
  ASSERT_EQ(points_.list().size(), 2u);
  EXPECT_EQ(points_.list()[1].name, "battery-1/soc_pct");
  EXPECT_EQ(points_.list()[1].unit, "%");
}

TEST_F(PointStoreTest, DeclareRefusesMalformedNamesAndTypes) {
  EXPECT_EQ(points_.declare("no_slash", HEARTH_VALUE_DOUBLE, "W", 0), HEARTH_E_INVALID);
  EXPECT_NE(points_.last_error().find("'<device>/<name>'"), std::string::npos);
  EXPECT_EQ(points_.declare("/power_w", HEARTH_VALUE_DOUBLE, "W", 0), HEARTH_E_INVALID);
  EXPECT_EQ(points_.declare("meter-1/", HEARTH_VALUE_DOUBLE, "W", 0), HEARTH_E_INVALID);
  EXPECT_EQ(points_.declare("meter-1/x", HEARTH_VALUE_NONE, "W", 0), HEARTH_E_INVALID);
  EXPECT_EQ(points_.declare("meter-1/x", 99, "W", 0), HEARTH_E_INVALID);
  EXPECT_EQ(points_.declare("m/" + std::string(300, 'x'), HEARTH_VALUE_INT, "", 0),
            HEARTH_E_INVALID);
  EXPECT_EQ(points_.stats().refused_declares, 6u);
  EXPECT_EQ(points_.size(), 0u);
}

TEST_F(PointStoreTest, SampleTurnsStaleOnlyAfterItsMaxAge) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 2000);
  EXPECT_FALSE(points_.get(grid).has_value);
  EXPECT_EQ(points_.get(grid).quality, HEARTH_QUALITY_STALE);

  const int64_t sampled = clock_.mono_ns();
  ASSERT_EQ(points_.publish(grid, double_value(-1500.0), sampled, HEARTH_QUALITY_GOOD), HEARTH_OK);
  clock_.advance_ms(300);
  PointSample sample = points_.get(grid);
  EXPECT_TRUE(sample.has_value);
  EXPECT_DOUBLE_EQ(sample.value.as.d, -1500.0);
  EXPECT_EQ(sample.sampled_mono_ns, sampled);
  EXPECT_EQ(sample.age_ms, 300);
  EXPECT_EQ(sample.quality, HEARTH_QUALITY_GOOD);

  clock_.advance_ms(1700);  // exactly the max age: still fresh
  EXPECT_EQ(points_.get(grid).quality, HEARTH_QUALITY_GOOD);
  clock_.advance_ns(1);
  sample = points_.get(grid);
  EXPECT_EQ(sample.quality, HEARTH_QUALITY_STALE);
  EXPECT_EQ(sample.age_ms, 2000);
  EXPECT_DOUBLE_EQ(sample.value.as.d, -1500.0);  // the last value stays readable

  ASSERT_EQ(points_.publish(grid, double_value(200.0), clock_.mono_ns(), HEARTH_QUALITY_GOOD),
            HEARTH_OK);
  EXPECT_EQ(points_.get(grid).quality, HEARTH_QUALITY_GOOD);
}

TEST_F(PointStoreTest, ZeroMaxAgeNeverTurnsStaleAndZeroSampleTimeMeansNow) {
  const PointId rated = points_.declare("inverter-1/rated_w", HEARTH_VALUE_INT, "W", 0);
  ASSERT_EQ(points_.publish(rated, int_value(10000), 0, HEARTH_QUALITY_GOOD), HEARTH_OK);
  EXPECT_EQ(points_.get(rated).sampled_mono_ns, clock_.mono_ns());
  clock_.advance_ms(86'400'000);
  EXPECT_EQ(points_.get(rated).quality, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(points_.get(rated).value.as.i, 10000);
}

TEST_F(PointStoreTest, LateSampleIsDeliveredAlreadyStale) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  PointSample delivered;
  points_.subscribe(grid, [&](PointId, const PointSample &sample) { delivered = sample; });
  const int64_t old_sample = clock_.mono_ns();
  clock_.advance_ms(1500);
  ASSERT_EQ(points_.publish(grid, double_value(1.0), old_sample, HEARTH_QUALITY_GOOD), HEARTH_OK);
  EXPECT_EQ(delivered.quality, HEARTH_QUALITY_STALE);
  EXPECT_EQ(delivered.age_ms, 1500);
}

TEST_F(PointStoreTest, InvalidQualityFromTheDeviceIsKept) {
  const PointId temp = points_.declare("heatpump-1/flow_degC", HEARTH_VALUE_DOUBLE, "degC", 5000);
  ASSERT_EQ(points_.publish(temp, double_value(-273.0), 0, HEARTH_QUALITY_INVALID), HEARTH_OK);
  EXPECT_EQ(points_.get(temp).quality, HEARTH_QUALITY_INVALID);
}

TEST_F(PointStoreTest, PublishRefusesWrongTypesBadValuesAndUnknownIds) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  const PointId on = points_.declare("switch-1/on", HEARTH_VALUE_BOOL, "", 1000);
  const PointId state = points_.declare("charger-1/state", HEARTH_VALUE_STRING, "", 1000);
  int deliveries = 0;
  points_.subscribe_prefix("", [&](PointId, const PointSample &) { ++deliveries; });

  EXPECT_EQ(points_.publish(grid, int_value(5), 0, HEARTH_QUALITY_GOOD), HEARTH_E_INVALID);
  EXPECT_NE(points_.last_error().find("holds double, not int"), std::string::npos)
      << points_.last_error();
  EXPECT_EQ(points_.publish(grid, double_value(std::nan("")), 0, HEARTH_QUALITY_GOOD),
            HEARTH_E_INVALID);
  EXPECT_EQ(points_.publish(grid, double_value(std::numeric_limits<double>::infinity()), 0,
                            HEARTH_QUALITY_GOOD),
            HEARTH_E_INVALID);
  EXPECT_EQ(points_.publish(grid, double_value(1.0), 0, HEARTH_QUALITY_STALE), HEARTH_E_INVALID);
  hearth_value bad_bool = bool_value(true);
  bad_bool.as.b = 7;
  EXPECT_EQ(points_.publish(on, bad_bool, 0, HEARTH_QUALITY_GOOD), HEARTH_E_INVALID);
  hearth_value unterminated = string_value("charging");
  std::memset(unterminated.as.s, 'x', sizeof(unterminated.as.s));
  EXPECT_EQ(points_.publish(state, unterminated, 0, HEARTH_QUALITY_GOOD), HEARTH_E_INVALID);
  EXPECT_EQ(points_.publish(99, double_value(1.0), 0, HEARTH_QUALITY_GOOD), HEARTH_E_NOT_FOUND);
  EXPECT_EQ(points_.publish(-1, double_value(1.0), 0, HEARTH_QUALITY_GOOD), HEARTH_E_NOT_FOUND);

  EXPECT_EQ(points_.stats().refused_publishes, 8u);
  EXPECT_EQ(points_.stats().publishes, 0u);
  EXPECT_EQ(deliveries, 0);
  EXPECT_FALSE(points_.get(grid).has_value);

  EXPECT_EQ(points_.publish(state, string_value("charging"), 0, HEARTH_QUALITY_GOOD), HEARTH_OK);
  EXPECT_STREQ(points_.get(state).value.as.s, "charging");
  EXPECT_FALSE(points_.get(1234).has_value);
}

TEST_F(PointStoreTest, SubscribersGetEveryPublishOfTheirPointsOnly) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  const PointId pv = points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  std::vector<double> grid_seen;
  points_.subscribe(grid, [&](PointId id, const PointSample &sample) {
    EXPECT_EQ(id, grid);
    grid_seen.push_back(sample.value.as.d);
  });
  points_.publish(grid, double_value(1.0), 0, HEARTH_QUALITY_GOOD);
  points_.publish(pv, double_value(2.0), 0, HEARTH_QUALITY_GOOD);
  points_.publish(grid, double_value(3.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(grid_seen, (std::vector<double>{1.0, 3.0}));
  EXPECT_EQ(points_.stats().deliveries, 2u);
  EXPECT_EQ(points_.subscribe(77, [](PointId, const PointSample &) {}), 0u);
}

TEST_F(PointStoreTest, PrefixSubscriptionCoversPointsDeclaredLater) {
  points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  std::vector<std::string> seen;
  points_.subscribe_prefix("inverter-1/", [&](PointId id, const PointSample &) {
    seen.push_back(points_.info(id)->name);
  });
  const PointId later = points_.declare("inverter-1/state", HEARTH_VALUE_STRING, "", 1000);
  const PointId other = points_.declare("inverter-10/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  points_.publish(*points_.find("inverter-1/power_w"), double_value(5.0), 0, HEARTH_QUALITY_GOOD);
  points_.publish(later, string_value("running"), 0, HEARTH_QUALITY_GOOD);
  points_.publish(other, double_value(6.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(seen, (std::vector<std::string>{"inverter-1/power_w", "inverter-1/state"}));
}

TEST_F(PointStoreTest, UnsubscribeStopsDeliveryAndStaleIdsDoNothing) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  int first = 0;
  int second = 0;
  const SubscriptionId one =
      points_.subscribe(grid, [&](PointId, const PointSample &) { ++first; });
  const SubscriptionId prefix =
      points_.subscribe_prefix("meter-1/", [&](PointId, const PointSample &) { ++second; });
  points_.publish(grid, double_value(1.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_TRUE(points_.unsubscribe(one));
  EXPECT_FALSE(points_.unsubscribe(one));
  points_.publish(grid, double_value(2.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_TRUE(points_.unsubscribe(prefix));
  points_.publish(grid, double_value(3.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);

  // The freed slot is reused; the old id must not remove the new subscription.
  int third = 0;
  points_.subscribe(grid, [&](PointId, const PointSample &) { ++third; });
  EXPECT_FALSE(points_.unsubscribe(one));
  points_.publish(grid, double_value(4.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(third, 1);
}

TEST_F(PointStoreTest, CallbacksMayUnsubscribeSubscribeAndDeclareDuringDelivery) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  int once_calls = 0;
  int added_calls = 0;
  int after_calls = 0;
  SubscriptionId once = 0;
  once = points_.subscribe(grid, [&](PointId, const PointSample &) {
    ++once_calls;
    points_.unsubscribe(once);
    points_.subscribe(grid, [&](PointId, const PointSample &) { ++added_calls; });
    for (int i = 0; i < 50; ++i) {  // enough to move the points vector
      points_.declare("extra/p" + std::to_string(i), HEARTH_VALUE_INT, "", 0);
    }
  });
  points_.subscribe(grid, [&](PointId, const PointSample &) { ++after_calls; });
  points_.publish(grid, double_value(1.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(once_calls, 1);
  EXPECT_EQ(added_calls, 0);  // added during the delivery: first called on the next publish
  EXPECT_EQ(after_calls, 1);
  points_.publish(grid, double_value(2.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(once_calls, 1);
  EXPECT_EQ(added_calls, 1);
  EXPECT_EQ(after_calls, 2);
}

TEST_F(PointStoreTest, SubscriberRemovedByAnEarlierOneInTheSameDeliveryIsNotCalled) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  SubscriptionId victim = 0;
  int victim_calls = 0;
  points_.subscribe(grid, [&](PointId, const PointSample &) { points_.unsubscribe(victim); });
  victim = points_.subscribe(grid, [&](PointId, const PointSample &) { ++victim_calls; });
  points_.publish(grid, double_value(1.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(victim_calls, 0);
}

TEST_F(PointStoreTest, SubscriberMayPublishADerivedPoint) {
  const PointId grid = points_.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  const PointId export_w = points_.declare("site/export_w", HEARTH_VALUE_DOUBLE, "W", 1000);
  points_.subscribe(grid, [&](PointId, const PointSample &sample) {
    points_.publish(export_w, double_value(std::max(0.0, -sample.value.as.d)),
                    sample.sampled_mono_ns, HEARTH_QUALITY_GOOD);
  });
  points_.publish(grid, double_value(-800.0), 0, HEARTH_QUALITY_GOOD);
  EXPECT_DOUBLE_EQ(points_.get(export_w).value.as.d, 800.0);
}

}  // namespace
}  // namespace hearth::bus
