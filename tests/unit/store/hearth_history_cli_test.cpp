// hearth-history, the CLI over the history: export, devices and alarms on a real database, and
// clear refusals of bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <hearth/store/history_writer.hpp>
#include <hearth/testing/child_process.hpp>
#include <regex>
#include <sstream>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

constexpr int64_t kMidnightMs = 1'795'651'200'000;  // 2026-11-26T00:00:00Z
constexpr auto kTimeout = std::chrono::seconds(30);

struct CliResult {
  int status;
  std::string output;
};

CliResult hearth_history(std::vector<std::string> args) {
  args.insert(args.begin(), HEARTH_HISTORY);
  hearth::testing::ChildProcess child(args);
  const auto status = child.wait_exit(kTimeout);
  return {status.value_or(-1), child.output()};
}

class HearthHistoryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Database db(db_path_);
    HistoryWriter writer(db);
    HistoryBatch batch;
    DeviceRecord meter;
    meter.key = 1;
    meter.device_id = "meter-1";
    meter.model = "DTSU666";
    meter.serial = "M-42";
    batch.devices.push_back(meter);
    MinuteStats stats;
    stats.count = 60;
    stats.min = -10;
    stats.mean = 12.5;
    stats.max = 30;
    batch.minutes.push_back({kMidnightMs / kMsPerMinute, 1, "grid_w", "W", stats});
    AlarmHistoryEvent alarm;
    alarm.source = "meter-1";
    alarm.code = 1;
    alarm.severity = 3;
    alarm.text = "no answer";
    alarm.raised_wall_ms = alarm.last_raised_wall_ms = kMidnightMs;
    alarm.acknowledged_by = "installer";
    alarm.acknowledged_wall_ms = kMidnightMs + 1000;
    batch.alarms.push_back(alarm);
    writer.write(batch);
  }
  testing::TempDir dir_;
  std::string db_path_ = dir_.file("hearth.db").string();
};

TEST_F(HearthHistoryCli, ExportsCsvToAFile) {
  const auto csv = dir_.file("out.csv").string();
  const CliResult run = hearth_history({"--db", db_path_, "export", "--from", "2026-11-26", "--to",
                                        "2026-11-26T01:00:00Z", "-p", "meter-1/grid_w", "-o", csv});
  ASSERT_EQ(run.status, 0) << run.output;
  std::ifstream file(csv);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(),
            "time_utc,meter-1/grid_w min [W],meter-1/grid_w mean [W],meter-1/grid_w max [W]\r\n"
            "2026-11-26T00:00:00Z,-10,12.5,30\r\n");
}

TEST_F(HearthHistoryCli, UnknownPointsAndBadTimesAreNamedAndExitNonZero) {
  CliResult run = hearth_history({"--db", db_path_, "export", "--from", "2026-11-26", "-p",
                                  "meter-1/grid_w", "-p", "ghost/x"});
  EXPECT_EQ(run.status, 3);
  EXPECT_NE(run.output.find("no history of point 'ghost/x'"), std::string::npos) << run.output;
  run = hearth_history({"--db", db_path_, "export", "--from", "yesterday", "-p", "meter-1/grid_w"});
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("--from: 'yesterday' is not a UTC time"), std::string::npos);
  run = hearth_history({"--db", dir_.file("missing.db").string(), "devices"});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("no such database"), std::string::npos);
}

TEST_F(HearthHistoryCli, ListsDevicesAndAlarms) {
  CliResult run = hearth_history({"--db", db_path_, "devices"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(
      std::regex_search(run.output, std::regex("meter-1 +active .*model 'DTSU666' +serial 'M-42'")))
      << run.output;
  run = hearth_history({"--db", db_path_, "alarms", "--source", "meter-1"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("acknowledged by installer at 2026-11-26T00:00:01Z"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("ACTIVE"), std::string::npos);
}

}  // namespace
}  // namespace hearth::store
