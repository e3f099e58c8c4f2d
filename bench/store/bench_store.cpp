// bench_store: what the history costs the flash and how fast it answers (issue 7).
//
// 1. A simulated site - 40 devices x 25 points, each published every second - runs through the
//    real PointStore and HistoryService (minute aggregates flushed on the worker pool into a real
//    SQLite file in WAL mode) for a simulated period, as fast as the machine goes (a ManualClock
//    stands in for time). Bytes written come from /proc/self/io (write_bytes: what the process
//    sent towards the block layer, all threads) and are extrapolated to a day; the database's
//    growth gives bytes per device per day.
// 2. A week of one-minute data for the same site is written, and one point's week is read back
//    (query_minutes) on a fresh connection.
//
// Usage: bench_store [simulated_minutes] [json_out]; JSON also to
// $HEARTH_BENCH_OUT/bench_store.json.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <hearth/host/history_service.hpp>
#include <hearth/store/history_query.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using namespace hearth;
using Seconds = std::chrono::duration<double>;

constexpr int kDevices = 40;
constexpr int kPointsPerDevice = 25;
constexpr int64_t kStartWallMs = 1'795'651'200'000;  // 2026-11-26T00:00:00Z

int64_t write_bytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return -1;
}

int64_t file_bytes(const std::filesystem::path &path) {
  std::error_code ignored;
  const auto size = std::filesystem::file_size(path, ignored);
  return ignored ? 0 : static_cast<int64_t>(size);
}

struct SiteRun {
  int64_t simulated_minutes = 0;
  int64_t samples = 0;
  double publish_seconds = 0;  // core thread: publish + aggregation
  double total_seconds = 0;
  int64_t bytes_written = 0;
  int64_t db_bytes = 0;
  uint64_t transactions = 0;
};

hearth_value value_of(double value) {
  hearth_value v{};
  v.type = HEARTH_VALUE_DOUBLE;
  v.as.d = value;
  return v;
}

