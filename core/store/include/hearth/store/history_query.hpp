#pragma once
// Reading the history back: a point's one-minute aggregates over a time range, CSV export of
// several points, the alarm history, the device registry and its replacements as stored.
// Any thread, with a connection that thread owns (reads see every committed batch).
#include <cstdint>
#include <hearth/store/database.hpp>
#include <hearth/store/history_types.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::store {

// A stored point: "<device>/<name>". The device part is a slot's id (its current hardware, or the
// pending one when no other exists) or a retired device's "<id>@<serial>".
struct PointRef {
  std::string point;
  int64_t device_key = 0;
  int64_t name_id = 0;
  std::string unit;
  bool counter = false;
};

struct PointMinute {
  WallMinute minute = 0;
  MinuteStats stats;
};

// nullopt when no such point was ever stored.
std::optional<PointRef> resolve_point(Database &db, std::string_view point);
// The minutes in [from_wall_ms, to_wall_ms) that hold data, oldest first.
std::vector<PointMinute> query_minutes(Database &db, const PointRef &point, int64_t from_wall_ms,
                                       int64_t to_wall_ms);

struct CsvExport {
  size_t rows = 0;                          // data rows written (the header not counted)
  std::vector<std::string> unknown_points;  // asked for, never stored: no columns
};

// One header row - "time_utc", then for each point "<point> min [unit]", "... mean ...",
// "... max ...", and for energy counters also "... first ..." and "... last ..." - then one row
// per minute in [from_wall_ms, to_wall_ms) that holds data of any of the points, its time
// ISO-8601 UTC ("2026-11-26T04:05:00Z", the minute's start). Cells without data are empty.
CsvExport export_csv(Database &db, std::span<const std::string> points, int64_t from_wall_ms,
                     int64_t to_wall_ms, std::ostream &out);

struct AlarmHistoryFilter {
  int64_t from_wall_ms = INT64_MIN;  // raised at or after
  int64_t to_wall_ms = INT64_MAX;    // raised before
  std::string source;                // empty: all
  size_t limit = 1000;
};
// Newest first.
std::vector<AlarmOccurrence> alarm_history(Database &db, const AlarmHistoryFilter &filter = {});
// Marks every occurrence still open as cleared by "restart" at wall_ms (hearthd starts with no
// active alarm; devices raise again what still holds). Returns how many.
int64_t close_open_alarms(Database &db, int64_t wall_ms);

std::vector<DeviceRecord> stored_devices(Database &db);
std::vector<ReplacementRecord> stored_replacements(Database &db);

// "2026-11-26T04:05:00Z" (seconds precision; milliseconds when not zero).
std::string iso8601_utc(int64_t wall_ms);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with an optional "Z"; UTC.
std::optional<int64_t> parse_iso8601_utc(std::string_view text);

}  // namespace hearth::store
