#include <gtest/gtest.h>

#include <hearth/bus/health_registry.hpp>

namespace hearth::bus {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(HealthRegistry, TracksStateReasonAndSinceTime) {
  HealthRegistry health;
  std::vector<DeviceHealth> events;
  health.add_listener([&](const DeviceHealth &device) { events.push_back(device); });

  EXPECT_FALSE(health.get("meter-1"));
  EXPECT_TRUE(health.set("meter-1", true, "", kT0));
  EXPECT_FALSE(health.set("meter-1", true, "", kT0 + 1000));  // a repeat is not a change
  EXPECT_TRUE(health.set("meter-1", false, "no answer from unit 1", kT0 + 2000));
  EXPECT_TRUE(health.set("meter-1", false, "CRC errors", kT0 + 3000));

  const auto meter = health.get("meter-1");
  ASSERT_TRUE(meter);
  EXPECT_FALSE(meter->online);
  EXPECT_EQ(meter->reason, "CRC errors");
  EXPECT_EQ(meter->since_wall_ms, kT0 + 2000);  // offline since the transition, not the reason
  EXPECT_EQ(meter->transitions, 1u);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].online);
  EXPECT_EQ(events[1].reason, "no answer from unit 1");
  EXPECT_EQ(health.offline_count(), 1u);
}

TEST(HealthRegistry, ListsDevicesSortedAndForgetsRemovedOnes) {
  HealthRegistry health;
  health.set("inverter-2", true, "", kT0);
  health.set("battery-1", false, "starting", kT0);
  health.set("inverter-1", true, "", kT0);
  const auto all = health.all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].device, "battery-1");
  EXPECT_EQ(all[2].device, "inverter-2");
  health.remove("battery-1");
  EXPECT_FALSE(health.get("battery-1"));
  EXPECT_EQ(health.offline_count(), 0u);
}

TEST(HealthRegistry, ListenerMayRemoveTheDeviceItIsToldAbout) {
  HealthRegistry health;
  std::string seen;
  health.add_listener([&](const DeviceHealth &device) { health.remove(device.device); });
  health.add_listener([&](const DeviceHealth &device) { seen = device.reason; });
  health.set("x", false, "gone", kT0);
  EXPECT_EQ(seen, "gone");
  EXPECT_FALSE(health.get("x"));
}

}  // namespace
}  // namespace hearth::bus
