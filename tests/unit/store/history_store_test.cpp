// The history's SQLite side with real files: aggregates written and read back, across a reopen,
// retention by age and by size, the alarm history, CSV export, and the migration from the
// previous schema version.
#include <gtest/gtest.h>

#include <hearth/store/history_query.hpp>
#include <hearth/store/history_writer.hpp>
#include <hearth/store/kv_store.hpp>
#include <hearth/store/schema.hpp>
#include <hearth/store/settings_store.hpp>
#include <hearth/store/statement.hpp>
#include <sstream>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

using testing::TempDir;

// 2026-11-26T00:00:00Z
constexpr int64_t kMidnightMs = 1'795'651'200'000;
constexpr WallMinute kMidnight = kMidnightMs / kMsPerMinute;

MinuteStats stats_of(double mean, uint32_t count = 60) {
  MinuteStats stats;
  stats.count = count;
  stats.min = mean - 1;
  stats.mean = mean;
  stats.max = mean + 1;
  return stats;
}

DeviceRecord device(int64_t key, std::string id, std::string serial = "") {
  DeviceRecord record;
  record.key = key;
  record.device_id = std::move(id);
  record.serial = std::move(serial);
  record.first_seen_wall_ms = kMidnightMs;
  record.last_seen_wall_ms = kMidnightMs;
  return record;
}

// minutes of power_w (W) and energy_wh (Wh counter) for device key 1, "inverter-1".
HistoryBatch inverter_minutes(WallMinute from, int count) {
  HistoryBatch batch;
  batch.devices.push_back(device(1, "inverter-1", "SN-A"));
  for (WallMinute minute = from; minute < from + count; ++minute) {
    batch.minutes.push_back({minute, 1, "power_w", "W", stats_of(1000 + (minute - from))});
    MinuteStats energy = stats_of(0);
    energy.counter = true;
    energy.first = 5000.0 + (minute - from) * 17;
    energy.last = energy.first + 17;
    batch.minutes.push_back({minute, 1, "energy_wh", "Wh", energy});
  }
  return batch;
}

int64_t integrity_problems(Database &db) {
  Statement check(db, "PRAGMA integrity_check");
  int64_t problems = 0;
  while (check.step()) problems += check.column_text(0) == "ok" ? 0 : 1;
  return problems;
}

TEST(HistoryStore, AggregatesWrittenAreReadBackAfterReopening) {
  TempDir dir;
  {
    Database db(dir.file("hearth.db"));
    HistoryWriter writer(db);
    writer.write(inverter_minutes(kMidnight, 30));
    EXPECT_EQ(writer.stats().minute_rows, 30u);  // one row a device-minute, both points in it
    EXPECT_EQ(writer.stats().transactions, 1u);
  }
  Database db(dir.file("hearth.db"));
  const auto power = resolve_point(db, "inverter-1/power_w");
  ASSERT_TRUE(power.has_value());
  EXPECT_EQ(power->unit, "W");
  EXPECT_FALSE(power->counter);
  const auto minutes =
      query_minutes(db, *power, kMidnightMs + 10 * kMsPerMinute, kMidnightMs + 20 * kMsPerMinute);
  ASSERT_EQ(minutes.size(), 10u);
  EXPECT_EQ(minutes.front().minute, kMidnight + 10);
  EXPECT_EQ(minutes.front().stats.mean, 1010);
  EXPECT_EQ(minutes.back().stats.max, 1020);
  const auto energy = resolve_point(db, "inverter-1/energy_wh");
  ASSERT_TRUE(energy && energy->counter);
  EXPECT_EQ(query_minutes(db, *energy, kMidnightMs, kMidnightMs + kMsPerMinute)[0].stats.last,
            5017);
  EXPECT_FALSE(resolve_point(db, "inverter-1/nothing").has_value());
  EXPECT_FALSE(resolve_point(db, "no-slash").has_value());
}

