// SIGKILL during heavy writes: a child process writes one-minute batches of a 40-device site as
// fast as it can and is killed at random moments. After each kill the file must pass SQLite's
// integrity check and hold every batch the child reported committed - at most the batch being
// written when it died is missing (WAL, synchronous=NORMAL, one transaction a batch).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <hearth/store/database.hpp>
#include <hearth/store/statement.hpp>
#include <hearth/testing/child_process.hpp>
#include <random>
#include <regex>
#include <thread>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

struct Contents {
  std::string integrity;
  int64_t last_minute = -1;
  int64_t rows_in_last_minute = 0;
};

Contents inspect(const std::filesystem::path &path) {
  Database db(path);
  Contents contents;
  Statement check(db, "PRAGMA integrity_check");
  while (check.step()) contents.integrity += check.column_text(0);
  Statement last(db, "SELECT MAX(id) / 65536 FROM history_minute");
  if (last.step() && !last.column_is_null(0)) contents.last_minute = last.column_int(0);
  Statement rows(db, "SELECT COUNT(*) FROM history_minute WHERE id >= ? AND id < ?");
  rows.bind(1, contents.last_minute * 65536).bind(2, (contents.last_minute + 1) * 65536);
  if (rows.step()) contents.rows_in_last_minute = rows.column_int(0);
  return contents;
}

void kill_at_random_moments(int kills) {
  testing::TempDir dir;
  const auto path = dir.file("hearth.db");
  std::mt19937 random(20261126);
  std::uniform_int_distribution<int> batches_before_kill(1, 6);
  std::uniform_int_distribution<int> extra_delay_us(0, 3000);
  const std::regex committed("^committed (\\d+)");
  const auto timeout = std::chrono::seconds(hearth::testing::sanitized() ? 60 : 20);
  int64_t reported_total = 0;
  for (int kill = 0; kill < kills; ++kill) {
    hearth::testing::ChildProcess writer({STORE_KILL_WRITER, path.string()});
    ASSERT_TRUE(writer.wait_for_line(std::regex("^ready"), timeout)) << writer.output();
    int64_t last_reported = -1;
    for (int i = batches_before_kill(random); i > 0; --i) {
      const auto line = writer.wait_for_line(committed, timeout);
      ASSERT_TRUE(line) << writer.output();
      last_reported = std::stoll(line->substr(10));
    }
    // The kill lands anywhere in the next batch: building it, inside the transaction, or at
    // its commit.
    std::this_thread::sleep_for(std::chrono::microseconds(extra_delay_us(random)));
    writer.signal(SIGKILL);
    ASSERT_EQ(writer.wait_exit(timeout), 128 + SIGKILL);
    ++reported_total;

    const Contents contents = inspect(path);
    ASSERT_EQ(contents.integrity, "ok") << "after kill " << kill;
    // Everything reported committed is there; at most batches reported after our last read
    // (the child keeps going until the signal lands) are beyond it.
    ASSERT_GE(contents.last_minute, last_reported) << "after kill " << kill;
    // Whole batches only: the last minute holds all 40 devices or is absent.
    EXPECT_EQ(contents.rows_in_last_minute, 40) << "after kill " << kill;
  }
  EXPECT_EQ(reported_total, kills);
}

TEST(StoreCrash, SigkillDuringHeavyWritesNeverCorruptsOrLosesCommittedBatches) {
  kill_at_random_moments(5);
}

TEST(StoreCrashLong, HundredSigkillsDuringHeavyWrites) {
  kill_at_random_moments(100);
}

}  // namespace
}  // namespace hearth::store
