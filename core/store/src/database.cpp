#include <sqlite3.h>

#include <hearth/store/database.hpp>
#include <hearth/store/schema.hpp>
#include <hearth/store/statement.hpp>
#include <stdexcept>
#include <string>

namespace hearth::store {

namespace {

std::string describe_failure(const std::filesystem::path &path, std::string_view what,
                             std::string_view detail) {
  std::string message = path.string();
  message += ": ";
  message += what;
  message += ": ";
  message += detail;
  return message;
}

}  // namespace

Database::Database(std::filesystem::path path, const std::vector<Migration> &migrations,
                   std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)) {
  const int rc =
      sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    // sqlite3_open_v2 hands back a handle even on failure, to carry the message.
    const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(describe_failure(path_, "cannot open database", detail));
  }
  try {
    configure(busy_timeout);
    migrate(migrations);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Database::Database(std::filesystem::path path) : Database(std::move(path), core_schema()) {}

Database::~Database() {
  // Statements are finalized by their owners first; close_v2 tolerates stragglers anyway.
  sqlite3_close_v2(db_);
}

void Database::configure(std::chrono::milliseconds busy_timeout) {
  sqlite3_extended_result_codes(db_, 1);
  if (sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count())) != SQLITE_OK) {
    fail("cannot set busy timeout");
  }
  // journal_mode answers with the mode it ended up in; anything but "wal" means the file system
  // refused (e.g. no shared memory), which we would rather hear about at start.
  Statement journal(*this, "PRAGMA journal_mode=WAL");
  if (!journal.step() || journal.column_text(0) != "wal") {
    throw std::runtime_error(
        describe_failure(path_, "cannot switch to WAL journal", "the file system refused"));
  }
  exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

int Database::read_schema_version() {
  exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  Statement query(*this, "SELECT MAX(version) FROM schema_version");
  if (!query.step() || query.column_is_null(0)) return 0;
  return static_cast<int>(query.column_int(0));
}

void Database::migrate(const std::vector<Migration> &migrations) {
  schema_version_ = read_schema_version();
  const int known = static_cast<int>(migrations.size());
  if (schema_version_ > known) {
    throw std::runtime_error(describe_failure(
        path_, "schema is newer than this program",
        "version " + std::to_string(schema_version_) + ", known up to " + std::to_string(known)));
  }
  for (int version = schema_version_ + 1; version <= known; ++version) {
    const Migration &step = migrations[static_cast<size_t>(version - 1)];
    Transaction transaction(*this);
    try {
      exec(step.sql);
    } catch (const std::runtime_error &error) {
      throw std::runtime_error(std::string(error.what()) + " (migration " +
                               std::to_string(version) + ": " + step.description + ")");
    }
    Statement record(*this, "INSERT INTO schema_version (version) VALUES (?)");
    record.bind(1, static_cast<int64_t>(version)).run();
    transaction.commit();
    schema_version_ = version;
    ++migrations_applied_;
  }
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  char *error = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string detail = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw std::runtime_error(describe_failure(path_, "cannot execute '" + text + "'", detail));
  }
}

Statement Database::prepare(std::string_view sql) {
  return Statement(*this, sql);
}

int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

std::runtime_error Database::error(std::string_view what) const {
  return std::runtime_error(describe_failure(path_, what, sqlite3_errmsg(db_)));
}

void Database::fail(std::string_view what) const {
  throw error(what);
}

Transaction::Transaction(Database &db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!open_) return;
  // Nothing useful can be done if the rollback itself fails; SQLite rolls back on close.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace hearth::store
