#include <gtest/gtest.h>
#include <hearth/plugin.h>

#include <hearth/bus/alarm_registry.hpp>

namespace hearth::bus {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

struct Event {
  AlarmChange change;
  std::string source;
  int32_t code;
  int32_t severity;
  std::string text;
};

class AlarmRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alarms_.add_listener([this](AlarmChange change, const Alarm &alarm) {
      events_.push_back({change, alarm.source, alarm.code, alarm.severity, alarm.text});
    });
  }
  AlarmRegistry alarms_;
  std::vector<Event> events_;
};

TEST_F(AlarmRegistryTest, RaisingAnActiveAlarmAgainDeduplicates) {
  ASSERT_EQ(alarms_.raise("meter-1", 7, HEARTH_SEVERITY_MAJOR, "no answer", kT0), HEARTH_OK);
  ASSERT_EQ(alarms_.raise("meter-1", 7, HEARTH_SEVERITY_MAJOR, "no answer", kT0 + 1000), HEARTH_OK);
  ASSERT_EQ(alarms_.raise("meter-1", 7, HEARTH_SEVERITY_MAJOR, "no answer", kT0 + 2000), HEARTH_OK);
  EXPECT_EQ(alarms_.active_count(), 1u);
  const Alarm *alarm = alarms_.find("meter-1", 7);
  ASSERT_NE(alarm, nullptr);
  EXPECT_EQ(alarm->repeat_count, 2u);
  EXPECT_EQ(alarm->first_raised_wall_ms, kT0);
  EXPECT_EQ(alarm->last_raised_wall_ms, kT0 + 2000);
  ASSERT_EQ(events_.size(), 1u);  // identical repeats are not changes
  EXPECT_EQ(events_[0].change, AlarmChange::raised);

  alarms_.raise("meter-1", 7, HEARTH_SEVERITY_CRITICAL, "no answer for 60 s", kT0 + 3000);
  EXPECT_EQ(alarms_.active_count(), 1u);
  EXPECT_EQ(alarms_.find("meter-1", 7)->severity, HEARTH_SEVERITY_CRITICAL);
  EXPECT_EQ(alarms_.find("meter-1", 7)->text, "no answer for 60 s");
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].change, AlarmChange::updated);
  EXPECT_EQ(events_[1].severity, HEARTH_SEVERITY_CRITICAL);
}

TEST_F(AlarmRegistryTest, SameCodeFromAnotherSourceIsAnotherAlarm) {
  alarms_.raise("inverter-1", 1, HEARTH_SEVERITY_WARNING, "x", kT0);
  alarms_.raise("inverter-2", 1, HEARTH_SEVERITY_WARNING, "x", kT0);
  alarms_.raise("inverter-1", 2, HEARTH_SEVERITY_WARNING, "x", kT0);
  EXPECT_EQ(alarms_.active_count(), 3u);
}

TEST_F(AlarmRegistryTest, HighestSeverityFollowsRaisesAndClears) {
  EXPECT_EQ(alarms_.highest_severity(), 0);
  alarms_.raise("inverter-1", 1, HEARTH_SEVERITY_MINOR, "fan", kT0);
  alarms_.raise("core", 100, HEARTH_SEVERITY_CRITICAL, "core loop stalled", kT0 + 1);
  alarms_.raise("battery-1", 3, HEARTH_SEVERITY_MAJOR, "cell imbalance", kT0 + 2);
  EXPECT_EQ(alarms_.highest_severity(), HEARTH_SEVERITY_CRITICAL);
  const auto active = alarms_.active();
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0].source, "core");
  EXPECT_EQ(active[1].source, "battery-1");
  EXPECT_EQ(active[2].source, "inverter-1");

  EXPECT_EQ(alarms_.clear("core", 100, kT0 + 10), HEARTH_OK);
  EXPECT_EQ(alarms_.highest_severity(), HEARTH_SEVERITY_MAJOR);
  EXPECT_EQ(alarms_.clear("core", 100, kT0 + 11), HEARTH_E_NOT_FOUND);
  EXPECT_EQ(events_.back().change, AlarmChange::cleared);
  EXPECT_EQ(events_.back().source, "core");
  EXPECT_EQ(alarms_.clear_source("battery-1", kT0 + 12), 1u);
  EXPECT_EQ(alarms_.clear_source("inverter-1", kT0 + 12), 1u);
  EXPECT_EQ(alarms_.highest_severity(), 0);
  EXPECT_EQ(events_.size(), 6u);
}

TEST_F(AlarmRegistryTest, RefusesBadSeverityAndTruncatesHugeText) {
  EXPECT_EQ(alarms_.raise("x", 1, 0, "t", kT0), HEARTH_E_INVALID);
  EXPECT_EQ(alarms_.raise("x", 1, 5, "t", kT0), HEARTH_E_INVALID);
  EXPECT_EQ(alarms_.raise("", 1, HEARTH_SEVERITY_MINOR, "t", kT0), HEARTH_E_INVALID);
  EXPECT_EQ(alarms_.active_count(), 0u);
  alarms_.raise("x", 1, HEARTH_SEVERITY_MINOR, std::string(10000, 'a'), kT0);
  EXPECT_EQ(alarms_.find("x", 1)->text.size(), 256u);
}

TEST_F(AlarmRegistryTest, ListenerMayClearWhileOthersAreStillNotified) {
  alarms_.add_listener([this](AlarmChange change, const Alarm &alarm) {
    if (change == AlarmChange::raised) alarms_.clear(alarm.source, alarm.code, kT0);
  });
  std::string seen_by_last;
  alarms_.add_listener([&](AlarmChange change, const Alarm &alarm) {
    if (change == AlarmChange::raised) seen_by_last = alarm.text;
  });
  alarms_.raise("x", 1, HEARTH_SEVERITY_MINOR, "transient", kT0);
  EXPECT_EQ(seen_by_last, "transient");
  EXPECT_EQ(alarms_.active_count(), 0u);
}

TEST_F(AlarmRegistryTest, RemovedListenerHearsNothingMore) {
  int calls = 0;
  const ListenerId id = alarms_.add_listener([&](AlarmChange, const Alarm &) { ++calls; });
  alarms_.raise("x", 1, HEARTH_SEVERITY_MINOR, "a", kT0);
  EXPECT_TRUE(alarms_.remove_listener(id));
  EXPECT_FALSE(alarms_.remove_listener(id));
  alarms_.clear("x", 1, kT0);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace hearth::bus
