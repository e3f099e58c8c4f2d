// hearth-history: reads hearthd's history from its database (hearthd may keep running: WAL lets
// a reader see every committed batch). Commands: export (CSV of points over a time range),
// devices (the device registry and replacements), alarms (the alarm history).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <hearth/store/database.hpp>
#include <hearth/store/history_query.hpp>
#include <iostream>

namespace {

using namespace hearth::store;

int64_t parse_time_or_throw(const std::string &text, const char *what) {
  if (text == "now") {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  const auto parsed = parse_iso8601_utc(text);
  if (!parsed) {
    throw std::invalid_argument(std::string(what) + ": '" + text +
                                "' is not a UTC time like 2026-11-26T04:00:00Z");
  }
  return *parsed;
}

std::unique_ptr<Database> open_existing(const std::string &path) {
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error(path + ": no such database");
  }
  return std::make_unique<Database>(path);
}

int export_points(const std::string &db_path, const std::string &from, const std::string &to,
                  const std::vector<std::string> &points, const std::string &out_path) {
  auto db = open_existing(db_path);
  const int64_t from_ms = parse_time_or_throw(from, "--from");
  const int64_t to_ms = parse_time_or_throw(to, "--to");
  if (to_ms <= from_ms) throw std::invalid_argument("--to must be after --from");
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary);
    if (!file) throw std::runtime_error(out_path + ": cannot write");
  }
  std::ostream &out = out_path.empty() ? std::cout : file;
  const CsvExport result = export_csv(*db, points, from_ms, to_ms, out);
  for (const auto &unknown : result.unknown_points) {
    std::cerr << "hearth-history: no history of point '" << unknown << "'\n";
  }
  std::cerr << "hearth-history: " << result.rows << " rows\n";
  return result.unknown_points.empty() ? 0 : 3;
}

int list_devices(const std::string &db_path) {
  auto db = open_existing(db_path);
  for (const auto &device : stored_devices(*db)) {
    std::cout << device.key << "  " << device.device_id << "  " << device.state << "  driver "
              << device.driver << "  model '" << device.model << "'  serial '" << device.serial
              << "'  firmware '" << device.firmware << "'  first seen "
              << iso8601_utc(device.first_seen_wall_ms) << "  last seen "
              << iso8601_utc(device.last_seen_wall_ms) << "\n";
  }
  for (const auto &step : stored_replacements(*db)) {
    std::cout << "replacement of " << step.device_id << ": serial '" << step.old_serial << "' -> '"
              << step.new_serial << "' detected " << iso8601_utc(step.detected_wall_ms) << ", "
              << (step.decision.empty() ? std::string("pending")
                                        : step.decision + " by '" + step.decided_by + "' at " +
                                              iso8601_utc(step.decided_wall_ms))
              << "\n";
  }
  return 0;
}

int list_alarms(const std::string &db_path, const AlarmHistoryFilter &filter) {
  auto db = open_existing(db_path);
  for (const auto &alarm : alarm_history(*db, filter)) {
    std::cout << iso8601_utc(alarm.raised_wall_ms) << "  " << alarm.source << "  code "
              << alarm.code << "  severity " << alarm.severity << "  '" << alarm.text << "'";
    if (alarm.repeat_count > 0) std::cout << "  repeated " << alarm.repeat_count;
    if (!alarm.acknowledged_by.empty()) {
      std::cout << "  acknowledged by " << alarm.acknowledged_by << " at "
                << iso8601_utc(alarm.acknowledged_wall_ms.value_or(0));
    }
    std::cout << (alarm.cleared_wall_ms ? "  cleared " + iso8601_utc(*alarm.cleared_wall_ms) +
                                              " (" + alarm.cleared_by + ")"
                                        : std::string("  ACTIVE"))
              << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"hearth-history: the history kept by hearthd"};
  app.require_subcommand(1);
  std::string db_path = "/var/lib/hearth/hearth.db";
  app.add_option("--db", db_path, "hearthd's database")->capture_default_str();

  auto *export_command = app.add_subcommand("export", "points as CSV, one row per minute");
  std::string from, to = "now", out_path;
  std::vector<std::string> points;
  export_command->add_option("--from", from, "start, UTC (2026-11-26T00:00:00Z)")->required();
  export_command->add_option("--to", to, "end (exclusive), UTC, or 'now'")->capture_default_str();
  export_command->add_option("-p,--point", points, "a point, <device>/<name>")->required();
  export_command->add_option("-o,--out", out_path, "write here instead of standard output");

  auto *devices_command = app.add_subcommand("devices", "the device registry and replacements");

  auto *alarms_command = app.add_subcommand("alarms", "the alarm history, newest first");
  AlarmHistoryFilter filter;
  std::string alarms_from, alarms_to;
  alarms_command->add_option("--from", alarms_from, "raised at or after, UTC");
  alarms_command->add_option("--to", alarms_to, "raised before, UTC");
  alarms_command->add_option("--source", filter.source, "only this device or core part");
  alarms_command->add_option("--limit", filter.limit, "at most this many")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*export_command) return export_points(db_path, from, to, points, out_path);
    if (*devices_command) return list_devices(db_path);
    if (!alarms_from.empty()) filter.from_wall_ms = parse_time_or_throw(alarms_from, "--from");
    if (!alarms_to.empty()) filter.to_wall_ms = parse_time_or_throw(alarms_to, "--to");
    return list_alarms(db_path, filter);
  } catch (const std::invalid_argument &error) {
    std::cerr << "hearth-history: " << error.what() << "\n";
    return 2;
  } catch (const std::exception &error) {
    std::cerr << "hearth-history: " << error.what() << "\n";
    return 1;
  }
}
