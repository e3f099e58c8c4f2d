#pragma once
// A prepared statement that finalizes itself. Bind indexes are 1-based, column indexes 0-based,
// as in SQLite. Errors throw std::runtime_error naming the database file and the SQL.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3_stmt;

namespace hearth::store {

class Database;

class Statement {
 public:
  Statement(Database &db, std::string_view sql);
  ~Statement();
  Statement(Statement &&other) noexcept;
  Statement &operator=(Statement &&) = delete;
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;

  Statement &bind(int index, int64_t value);
  Statement &bind(int index, double value);
  Statement &bind(int index, std::string_view text);
  Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
  Statement &bind_blob(int index, std::span<const uint8_t> bytes);
  Statement &bind_null(int index);

  // Advances: true when a row is ready, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void run();
  // Ready for new bindings and another run.
  void reset();

  bool column_is_null(int column) const;
  int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::vector<uint8_t> column_blob(int column) const;

 private:
  Database *db_;
  sqlite3_stmt *stmt_ = nullptr;
  std::string sql_;
  void check_bind(int rc, int index);
};

}  // namespace hearth::store
