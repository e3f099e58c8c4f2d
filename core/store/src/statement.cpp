#include <sqlite3.h>

#include <hearth/store/database.hpp>
#include <hearth/store/statement.hpp>
#include <stdexcept>

namespace hearth::store {

Statement::Statement(Database &db, std::string_view sql) : db_(&db), sql_(sql) {
  if (sqlite3_prepare_v2(db.handle(), sql_.data(), static_cast<int>(sql_.size()), &stmt_,
                         nullptr) != SQLITE_OK) {
    db.fail("cannot prepare '" + sql_ + "'");
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement &&other) noexcept
    : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) {
    db_->fail("cannot bind parameter " + std::to_string(index) + " of '" + sql_ + "'");
  }
}

Statement &Statement::bind(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement &Statement::bind(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement &Statement::bind(int index, std::string_view text) {
  // A default-constructed string_view has no data pointer, which SQLite would bind as NULL.
  const char *data = text.data() != nullptr ? text.data() : "";
  check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
  return *this;
}

Statement &Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
  // A zero-length blob must still be a blob, not NULL: sqlite binds NULL for a null pointer.
  static const uint8_t empty = 0;
  const void *data = bytes.empty() ? &empty : bytes.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), index);
  return *this;
}

Statement &Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Take the message before the reset, which leaves the statement usable again.
  std::runtime_error failure = db_->error("cannot run '" + sql_ + "'");
  sqlite3_reset(stmt_);
  throw failure;
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const auto *text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(size));
}

std::vector<uint8_t> Statement::column_blob(int column) const {
  const auto *data = static_cast<const uint8_t *>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::vector<uint8_t>(data, data + size);
}

}  // namespace hearth::store
