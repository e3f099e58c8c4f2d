#include <gtest/gtest.h>
#include <hearth/plugin.h>

#include <hearth/store/kv_store.hpp>
#include <hearth/store/statement.hpp>
#include <string>
#include <thread>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

using testing::TempDir;

std::vector<uint8_t> bytes_of(const std::string &text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::optional<std::string> text_of(KvStore &kv, std::string_view device, std::string_view key) {
  const auto value = kv.get(device, key);
  if (!value) return std::nullopt;
  return std::string(value->begin(), value->end());
}

// Counts the row inserts SQLite really performs on the kv table, independent of KvStats.
class RowInsertCounter {
 public:
  explicit RowInsertCounter(Database &db) : db_(db) {
    db_.exec(
        "CREATE TEMP TABLE kv_insert_count (n INTEGER NOT NULL);"
        "INSERT INTO kv_insert_count VALUES (0);"
        "CREATE TEMP TRIGGER kv_count_inserts AFTER INSERT ON main.kv "
        "BEGIN UPDATE kv_insert_count SET n = n + 1; END;");
  }
  int64_t inserts() {
    Statement query(db_, "SELECT n FROM kv_insert_count");
    EXPECT_TRUE(query.step());
    return query.column_int(0);
  }

 private:
  Database &db_;
};

TEST(KvStore, ManySetsOfOneKeyCostOneRowWritePerFlush) {
  TempDir dir;
  Database db(dir.file("kv.db"));
  RowInsertCounter counter(db);
  KvStore kv(db);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(kv.set("inverter-1", "energy_offset", bytes_of("v" + std::to_string(i))), HEARTH_OK);
    ASSERT_EQ(kv.set("inverter-1", "mode", bytes_of(i % 2 ? "a" : "b")), HEARTH_OK);
  }
  EXPECT_EQ(counter.inserts(), 0);  // nothing reaches the disk before a flush
  EXPECT_EQ(kv.dirty_count(), 2u);
  EXPECT_EQ(text_of(kv, "inverter-1", "energy_offset"), "v99");  // reads see the cache
  EXPECT_EQ(kv.flush(), 2u);
  EXPECT_EQ(counter.inserts(), 2);
  EXPECT_EQ(kv.stats().flushes, 1u);
  EXPECT_EQ(kv.stats().rows_written, 2u);
  EXPECT_EQ(kv.stats().sets, 200u);
  EXPECT_EQ(kv.stats().bytes_written, 4u);  // "v99" + "a"
  EXPECT_EQ(kv.flush(), 0u);                // nothing dirty: no transaction, no flush counted
  EXPECT_EQ(kv.stats().flushes, 1u);
  EXPECT_EQ(counter.inserts(), 2);
}

TEST(KvStore, ValuesPersistAcrossReopenPerDevice) {
  TempDir dir;
  const auto path = dir.file("kv.db");
  const std::vector<uint8_t> binary = {0, 0xff, 0x10, 0};
  {
    Database db(path);
    KvStore kv(db);
    kv.set("battery-1", "soc_calibration", binary);
    kv.set("inverter-1", "soc_calibration", bytes_of("other device"));
    kv.set("battery-1", "empty", {});
    kv.flush();
    kv.set("battery-1", "not_flushed", bytes_of("lost"));
  }
  Database db(path);
  KvStore kv(db);
  const auto value = kv.get("battery-1", "soc_calibration");
  ASSERT_TRUE(value);
  EXPECT_EQ(std::vector<uint8_t>(value->begin(), value->end()), binary);
  EXPECT_EQ(text_of(kv, "inverter-1", "soc_calibration"), "other device");
  ASSERT_TRUE(kv.get("battery-1", "empty"));
  EXPECT_TRUE(kv.get("battery-1", "empty")->empty());
  EXPECT_FALSE(kv.get("battery-1", "not_flushed"));
  EXPECT_FALSE(kv.get("battery-2", "soc_calibration"));
}

TEST(KvStore, EraseRemovesTheRowOnFlush) {
  TempDir dir;
  const auto path = dir.file("kv.db");
  {
    Database db(path);
    KvStore kv(db);
    kv.set("meter-1", "k", bytes_of("x"));
    kv.flush();
    EXPECT_EQ(kv.erase("meter-1", "k"), HEARTH_OK);
    EXPECT_FALSE(kv.get("meter-1", "k"));
    kv.flush();
    EXPECT_EQ(kv.stats().rows_deleted, 1u);
  }
  Database db(path);
  KvStore kv(db);
  EXPECT_FALSE(kv.get("meter-1", "k"));
}

