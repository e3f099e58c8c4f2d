#include <gtest/gtest.h>

#include <fstream>
#include <hearth/store/database.hpp>
#include <hearth/store/schema.hpp>
#include <hearth/store/statement.hpp>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

using testing::TempDir;

std::vector<Migration> two_steps() {
  return {{"create widgets", "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT);"},
          {"seed widgets", "INSERT INTO widgets (name) VALUES ('first');"}};
}

int64_t count_rows(Database &db, const std::string &table) {
  Statement query(db, "SELECT COUNT(*) FROM " + table);
  EXPECT_TRUE(query.step());
  return query.column_int(0);
}

TEST(Database, OpensInWalModeWithForeignKeysAndNormalSync) {
  TempDir dir;
  Database db(dir.file("hearth.db"));
  Statement journal(db, "PRAGMA journal_mode");
  ASSERT_TRUE(journal.step());
  EXPECT_EQ(journal.column_text(0), "wal");
  Statement foreign_keys(db, "PRAGMA foreign_keys");
  ASSERT_TRUE(foreign_keys.step());
  EXPECT_EQ(foreign_keys.column_int(0), 1);
  Statement synchronous(db, "PRAGMA synchronous");
  ASSERT_TRUE(synchronous.step());
  EXPECT_EQ(synchronous.column_int(0), 1);  // NORMAL
  EXPECT_EQ(db.schema_version(), static_cast<int>(core_schema().size()));
}

TEST(Database, AppliesMigrationsOnceAndOnlyTheNewOnes) {
  TempDir dir;
  const auto path = dir.file("migrate.db");
  auto steps = two_steps();
  {
    Database db(path, steps);
    EXPECT_EQ(db.schema_version(), 2);
    EXPECT_EQ(db.migrations_applied(), 2);
    EXPECT_EQ(count_rows(db, "widgets"), 1);
  }
  {
    Database db(path, steps);
    EXPECT_EQ(db.migrations_applied(), 0);
    EXPECT_EQ(count_rows(db, "widgets"), 1);  // the seed step did not run again
  }
  steps.push_back({"seed more", "INSERT INTO widgets (name) VALUES ('second');"});
  Database db(path, steps);
  EXPECT_EQ(db.schema_version(), 3);
  EXPECT_EQ(db.migrations_applied(), 1);
  EXPECT_EQ(count_rows(db, "widgets"), 2);
}

TEST(Database, FailedMigrationRollsBackAndNamesTheStep) {
  TempDir dir;
  const auto path = dir.file("broken.db");
  auto steps = two_steps();
  steps.push_back({"broken step", "INSERT INTO widgets (name) VALUES ('x'); SELEC nonsense;"});
  try {
    Database db(path, steps);
    FAIL() << "a broken migration must throw";
  } catch (const std::runtime_error &error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("broken.db"), std::string::npos) << message;
    EXPECT_NE(message.find("migration 3: broken step"), std::string::npos) << message;
  }
  Database db(path, two_steps());
  EXPECT_EQ(db.schema_version(), 2);
  EXPECT_EQ(count_rows(db, "widgets"), 1);  // the insert of step 3 was rolled back
}

TEST(Database, RefusesAFileWithANewerSchema) {
  TempDir dir;
  const auto path = dir.file("newer.db");
  { Database db(path, two_steps()); }
  const std::vector<Migration> older = {two_steps().front()};
  EXPECT_THROW(Database(path, older), std::runtime_error);
}

TEST(Database, ErrorNamesPathAndSqliteMessage) {
  TempDir dir;
  const auto path = dir.file("missing-dir") / "x.db";
  try {
    Database db(path);
    FAIL() << "opening in a missing directory must throw";
  } catch (const std::runtime_error &error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("unable to open"), std::string::npos) << message;
  }
}

TEST(Database, GarbageFileIsRefusedWithAClearError) {
  TempDir dir;
  const auto path = dir.file("garbage.db");
  std::ofstream(path) << "this is not an sqlite database, not at all, not even close......";
  try {
    Database db(path);
    FAIL() << "a garbage file must throw";
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find("not a database"), std::string::npos) << error.what();
  }
}

TEST(Database, TransactionRollsBackWhenNotCommitted) {
  TempDir dir;
  Database db(dir.file("tx.db"), two_steps());
  {
    Transaction transaction(db);
    db.exec("INSERT INTO widgets (name) VALUES ('lost')");
  }
  EXPECT_EQ(count_rows(db, "widgets"), 1);
  {
    Transaction transaction(db);
    db.exec("INSERT INTO widgets (name) VALUES ('kept')");
    transaction.commit();
  }
  EXPECT_EQ(count_rows(db, "widgets"), 2);
}

TEST(Statement, BindsAndReadsEveryTypeAndReportsBadSql) {
  TempDir dir;
  Database db(dir.file("types.db"), {{"t", "CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB);"}});
  Statement insert(db, "INSERT INTO t VALUES (?, ?, ?, ?)");
  const std::vector<uint8_t> bytes = {0, 1, 2, 255};
  insert.bind(1, int64_t{-42}).bind(2, 2.5).bind(3, "text").bind_blob(4, bytes).run();
  insert.bind(1, int64_t{7}).bind_null(2).bind(3, "").bind_blob(4, {}).run();
  Statement query(db, "SELECT i, d, s, b FROM t ORDER BY i");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int(0), -42);
  EXPECT_DOUBLE_EQ(query.column_double(1), 2.5);
  EXPECT_EQ(query.column_text(2), "text");
  EXPECT_EQ(query.column_blob(3), bytes);
  ASSERT_TRUE(query.step());
  EXPECT_TRUE(query.column_is_null(1));
  EXPECT_FALSE(query.column_is_null(3));  // an empty blob stays a blob
  EXPECT_TRUE(query.column_blob(3).empty());
  EXPECT_FALSE(query.step());
  EXPECT_THROW(Statement(db, "SELECT nope FROM nowhere"), std::runtime_error);
}

}  // namespace
}  // namespace hearth::store
