#pragma once
// Every row of every table of a database as text, to assert that a reset changed exactly the
// tables it may change - including tables other components add later (history, alarms, device
// registry), which a reset must keep whatever they are.
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::accounts::testing {

using TableRows = std::vector<std::string>;
using DatabaseSnapshot = std::map<std::string, TableRows>;

inline TableRows rows_of(sqlite3 *db, const std::string &sql) {
  sqlite3_stmt *statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
  }
  TableRows rows;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int column = 0; column < sqlite3_column_count(statement); ++column) {
      const auto *text = sqlite3_column_text(statement, column);
      row += text == nullptr ? "NULL" : reinterpret_cast<const char *>(text);
      row += '|';
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  std::sort(rows.begin(), rows.end());
  return rows;
}

inline DatabaseSnapshot snapshot(sqlite3 *db) {
  DatabaseSnapshot tables;
  for (const auto &name : rows_of(
           db,
           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
    const std::string table = name.substr(0, name.size() - 1);  // drop the '|'
    tables[table] = rows_of(db, "SELECT * FROM \"" + table + "\"");
  }
  return tables;
}

}  // namespace hearth::accounts::testing
