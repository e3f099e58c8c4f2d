#include <hearth/accounts/component_schema.hpp>
#include <hearth/store/statement.hpp>
#include <stdexcept>

namespace hearth::accounts {

namespace {

void ensure_version_table(store::Database &db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS component_schema ("
      "  component TEXT PRIMARY KEY NOT NULL,"
      "  version INTEGER NOT NULL"
      ") WITHOUT ROWID");
}

}  // namespace

int component_version(store::Database &db, const std::string &component) {
  ensure_version_table(db);
  auto query = db.prepare("SELECT version FROM component_schema WHERE component = ?");
  query.bind(1, component);
  return query.step() ? static_cast<int>(query.column_int(0)) : 0;
}

int migrate_component(store::Database &db, const std::string &component,
                      const std::vector<store::Migration> &steps) {
  const int known = static_cast<int>(steps.size());
  int version = component_version(db, component);
  if (version > known) {
    throw std::runtime_error(db.path().string() + ": " + component + " schema version " +
                             std::to_string(version) + " is newer than this program (knows " +
                             std::to_string(known) + ")");
  }
  int applied = 0;
  while (version < known) {
    const store::Migration &step = steps[static_cast<size_t>(version)];
    store::Transaction transaction(db);
    try {
      db.exec(step.sql);
    } catch (const std::runtime_error &error) {
      throw std::runtime_error(std::string(error.what()) + " (" + component + " migration " +
                               std::to_string(version + 1) + ": " + step.description + ")");
    }
    ++version;
    db.prepare("INSERT OR REPLACE INTO component_schema (component, version) VALUES (?, ?)")
        .bind(1, component)
        .bind(2, static_cast<int64_t>(version))
        .run();
    transaction.commit();
    ++applied;
  }
  return applied;
}

}  // namespace hearth::accounts