TEST(KvStore, RefusesBadKeysAndOversizedValuesWithAReason) {
  TempDir dir;
  Database db(dir.file("kv.db"));
  KvStore kv(db, KvLimits{.max_key_bytes = 8, .max_value_bytes = 4});
  EXPECT_EQ(kv.set("dev", "", bytes_of("x")), HEARTH_E_INVALID);
  EXPECT_EQ(kv.set("", "key", bytes_of("x")), HEARTH_E_INVALID);
  EXPECT_EQ(kv.set("dev", "a_very_long_key", bytes_of("x")), HEARTH_E_INVALID);
  EXPECT_NE(kv.last_error().find("1..8 bytes"), std::string::npos) << kv.last_error();
  EXPECT_EQ(kv.set("dev", "key", bytes_of("12345")), HEARTH_E_INVALID);
  EXPECT_NE(kv.last_error().find("dev/key"), std::string::npos) << kv.last_error();
  EXPECT_EQ(kv.stats().refused, 4u);
  EXPECT_EQ(kv.dirty_count(), 0u);
  EXPECT_EQ(kv.set("dev", "key", bytes_of("1234")), HEARTH_OK);
}

TEST(KvStore, FailedFlushKeepsEntriesDirtyForTheNextAttempt) {
  TempDir dir;
  Database db(dir.file("kv.db"));
  KvStore kv(db);
  kv.set("dev", "key", bytes_of("value"));
  // A trigger that refuses the write stands in for a full disk.
  db.exec(
      "CREATE TEMP TRIGGER kv_refuse BEFORE INSERT ON main.kv "
      "BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
  EXPECT_THROW(kv.flush(), std::runtime_error);
  EXPECT_EQ(kv.dirty_count(), 1u);
  EXPECT_EQ(kv.stats().flushes, 0u);
  db.exec("DROP TRIGGER kv_refuse");
  EXPECT_EQ(kv.flush(), 1u);
  EXPECT_EQ(kv.dirty_count(), 0u);
}

TEST(KvStore, BatchWrittenOnAWorkerWithItsOwnConnection) {
  TempDir dir;
  const auto path = dir.file("kv.db");
  Database core_db(path);
  KvStore kv(core_db);
  kv.set("ev-1", "session_wh", bytes_of("100"));
  kv.set("ev-1", "old", bytes_of("x"));
  kv.flush();
  kv.erase("ev-1", "old");
  kv.set("ev-1", "session_wh", bytes_of("200"));
  KvBatch batch = kv.take_dirty();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(kv.dirty_count(), 0u);
  // The core thread goes on writing while the worker flushes the batch.
  kv.set("ev-1", "session_wh", bytes_of("300"));

  std::thread worker([&] {
    Database worker_db(path);
    KvStore::write_batch(worker_db, batch);
  });
  worker.join();
  kv.batch_written(batch);
  EXPECT_EQ(kv.stats().flushes, 2u);
  EXPECT_EQ(kv.stats().rows_deleted, 1u);
  {
    Database reader(path);
    KvStore fresh(reader);
    EXPECT_EQ(text_of(fresh, "ev-1", "session_wh"), "200");  // the batch's value
    EXPECT_FALSE(fresh.get("ev-1", "old"));
  }
  EXPECT_EQ(kv.dirty_count(), 1u);  // "300" still waits for the next flush
  EXPECT_EQ(kv.flush(), 1u);
  Database reader(path);
  KvStore fresh(reader);
  EXPECT_EQ(text_of(fresh, "ev-1", "session_wh"), "300");
}

TEST(KvStore, FailedBatchMarksItsKeysDirtyAgainWithTheNewestValue) {
  TempDir dir;
  const auto path = dir.file("kv.db");
  Database db(path);
  KvStore kv(db);
  kv.set("ev-1", "a", bytes_of("1"));
  const KvBatch batch = kv.take_dirty();
  kv.set("ev-1", "a", bytes_of("2"));
  kv.batch_failed(batch);
  EXPECT_EQ(kv.dirty_count(), 1u);
  EXPECT_EQ(kv.flush(), 1u);
  Database reader(path);
  KvStore fresh(reader);
  EXPECT_EQ(text_of(fresh, "ev-1", "a"), "2");
}

}  // namespace
}  // namespace hearth::store