SiteRun run_site(const std::filesystem::path &dir, int64_t minutes) {
  const auto db_path = dir / "site.db";
  ManualClock clock(1'000'000'000, kStartWallMs);
  boost::asio::io_context io;
  boost::asio::thread_pool workers(2);
  bus::PointStore points(clock);
  bus::AlarmRegistry alarms;
  std::vector<bus::PointId> ids;
  for (int device = 1; device <= kDevices; ++device) {
    for (int point = 0; point < kPointsPerDevice; ++point) {
      const bool counter = point == 0;
      ids.push_back(points.declare("device-" + std::to_string(device) + "/" +
                                       (counter ? "energy_wh" : "p" + std::to_string(point)),
                                   HEARTH_VALUE_DOUBLE, counter ? "Wh" : "W", 5000));
    }
  }
  SiteRun run;
  run.simulated_minutes = minutes;
  const int64_t bytes_before = write_bytes();
  const auto started = std::chrono::steady_clock::now();
  {
    host::HistoryOptions options;
    options.database_path = db_path;
    options.close_grace = std::chrono::milliseconds(0);
    host::HistoryService history(points, alarms, clock, io, workers, options);
    history.start();
    double energy = 1e6;
    for (int64_t minute = 0; minute < minutes; ++minute) {
      const auto publishing = std::chrono::steady_clock::now();
      for (int second = 0; second < 60; ++second) {
        clock.advance_ms(1000);
        for (size_t i = 0; i < ids.size(); ++i) {
          // Values that move like measurements (not constants SQLite could compress away).
          const double value =
              i % kPointsPerDevice == 0
                  ? (energy += 0.7)
                  : 1000.0 * std::sin(0.001 * static_cast<double>(minute * 60 + second) +
                                      static_cast<double>(i)) +
                        0.01 * static_cast<double>(second);
          points.publish(ids[i], value_of(value), 0, HEARTH_QUALITY_GOOD);
          ++run.samples;
        }
      }
      run.publish_seconds += Seconds(std::chrono::steady_clock::now() - publishing).count();
      history.flush();  // at the minute's end (close_grace 0), like the timer's flush
      history.wait_idle();
    }
    history.stop();
    run.transactions = history.writer_stats().transactions;
  }
  workers.join();
  run.total_seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  run.bytes_written = write_bytes() - bytes_before;
  {
    // The WAL folded into the file, so the file's size is the data's.
    store::Database db(db_path);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  run.db_bytes = file_bytes(db_path);
  return run;
}

struct QueryRun {
  int64_t rows = 0;
  double write_seconds = 0;
  int64_t db_bytes = 0;
  double query_ms = 0;
  size_t minutes_returned = 0;
  double csv_ms = 0;
};

QueryRun week_query(const std::filesystem::path &dir) {
  const auto db_path = dir / "week.db";
  QueryRun run;
  constexpr int64_t kWeekMinutes = 7 * 1440;
  const store::WallMinute first = kStartWallMs / store::kMsPerMinute;
  {
    store::Database db(db_path);
    store::HistoryWriter writer(db);
    const auto started = std::chrono::steady_clock::now();
    for (int64_t hour = 0; hour < kWeekMinutes / 60; ++hour) {
      store::HistoryBatch batch;
      for (int64_t minute = first + hour * 60; minute < first + (hour + 1) * 60; ++minute) {
        for (int64_t key = 1; key <= kDevices; ++key) {
          for (int point = 0; point < kPointsPerDevice; ++point) {
            store::MinuteStats stats;
            stats.count = 60;
            stats.mean = std::sin(0.01 * static_cast<double>(minute)) * 1000 + point;
            stats.min = stats.mean - 17.25;
            stats.max = stats.mean + 3.5;
            batch.minutes.push_back({minute, key, "p" + std::to_string(point), "W", stats});
          }
        }
      }
      // Device rows so that points resolve.
      for (int64_t key = 1; hour == 0 && key <= kDevices; ++key) {
        store::DeviceRecord device;
        device.key = key;
        device.device_id = "device-" + std::to_string(key);
        batch.devices.push_back(device);
      }
      writer.write(batch);
    }
    run.write_seconds = Seconds(std::chrono::steady_clock::now() - started).count();
    run.rows = static_cast<int64_t>(writer.stats().minute_rows);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  run.db_bytes = file_bytes(db_path);
  store::Database db(db_path);  // a fresh connection: nothing cached in SQLite
  const auto started = std::chrono::steady_clock::now();
  const auto point = store::resolve_point(db, "device-17/p12");
  const int64_t end_ms = kStartWallMs + kWeekMinutes * store::kMsPerMinute;
  const auto minutes = store::query_minutes(db, *point, kStartWallMs, end_ms);
  run.query_ms = Seconds(std::chrono::steady_clock::now() - started).count() * 1000;
  run.minutes_returned = minutes.size();
  std::ofstream sink("/dev/null");
  const std::vector<std::string> one = {"device-17/p12"};
  const auto csv_started = std::chrono::steady_clock::now();
  store::export_csv(db, one, kStartWallMs, end_ms, sink);
  run.csv_ms = Seconds(std::chrono::steady_clock::now() - csv_started).count() * 1000;
  return run;
}

}  // namespace

int main(int argc, char **argv) {
  const int64_t minutes = argc > 1 ? std::stoll(argv[1]) : 240;
  const char *env_out = std::getenv("HEARTH_BENCH_OUT");
  const std::string out = argc > 2  ? argv[2]
                          : env_out ? std::string(env_out) + "/bench_store.json"
                                    : "bench_store.json";
  const auto dir =
      std::filesystem::temp_directory_path() / ("hearth-bench-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  const SiteRun site = run_site(dir, minutes);
  const double days = static_cast<double>(site.simulated_minutes) / 1440.0;
  const double mb_written_per_day = static_cast<double>(site.bytes_written) / days / 1e6;
  const double db_mb_per_day = static_cast<double>(site.db_bytes) / days / 1e6;
  const double kb_per_device_day = static_cast<double>(site.db_bytes) / days / kDevices / 1e3;
  const double samples_per_s = static_cast<double>(site.samples) / site.publish_seconds;
  const double end_to_end_per_s = static_cast<double>(site.samples) / site.total_seconds;
  const QueryRun week = week_query(dir);
  std::filesystem::remove_all(dir);

  std::printf("bench_store: %d devices x %d points at 1 s, %lld simulated minutes\n", kDevices,
              kPointsPerDevice, static_cast<long long>(site.simulated_minutes));
  std::printf("  %-44s %12.1f MB/day (target <= 100; %lld bytes in %lld min)\n",
              "bytes written (/proc/self/io write_bytes)", mb_written_per_day,
              static_cast<long long>(site.bytes_written),
              static_cast<long long>(site.simulated_minutes));
  std::printf("  %-44s %12.1f MB/day\n", "database growth, site", db_mb_per_day);
  std::printf("  %-44s %12.1f kB/device/day\n", "database growth per device", kb_per_device_day);
  std::printf("  %-44s %12.0f samples/s\n", "point throughput (publish + aggregate)",
              samples_per_s);
  std::printf("  %-44s %12.0f samples/s\n", "point throughput incl. flushes (end to end)",
              end_to_end_per_s);
  std::printf("  %-44s %12llu\n", "writer transactions",
              static_cast<unsigned long long>(site.transactions));
  std::printf("  %-44s %12.1f ms (%zu minutes)\n", "query: one point, one week (fresh conn.)",
              week.query_ms, week.minutes_returned);
  std::printf("  %-44s %12.1f ms\n", "CSV export: one point, one week", week.csv_ms);
  std::printf("  %-44s %12.1f MB (%lld rows, written in %.1f s)\n", "database with one week",
              static_cast<double>(week.db_bytes) / 1e6, static_cast<long long>(week.rows),
              week.write_seconds);

  nlohmann::json results = {
      {"devices", kDevices},
      {"points_per_device", kPointsPerDevice},
      {"simulated_minutes", site.simulated_minutes},
      {"bytes_written", site.bytes_written},
      {"mb_written_per_day", mb_written_per_day},
      {"target_mb_written_per_day", 100},
      {"db_mb_per_day", db_mb_per_day},
      {"db_kb_per_device_per_day", kb_per_device_day},
      {"samples_per_second_publish_aggregate", samples_per_s},
      {"samples_per_second_end_to_end", end_to_end_per_s},
      {"writer_transactions", site.transactions},
      {"week_query_ms", week.query_ms},
      {"week_query_minutes", week.minutes_returned},
      {"week_csv_export_ms", week.csv_ms},
      {"week_db_bytes", week.db_bytes},
  };
  std::ofstream(out) << results.dump(2) << "\n";
  std::printf("JSON: %s\n", out.c_str());
  return 0;
}
