#include <time.h>

#include <charconv>
#include <cstdio>
#include <hearth/store/history_codec.hpp>
#include <hearth/store/history_query.hpp>
#include <hearth/store/history_writer.hpp>
#include <hearth/store/statement.hpp>
#include <map>

namespace hearth::store {

namespace {

// A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180).
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string number_text(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::string();
}

struct Column {
  const char *label;
  double (*pick)(const MinuteStats &);
};

constexpr Column kStatColumns[] = {
    {"min", [](const MinuteStats &s) { return s.min; }},
    {"mean", [](const MinuteStats &s) { return s.mean; }},
    {"max", [](const MinuteStats &s) { return s.max; }},
};
constexpr Column kCounterColumns[] = {
    {"first", [](const MinuteStats &s) { return s.first; }},
    {"last", [](const MinuteStats &s) { return s.last; }},
};

// Reads the blob of one device-minute, for point after point.
class MinuteRows {
 public:
  explicit MinuteRows(Database &db) : select_(db, "SELECT data FROM history_minute WHERE id = ?") {}
  std::optional<MinuteStats> find(WallMinute minute, const PointRef &point) {
    select_.bind(1, minute_row_id(minute, point.device_key));
    std::optional<MinuteStats> stats;
    if (select_.step()) stats = find_in_minute(select_.column_blob(0), point.name_id);
    select_.reset();
    return stats;
  }

