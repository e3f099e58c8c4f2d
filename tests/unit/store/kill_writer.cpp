// store_kill_writer DB: writes one-minute batches of a 40-device site into DB as fast as it can,
// printing "committed <minute>" after each commit, until it is killed. The crash test kills it
// at random moments and then checks the file.
#include <cstdio>
#include <hearth/store/history_writer.hpp>
#include <hearth/store/statement.hpp>
#include <string>

int main(int argc, char **argv) {
  using namespace hearth::store;
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_kill_writer DB\n");
    return 2;
  }
  Database db(argv[1]);
  HistoryWriter writer(db);
  WallMinute minute = 29'000'000;
  {
    Statement last(db, "SELECT MAX(id) / 65536 FROM history_minute");
    if (last.step() && !last.column_is_null(0)) minute = last.column_int(0) + 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;; ++minute) {
    HistoryBatch batch;
    for (int64_t key = 1; key <= 40; ++key) {
      for (int point = 0; point < 25; ++point) {
        MinuteStats stats;
        stats.count = 60;
        stats.min = static_cast<double>(point);
        stats.mean = static_cast<double>(minute % 1000) + 0.25;
        stats.max = static_cast<double>(key * 1000 + point) + 0.5;
        batch.minutes.push_back({minute, key, "point_" + std::to_string(point), "W", stats});
      }
    }
    AlarmHistoryEvent alarm;
    alarm.source = "writer";
    alarm.code = static_cast<int32_t>(minute % 7);
    alarm.severity = 2;
    alarm.kind = minute % 2 == 0 ? AlarmEventKind::raised : AlarmEventKind::cleared;
    alarm.raised_wall_ms = alarm.last_raised_wall_ms = alarm.cleared_wall_ms = minute * 60'000;
    batch.alarms.push_back(alarm);
    writer.write(batch);
    std::printf("committed %lld\n", static_cast<long long>(minute));
    std::fflush(stdout);
  }
}