TEST(HistoryStore, TheSameDeviceMinuteWrittenTwiceIsMergedNotDuplicated) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  HistoryWriter writer(db);
  HistoryBatch first;
  first.minutes.push_back({kMidnight, 1, "power_w", "W", stats_of(100, 30)});
  HistoryBatch second;  // hearthd restarted within the minute
  second.minutes.push_back({kMidnight, 1, "power_w", "W", stats_of(200, 10)});
  writer.write(first);
  writer.write(second);
  EXPECT_EQ(writer.stats().merged_rows, 1u);
  db.exec(
      "INSERT INTO device (key, device_id, state, first_seen_wall_ms, last_seen_wall_ms) "
      "VALUES (1, 'meter', 'active', 0, 0)");
  const auto minutes = query_minutes(db, *resolve_point(db, "meter/power_w"), kMidnightMs,
                                     kMidnightMs + kMsPerMinute);
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_EQ(minutes[0].stats.count, 40u);
  EXPECT_DOUBLE_EQ(minutes[0].stats.mean, (30 * 100 + 10 * 200) / 40.0);
}

TEST(HistoryStore, RetentionByDaysDropsOlderMinutesOnly) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  HistoryWriter writer(db);
  for (int day = 0; day < 5; ++day) writer.write(inverter_minutes(kMidnight + day * 1440, 60));
  const int64_t now_ms = kMidnightMs + 5 * 1440 * kMsPerMinute;  // day 5, 00:00
  const auto trimmed = writer.apply_retention(RetentionLimits{2, 0}, now_ms);
  EXPECT_EQ(trimmed.rows_deleted, 3 * 60);
  const auto power = resolve_point(db, "inverter-1/power_w");
  EXPECT_TRUE(query_minutes(db, *power, kMidnightMs, now_ms - 2 * 1440 * kMsPerMinute).empty());
  EXPECT_EQ(query_minutes(db, *power, kMidnightMs, now_ms).size(), 120u);
  EXPECT_EQ(integrity_problems(db), 0);
}

TEST(HistoryStore, RetentionByBytesTrimsTheOldestUntilTheDataFits) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  HistoryWriter writer(db);
  // 40 devices x 10 points, 3 hours: about a megabyte.
  for (WallMinute minute = kMidnight; minute < kMidnight + 180; ++minute) {
    HistoryBatch batch;
    for (int64_t key = 1; key <= 40; ++key) {
      for (int point = 0; point < 10; ++point) {
        batch.minutes.push_back({minute, key, "p" + std::to_string(point), "W",
                                 stats_of(0.1 * static_cast<double>(minute * point % 977))});
      }
    }
    writer.write(batch);
  }
  const int64_t before = bytes_in_use(db);
  const int64_t limit = before / 2;
  const auto trimmed = writer.apply_retention(RetentionLimits{0, limit}, kMidnightMs);
  EXPECT_GT(trimmed.rows_deleted, 0);
  EXPECT_LE(trimmed.bytes_in_use, limit);
  // The newest data stays; the oldest went.
  Statement span(db, "SELECT MIN(id) / 65536, MAX(id) / 65536 FROM history_minute");
  ASSERT_TRUE(span.step());
  EXPECT_GT(span.column_int(0), kMidnight + 30);
  EXPECT_EQ(span.column_int(1), kMidnight + 179);
  EXPECT_EQ(integrity_problems(db), 0);
}

AlarmHistoryEvent alarm_event(AlarmEventKind kind, int64_t at_ms) {
  AlarmHistoryEvent event;
  event.kind = kind;
  event.source = "battery-1";
  event.code = 12;
  event.severity = 3;
  event.text = "cell temperature high";
  event.raised_wall_ms = kMidnightMs;
  event.last_raised_wall_ms = at_ms;
  return event;
}

