// The HistoryService wired to a real PointStore and AlarmRegistry, writing a real SQLite file on
// a real worker pool; time from a ManualClock so that minutes pass at once.
#include <gtest/gtest.h>

#include <hearth/host/history_service.hpp>
#include <hearth/store/history_query.hpp>
#include <hearth/store/settings_store.hpp>

#include "temp_dir.hpp"

namespace hearth::host {
namespace {

using store::testing::TempDir;

constexpr int64_t kT0 = 1'795'651'200'000;  // 2026-11-26T00:00:00Z

hearth_value double_value(double value) {
  hearth_value v{};
  v.type = HEARTH_VALUE_DOUBLE;
  v.as.d = value;
  return v;
}

class HistoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { start_service(); }
  void TearDown() override {
    if (service_) service_->stop();
    pool_.join();
  }
  void start_service() {
    HistoryOptions options;
    options.database_path = dir_.file("hearth.db");
    service_ = std::make_unique<HistoryService>(points_, alarms_, clock_, io_, pool_, options,
                                                [this] { return identities_; });
    service_->start();
  }
  void restart_service() {
    service_->stop();
    service_.reset();
    start_service();
  }
  // Publishes `value` on the point every second for `seconds` seconds.
  void publish_for(bus::PointId point, int seconds, double value) {
    for (int i = 0; i < seconds; ++i) {
      clock_.advance_ms(1000);
      ASSERT_EQ(points_.publish(point, double_value(value), 0, HEARTH_QUALITY_GOOD), HEARTH_OK);
    }
  }
  void flush() {
    service_->flush();
    service_->wait_idle();
    io_.poll();  // the writer's reports back to the core thread
    io_.restart();
  }
  std::vector<store::PointMinute> minutes_of(const std::string &point) {
    store::Database db(dir_.file("hearth.db"));
    const auto ref = store::resolve_point(db, point);
    if (!ref) return {};
    return store::query_minutes(db, *ref, kT0, kT0 + 3'600'000);
  }

  TempDir dir_;
  ManualClock clock_{1'000'000'000, kT0};
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_{2};
  bus::PointStore points_{clock_};
  bus::AlarmRegistry alarms_;
  std::vector<store::IdentityReport> identities_;
  std::unique_ptr<HistoryService> service_;
};

TEST_F(HistoryServiceTest, EveryNumericPointIsAggregatedByMinuteAndItsRawSamplesKeptInRam) {
  const auto power = points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  const auto mode = points_.declare("inverter-1/mode", HEARTH_VALUE_STRING, "", 5000);
  publish_for(power, 59, 1000);  // 00:00:01 .. 00:00:59
  publish_for(power, 60, 2000);  // 00:01:00 .. 00:01:59
  hearth_value text{};
  text.type = HEARTH_VALUE_STRING;
  std::snprintf(text.as.s, sizeof text.as.s, "grid");
  points_.publish(mode, text, 0, HEARTH_QUALITY_GOOD);
  clock_.advance_ms(5000);  // past the grace after 00:01:59
  flush();

  const auto minutes = minutes_of("inverter-1/power_w");
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].stats.count, 59u);
  EXPECT_EQ(minutes[0].stats.mean, 1000);
  EXPECT_EQ(minutes[1].stats.count, 60u);
  EXPECT_EQ(minutes[1].stats.min, 2000);
  EXPECT_TRUE(minutes_of("inverter-1/mode").empty());  // text is not aggregated
  EXPECT_EQ(service_->stats().batches_written, 1u);

  const auto recent = service_->recent("inverter-1/power_w", kT0 + 60'000);
  ASSERT_EQ(recent.size(), 60u);
  EXPECT_EQ(recent.front().wall_ms, kT0 + 60'000);
  EXPECT_EQ(recent.back().value, 2000);
  EXPECT_TRUE(service_->recent("inverter-1/mode", 0).empty());
  EXPECT_TRUE(service_->recent("nothing/here", 0).empty());
}

TEST_F(HistoryServiceTest, AFlushWritesOnlyFinishedMinutesAndStopWritesTheRest) {
  const auto power = points_.declare("meter-1/grid_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  publish_for(power, 90, -300);  // 00:00:01 .. 00:01:30
  flush();
  ASSERT_EQ(minutes_of("meter-1/grid_w").size(), 1u);  // 00:01 is still running
  service_->stop();
  ASSERT_EQ(minutes_of("meter-1/grid_w").size(), 2u);
  EXPECT_EQ(minutes_of("meter-1/grid_w")[1].stats.count, 31u);
}

TEST_F(HistoryServiceTest, AlarmRaiseAcknowledgeAndClearReachTheHistory) {
  alarms_.raise("battery-1", 12, HEARTH_SEVERITY_MAJOR, "cell temperature high", kT0 + 1000);
  alarms_.acknowledge("battery-1", 12, "installer", kT0 + 2000);
  alarms_.clear("battery-1", 12, kT0 + 3000);
  alarms_.raise("battery-1", 13, HEARTH_SEVERITY_MINOR, "fan", kT0 + 4000);
  flush();
  store::Database db(dir_.file("hearth.db"));
  const auto history = store::alarm_history(db);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].code, 12);
  EXPECT_EQ(history[1].acknowledged_by, "installer");
  EXPECT_EQ(history[1].acknowledged_wall_ms, kT0 + 2000);
  EXPECT_EQ(history[1].cleared_wall_ms, kT0 + 3000);
  EXPECT_EQ(history[0].code, 13);
  EXPECT_FALSE(history[0].cleared_wall_ms.has_value());
}

TEST_F(HistoryServiceTest, NewSerialInAKnownSlotIsPendingUntilConfirmedThenHistoryStaysWithTheId) {
  const auto power = points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  identities_ = {{"inverter-1", "huawei-sun2000", "SUN2000", "SN-A", "V1"}};
  clock_.advance_ms(59'000);
  publish_for(power, 60, 100);  // 00:01:00 .. 00:01:59
  flush();
  identities_[0].serial = "SN-B";  // the inverter was swapped
  publish_for(power, 60, 200);
  flush();  // polls the identities first
  EXPECT_NE(alarms_.find("inverter-1", kAlarmReplacementPending), nullptr);
  ASSERT_EQ(service_->registry().pending_replacements().size(), 1u);
  EXPECT_FALSE(service_->confirm_replacement("inverter-1", ""));
  ASSERT_TRUE(service_->confirm_replacement("inverter-1", "installer"));
  EXPECT_EQ(alarms_.find("inverter-1", kAlarmReplacementPending), nullptr);
  publish_for(power, 60, 300);
  clock_.advance_ms(5000);  // past the last minute's grace
  flush();
  std::vector<double> means;
  for (const auto &minute : minutes_of("inverter-1/power_w")) means.push_back(minute.stats.mean);
  EXPECT_EQ(means, (std::vector<double>{100, 200, 300}));
  store::Database db(dir_.file("hearth.db"));
  const auto devices = store::stored_devices(db);
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].serial, "SN-B");
}

