#include <algorithm>
#include <cmath>
#include <hearth/store/history_codec.hpp>
#include <hearth/store/history_writer.hpp>

namespace hearth::store {

namespace {

// A replacement's pending key can hold minutes closed a little before the replacement was seen
// (the key is chosen when a batch is taken); moving the data looks back this far.
constexpr WallMinute kReplacementLookBackMinutes = 120;
// Retention by size deletes in rounds, each sized from the current excess.
constexpr int kMaxTrimRounds = 20;

std::string_view alarm_kind_text(AlarmEventKind kind) {
  switch (kind) {
    case AlarmEventKind::raised:
      return "raised";
    case AlarmEventKind::updated:
      return "updated";
    case AlarmEventKind::cleared:
      return "cleared";
    case AlarmEventKind::acknowledged:
      return "acknowledged";
  }
  return "?";
}

int64_t pragma_int(Database &db, const char *pragma) {
  Statement query(db, pragma);
  return query.step() ? query.column_int(0) : 0;
}

}  // namespace

int64_t bytes_in_use(Database &db) {
  return (pragma_int(db, "PRAGMA page_count") - pragma_int(db, "PRAGMA freelist_count")) *
         pragma_int(db, "PRAGMA page_size");
}

HistoryWriter::HistoryWriter(Database &db)
    : db_(db),
      upsert_device_(db,
                     "INSERT INTO device (key, device_id, state, driver, model, serial, firmware, "
                     "first_seen_wall_ms, last_seen_wall_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (key) DO UPDATE SET device_id = excluded.device_id, "
                     "state = excluded.state, driver = excluded.driver, model = excluded.model, "
                     "serial = excluded.serial, firmware = excluded.firmware, "
                     "first_seen_wall_ms = excluded.first_seen_wall_ms, "
                     "last_seen_wall_ms = excluded.last_seen_wall_ms"),
      insert_minute_(db,
                     "INSERT INTO history_minute (id, data) VALUES (?, ?) "
                     "ON CONFLICT (id) DO NOTHING"),
      select_minute_(db, "SELECT data FROM history_minute WHERE id = ?"),
      update_minute_(db, "UPDATE history_minute SET data = ? WHERE id = ?"),
      find_open_alarm_(db,
                       "SELECT id FROM alarm_history WHERE source = ? AND code = ? AND "
                       "cleared_wall_ms IS NULL") {}

void HistoryWriter::write(const HistoryBatch &batch) {
  if (batch.empty()) return;
  try {
    Transaction transaction(db_);
    for (const auto &device : batch.devices) write_device(device);
    for (const auto &step : batch.replacements) write_replacement(step);
    write_minutes(batch.minutes);
    for (const auto &event : batch.alarms) write_alarm(event);
    transaction.commit();
  } catch (...) {
    // Rolled back: what the caches learned in this transaction is not in the file.
    name_ids_.clear();
    point_units_.clear();
    throw;
  }
  ++stats_.transactions;
  stats_.device_rows += batch.devices.size();
  stats_.alarm_events += batch.alarms.size();
  stats_.replacement_steps += batch.replacements.size();
}

void HistoryWriter::write_device(const DeviceRecord &device) {
  upsert_device_.bind(1, device.key)
      .bind(2, device.device_id)
      .bind(3, device.state)
      .bind(4, device.driver)
      .bind(5, device.model)
      .bind(6, device.serial)
      .bind(7, device.firmware)
      .bind(8, device.first_seen_wall_ms)
      .bind(9, device.last_seen_wall_ms)
      .run();
}

void HistoryWriter::write_replacement(const ReplacementRecord &step) {
  if (step.decision.empty()) {
    Statement update(db_,
                     "UPDATE device_replacement SET new_key = ?, new_serial = ? "
                     "WHERE device_id = ? AND decision = ''");
    update.bind(1, step.new_key).bind(2, step.new_serial).bind(3, step.device_id).run();
    if (db_.changes() > 0) return;
    Statement insert(db_,
                     "INSERT INTO device_replacement (device_id, old_key, new_key, old_serial, "
                     "new_serial, detected_wall_ms) VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, step.device_id)
        .bind(2, step.old_key)
        .bind(3, step.new_key)
        .bind(4, step.old_serial)
        .bind(5, step.new_serial)
        .bind(6, step.detected_wall_ms)
        .run();
    return;
  }
  Statement decide(db_,
                   "UPDATE device_replacement SET decision = ?, decided_by = ?, "
                   "decided_wall_ms = ? WHERE device_id = ? AND decision = ''");
  decide.bind(1, step.decision)
      .bind(2, step.decided_by)
      .bind(3, step.decided_wall_ms)
      .bind(4, step.device_id)
      .run();
  if (step.decision == "refused") return;  // both keys keep their own history
  move_history(step.new_key, step.old_key,
               minute_of(step.detected_wall_ms) - kReplacementLookBackMinutes);
  Statement forget(db_, "DELETE FROM device WHERE key = ?");
  forget.bind(1, step.new_key).run();
}

void HistoryWriter::move_history(int64_t from_key, int64_t to_key, WallMinute since) {
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> rows;
  {
    Statement select(db_, "SELECT id, data FROM history_minute WHERE id >= ? AND (id & 65535) = ?");
    select.bind(1, minute_row_id(since, 0)).bind(2, from_key);
    while (select.step()) rows.emplace_back(select.column_int(0), select.column_blob(1));
  }
  Statement remove(db_, "DELETE FROM history_minute WHERE id = ?");
  for (const auto &[id, blob] : rows) {
    remove.bind(1, id).run();
    put_minute_row(id - from_key + to_key, blob);
  }
  Statement points(db_,
                   "INSERT OR IGNORE INTO history_point (device_key, name_id, unit, counter) "
                   "SELECT ?, name_id, unit, counter FROM history_point WHERE device_key = ?");
  points.bind(1, to_key).bind(2, from_key).run();
  Statement drop_points(db_, "DELETE FROM history_point WHERE device_key = ?");
  drop_points.bind(1, from_key).run();
  point_units_.clear();
}

void HistoryWriter::put_minute_row(int64_t row_id, const std::vector<uint8_t> &blob) {
  insert_minute_.bind(1, row_id).bind_blob(2, blob).run();
  stats_.blob_bytes += blob.size();
  if (db_.changes() > 0) {
    ++stats_.minute_rows;
    return;
  }
  // The same device and minute again: hearthd restarted within the minute, or a replacement's
  // data meets the old key's. One row, both aggregates.
  select_minute_.bind(1, row_id);
  std::vector<uint8_t> existing;
  if (select_minute_.step()) existing = select_minute_.column_blob(0);
  select_minute_.reset();
  update_minute_.bind_blob(1, merge_minutes(existing, blob)).bind(2, row_id).run();
  ++stats_.merged_rows;
}

int64_t HistoryWriter::name_id(const std::string &name) {
  if (auto found = name_ids_.find(name); found != name_ids_.end()) return found->second;
  Statement insert(db_, "INSERT OR IGNORE INTO history_name (name) VALUES (?)");
  insert.bind(1, name).run();
  Statement select(db_, "SELECT id FROM history_name WHERE name = ?");
  select.bind(1, name);
  if (!select.step()) db_.fail("history_name row vanished for '" + name + "'");
  const int64_t id = select.column_int(0);
  name_ids_.emplace(name, id);
  return id;
}

void HistoryWriter::note_point(int64_t device_key, int64_t name, const MinuteRecord &record) {
  auto [entry, created] = point_units_.try_emplace({device_key, name}, record.unit);
  if (!created && entry->second == record.unit) return;
  entry->second = record.unit;
  Statement upsert(db_,
                   "INSERT INTO history_point (device_key, name_id, unit, counter) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (device_key, name_id) DO UPDATE SET "
                   "unit = excluded.unit, counter = excluded.counter");
  upsert.bind(1, device_key)
      .bind(2, name)
      .bind(3, record.unit)
      .bind(4, static_cast<int64_t>(record.stats.counter ? 1 : 0))
      .run();
}

void HistoryWriter::write_minutes(const std::vector<MinuteRecord> &records) {
  std::map<int64_t, std::vector<CodedStats>> by_row;
  for (const MinuteRecord &record : records) {
    const int64_t name = name_id(record.name);
    note_point(record.device_key, name, record);
    by_row[minute_row_id(record.minute, record.device_key)].push_back({name, record.stats});
  }
  for (const auto &[row_id, stats] : by_row) put_minute_row(row_id, encode_minute(stats));
}

void HistoryWriter::write_alarm(const AlarmHistoryEvent &event) {
  find_open_alarm_.bind(1, event.source).bind(2, static_cast<int64_t>(event.code));
  const bool open = find_open_alarm_.step();
  const int64_t id = open ? find_open_alarm_.column_int(0) : 0;
  find_open_alarm_.reset();
  Statement write(db_, open ? "UPDATE alarm_history SET source = ?1, code = ?2, severity = ?3, "
                              "text = ?4, raised_wall_ms = ?5, last_raised_wall_ms = ?6, "
                              "repeat_count = ?7, cleared_wall_ms = ?8, cleared_by = ?9, "
                              "acknowledged_by = ?10, acknowledged_wall_ms = ?11 WHERE id = ?12"
                            : "INSERT INTO alarm_history (source, code, severity, text, "
                              "raised_wall_ms, last_raised_wall_ms, repeat_count, cleared_wall_ms, "
                              "cleared_by, acknowledged_by, acknowledged_wall_ms) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  write.bind(1, event.source)
      .bind(2, static_cast<int64_t>(event.code))
      .bind(3, static_cast<int64_t>(event.severity))
      .bind(4, event.text)
      .bind(5, event.raised_wall_ms)
      .bind(6, event.last_raised_wall_ms)
      .bind(7, static_cast<int64_t>(event.repeat_count));
  if (event.kind == AlarmEventKind::cleared) {
    write.bind(8, event.cleared_wall_ms).bind(9, event.source);
  } else {
    write.bind_null(8).bind(9, "");
  }
  write.bind(10, event.acknowledged_by);
  if (event.acknowledged_by.empty()) {
    write.bind_null(11);
  } else {
    write.bind(11, event.acknowledged_wall_ms);
  }
  if (open) write.bind(12, id);
  try {
    write.run();
  } catch (const std::runtime_error &error) {
    throw std::runtime_error(std::string(error.what()) + " (alarm " + event.source + "/" +
                             std::to_string(event.code) + " " +
                             std::string(alarm_kind_text(event.kind)) + ")");
  }
}

int64_t HistoryWriter::delete_minutes_before(WallMinute minute) {
  Statement remove(db_, "DELETE FROM history_minute WHERE id < ?");
  remove.bind(1, minute_row_id(minute, 0)).run();
  const int64_t deleted = db_.changes();
  stats_.retention_rows_deleted += static_cast<uint64_t>(deleted);
  return deleted;
}

RetentionResult HistoryWriter::apply_retention(const RetentionLimits &limits, int64_t now_wall_ms) {
  RetentionResult result;
  Transaction transaction(db_);
  if (limits.max_days > 0) {
    result.rows_deleted += delete_minutes_before(minute_of(now_wall_ms) - limits.max_days * 1440);
  }
  for (int round = 0; limits.max_bytes > 0 && round < kMaxTrimRounds; ++round) {
    const int64_t in_use = bytes_in_use(db_);
    if (in_use <= limits.max_bytes) break;
    Statement span(db_, "SELECT MIN(id) / 65536, MAX(id) / 65536 FROM history_minute");
    if (!span.step() || span.column_is_null(0)) break;  // nothing left to trim
    const WallMinute oldest = span.column_int(0);
    const WallMinute minutes = span.column_int(1) - oldest + 1;
    // The history is most of the file; drop the share of its minutes that the excess is,
    // a little more so that page boundaries do not need another round.
    const double share = static_cast<double>(in_use - limits.max_bytes) / in_use;
    const auto drop =
        std::max<WallMinute>(1, static_cast<WallMinute>(std::ceil(minutes * share * 1.05)));
    result.rows_deleted += delete_minutes_before(oldest + drop);
  }
  transaction.commit();
  result.bytes_in_use = bytes_in_use(db_);
  return result;
}

}  // namespace hearth::store
