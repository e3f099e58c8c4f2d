#pragma once
// One SQLite file, opened the way the core wants it on flash: WAL journal, synchronous=NORMAL
// (a power cut may lose the last commits but never corrupts the file), foreign keys on, a busy
// timeout instead of SQLITE_BUSY errors, and the schema brought up to date by ordered migrations
// (architecture.md, "Persistence"). Every failure throws std::runtime_error naming the file.
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace hearth::store {

class Statement;

// One schema step. Step i (1-based) in the list brings the schema to version i; the list only
// ever grows at the end, and a step once released is never edited.
struct Migration {
  std::string description;
  std::string sql;  // may hold several statements
};

class Database {
 public:
  // Opens or creates the file at `path` and applies the migrations the file has not seen yet.
  // Throws when the file cannot be opened or is newer than `migrations` knows.
  explicit Database(std::filesystem::path path, const std::vector<Migration> &migrations,
                    std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
  // Same, with the core's own schema (hearth/store/schema.hpp).
  explicit Database(std::filesystem::path path);
  ~Database();
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;

  // Runs SQL without results (one or more statements).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);

  // The schema version after opening, and how many migration steps this open applied.
  int schema_version() const { return schema_version_; }
  int migrations_applied() const { return migrations_applied_; }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const;

  const std::filesystem::path &path() const { return path_; }
  sqlite3 *handle() const { return db_; }

  // std::runtime_error("<path>: <what>: <sqlite message>"), and the same thrown.
  std::runtime_error error(std::string_view what) const;
  [[noreturn]] void fail(std::string_view what) const;

 private:
  void configure(std::chrono::milliseconds busy_timeout);
  void migrate(const std::vector<Migration> &migrations);
  int read_schema_version();

  std::filesystem::path path_;
  sqlite3 *db_ = nullptr;
  int schema_version_ = 0;
  int migrations_applied_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed without commit() (an exception escaped).
class Transaction {
 public:
  explicit Transaction(Database &db);
  ~Transaction();
  Transaction(const Transaction &) = delete;
  Transaction &operator=(const Transaction &) = delete;
  void commit();

 private:
  Database &db_;
  bool open_ = true;
};

}  // namespace hearth::store