TEST(HistoryStore, AlarmHistoryKeepsRaisedAcknowledgedByWhomAndCleared) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  HistoryWriter writer(db);
  HistoryBatch batch;
  batch.alarms.push_back(alarm_event(AlarmEventKind::raised, kMidnightMs));
  auto acknowledged = alarm_event(AlarmEventKind::acknowledged, kMidnightMs);
  acknowledged.acknowledged_by = "installer";
  acknowledged.acknowledged_wall_ms = kMidnightMs + 5000;
  batch.alarms.push_back(acknowledged);
  writer.write(batch);
  auto active = alarm_history(db);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_FALSE(active[0].cleared_wall_ms.has_value());
  EXPECT_EQ(active[0].acknowledged_by, "installer");

  HistoryBatch later;
  auto cleared = acknowledged;
  cleared.kind = AlarmEventKind::cleared;
  cleared.repeat_count = 4;
  cleared.cleared_wall_ms = kMidnightMs + 60'000;
  later.alarms.push_back(cleared);
  later.alarms.push_back(alarm_event(AlarmEventKind::raised, kMidnightMs + 120'000));
  later.alarms.back().raised_wall_ms = kMidnightMs + 120'000;
  writer.write(later);

  const auto history = alarm_history(db);
  ASSERT_EQ(history.size(), 2u);  // two occurrences, newest first
  EXPECT_EQ(history[0].raised_wall_ms, kMidnightMs + 120'000);
  EXPECT_FALSE(history[0].cleared_wall_ms.has_value());
  EXPECT_EQ(history[1].cleared_wall_ms, kMidnightMs + 60'000);
  EXPECT_EQ(history[1].cleared_by, "battery-1");
  EXPECT_EQ(history[1].acknowledged_by, "installer");
  EXPECT_EQ(history[1].acknowledged_wall_ms, kMidnightMs + 5000);
  EXPECT_EQ(history[1].repeat_count, 4u);

  // A new run finds the second one open and closes it: nothing is active after a restart.
  EXPECT_EQ(close_open_alarms(db, kMidnightMs + 200'000), 1);
  const auto after_restart = alarm_history(db, AlarmHistoryFilter{.source = "battery-1"});
  EXPECT_EQ(after_restart[0].cleared_by, "restart");
  EXPECT_TRUE(alarm_history(db, AlarmHistoryFilter{.source = "meter-1"}).empty());
}

TEST(HistoryStore, CsvExportHasOneHeaderRowUnitsAndIsoTimes) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  HistoryWriter writer(db);
  auto batch = inverter_minutes(kMidnight, 3);
  batch.devices.push_back(device(2, "meter-1"));
  batch.minutes.push_back({kMidnight + 1, 2, "grid_w", "W", stats_of(-250.5, 6)});
  batch.minutes.push_back({kMidnight + 7, 2, "grid_w", "W", stats_of(80, 6)});  // out of range
  writer.write(batch);

  std::ostringstream csv;
  const std::vector<std::string> points = {"inverter-1/power_w", "meter-1/grid_w",
                                           "inverter-1/energy_wh", "ghost/x"};
  const auto result = export_csv(db, points, kMidnightMs, kMidnightMs + 5 * kMsPerMinute, csv);
  EXPECT_EQ(result.rows, 3u);
  EXPECT_EQ(result.unknown_points, std::vector<std::string>{"ghost/x"});
  EXPECT_EQ(csv.str(),
            "time_utc,inverter-1/power_w min [W],inverter-1/power_w mean [W],"
            "inverter-1/power_w max [W],meter-1/grid_w min [W],meter-1/grid_w mean [W],"
            "meter-1/grid_w max [W],inverter-1/energy_wh min [Wh],inverter-1/energy_wh mean [Wh],"
            "inverter-1/energy_wh max [Wh],inverter-1/energy_wh first [Wh],"
            "inverter-1/energy_wh last [Wh]\r\n"
            "2026-11-26T00:00:00Z,999,1000,1001,,,,-1,0,1,5000,5017\r\n"
            "2026-11-26T00:01:00Z,1000,1001,1002,-251.5,-250.5,-249.5,-1,0,1,5017,5034\r\n"
            "2026-11-26T00:02:00Z,1001,1002,1003,,,,-1,0,1,5034,5051\r\n");
}

TEST(HistoryStore, IsoTimesRoundTripAndBadTextIsRefused) {
  EXPECT_EQ(iso8601_utc(kMidnightMs), "2026-11-26T00:00:00Z");
  EXPECT_EQ(iso8601_utc(kMidnightMs + 61'250), "2026-11-26T00:01:01.250Z");
  EXPECT_EQ(parse_iso8601_utc("2026-11-26T00:00:00Z"), kMidnightMs);
  EXPECT_EQ(parse_iso8601_utc("2026-11-26"), kMidnightMs);
  EXPECT_EQ(parse_iso8601_utc("2026-11-26T00:01"), kMidnightMs + 60'000);
  EXPECT_FALSE(parse_iso8601_utc("26/11/2026").has_value());
  EXPECT_FALSE(parse_iso8601_utc("2026-13-01").has_value());
  EXPECT_FALSE(parse_iso8601_utc("2026-11-26T00:00:00+01:00").has_value());
}

// The schema as the previous release (version 2) left it, with data in it.
TEST(HistoryStore, MigratesAVersion2DatabaseWithItsDataIntact) {
  TempDir dir;
  const auto path = dir.file("hearth.db");
  const std::vector<Migration> version_2(core_schema().begin(), core_schema().begin() + 2);
  {
    Database old_db(path, version_2);
    ASSERT_EQ(old_db.schema_version(), 2);
    KvStore kv(old_db);
    const uint8_t offset[] = {1, 2, 3};
    ASSERT_EQ(kv.set("meter-1", "energy_offset", offset), 0);
    kv.flush();
    SettingsStore settings(old_db);
    settings.set_baseline({{"energy.feed_in_limit_w", "5000"}}, kMidnightMs);
    ASSERT_TRUE(settings.set_override("energy.feed_in_limit_w", "3000", "installer",
                                      SettingRole::installer, kMidnightMs + 1));
  }
  Database db(path);
  EXPECT_EQ(db.migrations_applied(), static_cast<int>(core_schema().size()) - 2);
  EXPECT_EQ(db.schema_version(), static_cast<int>(core_schema().size()));
  KvStore kv(db);
  const auto offset = kv.get("meter-1", "energy_offset");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(offset->size(), 3u);
  SettingsStore settings(db);
  EXPECT_EQ(settings.get("energy.feed_in_limit_w")->value_text, "3000");
  EXPECT_EQ(settings.audit("energy.feed_in_limit_w").size(), 2u);
  // And the new tables work.
  HistoryWriter writer(db);
  writer.write(inverter_minutes(kMidnight, 2));
  EXPECT_EQ(query_minutes(db, *resolve_point(db, "inverter-1/power_w"), kMidnightMs,
                          kMidnightMs + 2 * kMsPerMinute)
                .size(),
            2u);
  EXPECT_EQ(integrity_problems(db), 0);
}

TEST(KvStore, MoveDeviceCarriesEveryEntryIncludingUnflushedOnes) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  KvStore kv(db);
  const uint8_t a[] = {1};
  const uint8_t b[] = {2};
  kv.set("inverter-1", "a", a);
  kv.flush();
  kv.set("inverter-1", "b", b);  // dirty, not yet on disk
  EXPECT_EQ(kv.move_device("inverter-1", "inverter-1@SN-A"), 2u);
  EXPECT_FALSE(kv.get("inverter-1", "a").has_value());
  EXPECT_FALSE(kv.get("inverter-1", "b").has_value());
  ASSERT_TRUE(kv.get("inverter-1@SN-A", "b").has_value());
  EXPECT_EQ((*kv.get("inverter-1@SN-A", "b"))[0], 2);
}

}  // namespace
}  // namespace hearth::store
