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

TEST_F(AlarmRegistryTest, AcknowledgeRecordsWhoAndWhenOnceAndOnlyForActiveAlarms) {
  alarms_.raise("inverter-1", 4, HEARTH_SEVERITY_MAJOR, "insulation", kT0);
  EXPECT_EQ(alarms_.acknowledge("inverter-1", 4, "", kT0 + 5), HEARTH_E_INVALID);
  EXPECT_EQ(alarms_.acknowledge("inverter-1", 5, "installer", kT0 + 5), HEARTH_E_NOT_FOUND);
  ASSERT_EQ(alarms_.acknowledge("inverter-1", 4, "installer", kT0 + 5), HEARTH_OK);
  const Alarm *alarm = alarms_.find("inverter-1", 4);
  EXPECT_EQ(alarm->acknowledged_by, "installer");
  EXPECT_EQ(alarm->acknowledged_wall_ms, kT0 + 5);
  EXPECT_EQ(events_.back().change, AlarmChange::acknowledged);
  // The first acknowledgement stands.
  EXPECT_EQ(alarms_.acknowledge("inverter-1", 4, "owner", kT0 + 6), HEARTH_E_STATE);
  EXPECT_EQ(alarms_.find("inverter-1", 4)->acknowledged_by, "installer");
  // Once cleared, there is nothing to acknowledge.
  alarms_.clear("inverter-1", 4, kT0 + 7);
  EXPECT_EQ(alarms_.acknowledge("inverter-1", 4, "owner", kT0 + 8), HEARTH_E_NOT_FOUND);
}

TEST_F(AlarmRegistryTest, AWorseRaiseDropsTheAcknowledgementAMilderOneKeepsIt) {
  alarms_.raise("battery-1", 2, HEARTH_SEVERITY_MINOR, "warm", kT0);
  alarms_.acknowledge("battery-1", 2, "owner", kT0 + 1);
  alarms_.raise("battery-1", 2, HEARTH_SEVERITY_WARNING, "warm, cooling", kT0 + 2);
  EXPECT_EQ(alarms_.find("battery-1", 2)->acknowledged_by, "owner");
  alarms_.raise("battery-1", 2, HEARTH_SEVERITY_CRITICAL, "hot", kT0 + 3);
  EXPECT_EQ(alarms_.find("battery-1", 2)->acknowledged_by, "");
  EXPECT_EQ(alarms_.acknowledge("battery-1", 2, "installer", kT0 + 4), HEARTH_OK);
}

TEST_F(AlarmRegistryTest, RecentEventsLogRaiseClearAcknowledgeWithAuthorsAndIsBounded) {
  AlarmRegistry small(3);
  small.raise("meter-1", 1, HEARTH_SEVERITY_MINOR, "a", kT0);
  small.acknowledge("meter-1", 1, "installer", kT0 + 1);
  small.clear("meter-1", 1, kT0 + 2);
  auto events = small.recent_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].change, AlarmChange::raised);
  EXPECT_EQ(events[0].author, "meter-1");
  EXPECT_EQ(events[1].change, AlarmChange::acknowledged);
  EXPECT_EQ(events[1].author, "installer");
  EXPECT_EQ(events[1].wall_ms, kT0 + 1);
  EXPECT_EQ(events[2].change, AlarmChange::cleared);
  EXPECT_EQ(events[2].wall_ms, kT0 + 2);
  small.raise("meter-1", 2, HEARTH_SEVERITY_MINOR, "b", kT0 + 3);
  events = small.recent_events();
  ASSERT_EQ(events.size(), 3u);  // the oldest fell out
  EXPECT_EQ(events[0].change, AlarmChange::acknowledged);
  EXPECT_EQ(events[2].sequence, 4u);
  EXPECT_EQ(small.recent_events(1).front().code, 2);
  EXPECT_EQ(to_string(AlarmChange::acknowledged), "acknowledged");
}

}  // namespace
}  // namespace hearth::bus
