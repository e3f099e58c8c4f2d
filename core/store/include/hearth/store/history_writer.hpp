#pragma once
// Writes HistoryBatches (history_types.hpp) and applies the retention limits. Meant for the worker
// pool: it uses a Database connection of its own, from one thread at a time (the host runs it on
// a strand). Each write() is one transaction - a SIGKILL loses at most the batch being written,
// and WAL with synchronous=NORMAL never leaves a corrupt file.
#include <cstdint>
#include <hearth/store/database.hpp>
#include <hearth/store/history_types.hpp>
#include <hearth/store/statement.hpp>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace hearth::store {

struct RetentionLimits {
  int64_t max_days = 0;   // 0: no limit by age
  int64_t max_bytes = 0;  // 0: no limit by size (pages in use, the free list not counted)
};

struct RetentionResult {
  int64_t rows_deleted = 0;
  int64_t bytes_in_use = 0;  // after trimming
};

struct HistoryWriterStats {
  uint64_t transactions = 0;
  uint64_t minute_rows = 0;  // history_minute rows inserted
  uint64_t merged_rows = 0;  // rows that met an existing row of the same device and minute
  uint64_t blob_bytes = 0;   // bytes of the minute blobs written
  uint64_t device_rows = 0;
  uint64_t alarm_events = 0;
  uint64_t replacement_steps = 0;
  uint64_t retention_rows_deleted = 0;
};

// The history_minute row id of a device's minute.
inline int64_t minute_row_id(WallMinute minute, int64_t device_key) {
  return minute * 65536 + device_key;
}

// Pages in use times the page size: what the data occupies (freed pages are reused first).
int64_t bytes_in_use(Database &db);

class HistoryWriter {
 public:
  explicit HistoryWriter(Database &db);

  // One transaction; throws std::runtime_error and rolls back on failure.
  void write(const HistoryBatch &batch);
  // Deletes the minutes older than max_days, then the oldest minutes until the data fits in
  // max_bytes. now_wall_ms: the age reference.
  RetentionResult apply_retention(const RetentionLimits &limits, int64_t now_wall_ms);

  const HistoryWriterStats &stats() const { return stats_; }

 private:
  void write_device(const DeviceRecord &device);
  void write_replacement(const ReplacementRecord &step);
  void move_history(int64_t from_key, int64_t to_key, WallMinute since);
  void write_minutes(const std::vector<MinuteRecord> &records);
  void put_minute_row(int64_t row_id, const std::vector<uint8_t> &blob);
  void write_alarm(const AlarmHistoryEvent &event);
  int64_t name_id(const std::string &name);
  void note_point(int64_t device_key, int64_t name, const MinuteRecord &record);
  int64_t delete_minutes_before(WallMinute minute);

  Database &db_;
  Statement upsert_device_;
  Statement insert_minute_;
  Statement select_minute_;
  Statement update_minute_;
  Statement find_open_alarm_;
  // Caches of what the database holds; dropped when a transaction fails.
  std::map<std::string, int64_t, std::less<>> name_ids_;
  std::map<std::pair<int64_t, int64_t>, std::string> point_units_;
  HistoryWriterStats stats_;
};

}  // namespace hearth::store