TEST_F(HistoryServiceTest, RestartKeepsHistoryAndSettingsAndClosesAlarmsLeftOpen) {
  const auto power = points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  publish_for(power, 120, 500);
  alarms_.raise("inverter-1", 7, HEARTH_SEVERITY_WARNING, "derating", clock_.wall_ms());
  {
    store::Database settings_db(dir_.file("hearth.db"));
    store::SettingsStore settings(settings_db);
    settings.set_baseline({{"energy.mode", "self_consumption"}}, kT0);
    ASSERT_TRUE(
        settings.set_override("energy.mode", "tou", "owner", store::SettingRole::owner, kT0 + 1));
  }
  restart_service();
  EXPECT_EQ(minutes_of("inverter-1/power_w").size(), 3u);  // 00:00, 00:01, 00:02 (1 s)
  store::Database db(dir_.file("hearth.db"));
  store::SettingsStore settings(db);
  EXPECT_EQ(settings.get("energy.mode")->value_text, "tou");
  const auto history = store::alarm_history(db);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].cleared_by, "restart");
}

TEST_F(HistoryServiceTest, RefusedReplacementKeepsTheOldHardwaresMinutesAndStateApart) {
  service_->stop();
  service_.reset();
  store::Database core_db(dir_.file("hearth.db"));
  store::KvStore kv(core_db);
  HistoryOptions options;
  options.database_path = dir_.file("hearth.db");
  service_ = std::make_unique<HistoryService>(
      points_, alarms_, clock_, io_, pool_, options, [this] { return identities_; }, &kv);
  service_->start();
  const uint8_t offset[] = {42};
  kv.set("inverter-1", "energy_offset", offset);

  const auto power = points_.declare("inverter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  identities_ = {{"inverter-1", "huawei-sun2000", "SUN2000", "SN-A", "V1"}};
  clock_.advance_ms(59'000);
  publish_for(power, 60, 100);  // 00:01:00 .. 00:01:59, the old hardware
  flush();
  identities_[0].serial = "SN-B";
  publish_for(power, 60, 200);  // closes 00:01 for SN-A before the new serial is seen
  flush();
  ASSERT_TRUE(service_->refuse_replacement("inverter-1", "installer"));
  publish_for(power, 60, 300);
  clock_.advance_ms(5000);  // past the last minute's grace
  flush();

  std::vector<double> old_means, new_means;
  for (const auto &minute : minutes_of("inverter-1@SN-A/power_w")) {
    old_means.push_back(minute.stats.mean);
  }
  for (const auto &minute : minutes_of("inverter-1/power_w"))
    new_means.push_back(minute.stats.mean);
  EXPECT_EQ(old_means, (std::vector<double>{100}));
  EXPECT_EQ(new_means, (std::vector<double>{200, 300}));
  EXPECT_FALSE(kv.get("inverter-1", "energy_offset").has_value());
  ASSERT_TRUE(kv.get("inverter-1@SN-A", "energy_offset").has_value());
  service_->stop();
}

TEST_F(HistoryServiceTest, AFailedWriteRaisesAnAlarmAndTheBatchIsWrittenLater) {
  const auto power = points_.declare("meter-1/grid_w", HEARTH_VALUE_DOUBLE, "W", 5000);
  store::Database saboteur(dir_.file("hearth.db"));
  saboteur.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON history_minute "
      "BEGIN SELECT RAISE(ABORT, 'the disk says no'); END");
  publish_for(power, 65, 700);
  flush();
  EXPECT_EQ(service_->stats().batches_failed, 1u);
  const bus::Alarm *alarm = alarms_.find("hearthd", kAlarmHistoryWriteFailed);
  ASSERT_NE(alarm, nullptr);
  EXPECT_NE(alarm->text.find("the disk says no"), std::string::npos);
  EXPECT_TRUE(minutes_of("meter-1/grid_w").empty());

  saboteur.exec("DROP TRIGGER refuse");
  publish_for(power, 60, 800);
  flush();  // the kept batch first, then this one
  EXPECT_EQ(alarms_.find("hearthd", kAlarmHistoryWriteFailed), nullptr);
  const auto minutes = minutes_of("meter-1/grid_w");
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].stats.mean, 700);
}

}  // namespace
}  // namespace hearth::host