 private:
  Statement select_;
};

bool parse_int(std::string_view text, int &out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<PointRef> resolve_point(Database &db, std::string_view point) {
  const size_t slash = point.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == point.size()) {
    return std::nullopt;
  }
  Statement query(db,
                  "SELECT d.key, n.id, p.unit, p.counter FROM device d "
                  "JOIN history_point p ON p.device_key = d.key "
                  "JOIN history_name n ON n.id = p.name_id "
                  "WHERE d.device_id = ? AND n.name = ? "
                  "ORDER BY d.state = 'active' DESC, d.state = 'pending' DESC LIMIT 1");
  query.bind(1, point.substr(0, slash)).bind(2, point.substr(slash + 1));
  if (!query.step()) return std::nullopt;
  return PointRef{std::string(point), query.column_int(0), query.column_int(1),
                  query.column_text(2), query.column_int(3) != 0};
}

std::vector<PointMinute> query_minutes(Database &db, const PointRef &point, int64_t from_wall_ms,
                                       int64_t to_wall_ms) {
  std::vector<PointMinute> minutes;
  MinuteRows rows(db);
  // Rows are ordered by time, then device: one rowid lookup per minute of the range.
  for (WallMinute minute = minute_of(from_wall_ms); minute * kMsPerMinute < to_wall_ms; ++minute) {
    if (auto stats = rows.find(minute, point)) minutes.push_back({minute, *stats});
  }
  return minutes;
}

CsvExport export_csv(Database &db, std::span<const std::string> points, int64_t from_wall_ms,
                     int64_t to_wall_ms, std::ostream &out) {
  CsvExport result;
  std::vector<PointRef> known;
  out << "time_utc";
  for (const std::string &name : points) {
    auto point = resolve_point(db, name);
    if (!point) {
      result.unknown_points.push_back(name);
      continue;
    }
    const auto header = [&](const Column &column) {
      out << ',' << csv_field(name + " " + column.label + " [" + point->unit + "]");
    };
    for (const Column &column : kStatColumns) header(column);
    if (point->counter) {
      for (const Column &column : kCounterColumns) header(column);
    }
    known.push_back(std::move(*point));
  }
  out << "\r\n";
  MinuteRows rows(db);
  std::vector<std::optional<MinuteStats>> cells(known.size());
  for (WallMinute minute = minute_of(from_wall_ms); minute * kMsPerMinute < to_wall_ms; ++minute) {
    bool any = false;
    for (size_t i = 0; i < known.size(); ++i) {
      cells[i] = rows.find(minute, known[i]);
      any = any || cells[i].has_value();
    }
    if (!any) continue;
    out << iso8601_utc(minute * kMsPerMinute);
    for (size_t i = 0; i < known.size(); ++i) {
      const auto cell = [&](const Column &column) {
        out << ',';
        if (cells[i]) out << number_text(column.pick(*cells[i]));
      };
      for (const Column &column : kStatColumns) cell(column);
      if (known[i].counter) {
        for (const Column &column : kCounterColumns) cell(column);
      }
    }
    out << "\r\n";
    ++result.rows;
  }
  return result;
}

std::vector<AlarmOccurrence> alarm_history(Database &db, const AlarmHistoryFilter &filter) {
  Statement query(db,
                  "SELECT id, source, code, severity, text, raised_wall_ms, last_raised_wall_ms, "
                  "repeat_count, cleared_wall_ms, cleared_by, acknowledged_by, "
                  "acknowledged_wall_ms FROM alarm_history "
                  "WHERE raised_wall_ms >= ? AND raised_wall_ms < ? AND (? = '' OR source = ?) "
                  "ORDER BY raised_wall_ms DESC, id DESC LIMIT ?");
  query.bind(1, filter.from_wall_ms)
      .bind(2, filter.to_wall_ms)
      .bind(3, filter.source)
      .bind(4, filter.source)
      .bind(5, static_cast<int64_t>(filter.limit));
  std::vector<AlarmOccurrence> occurrences;
  while (query.step()) {
    AlarmOccurrence alarm;
    alarm.id = query.column_int(0);
    alarm.source = query.column_text(1);
    alarm.code = static_cast<int32_t>(query.column_int(2));
    alarm.severity = static_cast<int32_t>(query.column_int(3));
    alarm.text = query.column_text(4);
    alarm.raised_wall_ms = query.column_int(5);
    alarm.last_raised_wall_ms = query.column_int(6);
    alarm.repeat_count = static_cast<uint32_t>(query.column_int(7));
    if (!query.column_is_null(8)) alarm.cleared_wall_ms = query.column_int(8);
    alarm.cleared_by = query.column_text(9);
    alarm.acknowledged_by = query.column_text(10);
    if (!query.column_is_null(11)) alarm.acknowledged_wall_ms = query.column_int(11);
    occurrences.push_back(std::move(alarm));
  }
  return occurrences;
}

int64_t close_open_alarms(Database &db, int64_t wall_ms) {
  Statement close(db,
                  "UPDATE alarm_history SET cleared_wall_ms = ?, cleared_by = 'restart' "
                  "WHERE cleared_wall_ms IS NULL");
  close.bind(1, wall_ms).run();
  return db.changes();
}

std::vector<DeviceRecord> stored_devices(Database &db) {
  Statement query(db,
                  "SELECT key, device_id, state, driver, model, serial, firmware, "
                  "first_seen_wall_ms, last_seen_wall_ms FROM device ORDER BY key");
  std::vector<DeviceRecord> devices;
  while (query.step()) {
    devices.push_back({query.column_int(0), query.column_text(1), query.column_text(2),
                       query.column_text(3), query.column_text(4), query.column_text(5),
                       query.column_text(6), query.column_int(7), query.column_int(8)});
  }
  return devices;
}

std::vector<ReplacementRecord> stored_replacements(Database &db) {
  Statement query(db,
                  "SELECT id, device_id, old_key, new_key, old_serial, new_serial, "
                  "detected_wall_ms, decision, decided_by, decided_wall_ms "
                  "FROM device_replacement ORDER BY id");
  std::vector<ReplacementRecord> steps;
  while (query.step()) {
    steps.push_back({query.column_int(0), query.column_text(1), query.column_int(2),
                     query.column_int(3), query.column_text(4), query.column_text(5),
                     query.column_int(6), query.column_text(7), query.column_text(8),
                     query.column_int(9)});
  }
  return steps;
}

std::string iso8601_utc(int64_t wall_ms) {
  const int64_t millis = ((wall_ms % 1000) + 1000) % 1000;
  const time_t seconds = static_cast<time_t>((wall_ms - millis) / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const int length =
      millis == 0 ? std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                                  utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                  utc.tm_min, utc.tm_sec)
                  : std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                  utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                  utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return std::string(buffer, static_cast<size_t>(length));
}

std::optional<int64_t> parse_iso8601_utc(std::string_view text) {
  if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
  // Positions in "YYYY-MM-DDTHH:MM:SS".
  static constexpr size_t kDate = 10, kMinutes = 16, kSeconds = 19;
  if (text.size() != kDate && text.size() != kMinutes && text.size() != kSeconds) {
    return std::nullopt;
  }
  int fields[6] = {0, 1, 1, 0, 0, 0};
  const size_t starts[6] = {0, 5, 8, 11, 14, 17};
  const size_t widths[6] = {4, 2, 2, 2, 2, 2};
  const char separators[6] = {0, '-', '-', 'T', ':', ':'};
  for (size_t i = 0; i < 6 && starts[i] < text.size(); ++i) {
    if (i > 0 && text[starts[i] - 1] != separators[i] && !(i == 3 && text[starts[i] - 1] == ' ')) {
      return std::nullopt;
    }
    if (!parse_int(text.substr(starts[i], widths[i]), fields[i])) return std::nullopt;
  }
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 ||
      fields[4] > 59 || fields[5] > 60) {
    return std::nullopt;
  }
  tm utc{};
  utc.tm_year = fields[0] - 1900;
  utc.tm_mon = fields[1] - 1;
  utc.tm_mday = fields[2];
  utc.tm_hour = fields[3];
  utc.tm_min = fields[4];
  utc.tm_sec = fields[5];
  return static_cast<int64_t>(timegm(&utc)) * 1000;
}

}  // namespace hearth::store
