#include <hearth/store/schema.hpp>

namespace hearth::store {

const std::vector<Migration> &core_schema() {
  static const std::vector<Migration> steps = {
      {"per-device key-value store",
       "CREATE TABLE kv ("
       "  device TEXT NOT NULL,"
       "  key TEXT NOT NULL,"
       "  value BLOB NOT NULL,"
       "  PRIMARY KEY (device, key)"
       ") WITHOUT ROWID;"},
      {"settings: YAML baseline, run-time overrides and their audit trail",
       "CREATE TABLE settings_baseline ("
       "  key TEXT PRIMARY KEY NOT NULL,"
       "  value TEXT NOT NULL,"
       "  changed_wall_ms INTEGER NOT NULL"
       ") WITHOUT ROWID;"
       "CREATE TABLE settings_override ("
       "  key TEXT PRIMARY KEY NOT NULL,"
       "  value TEXT NOT NULL,"
       "  author TEXT NOT NULL,"
       "  role TEXT NOT NULL,"
       "  changed_wall_ms INTEGER NOT NULL,"
       "  baseline_value TEXT"  // the baseline when the override was made; NULL: none
       ") WITHOUT ROWID;"
       "CREATE TABLE settings_audit ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  wall_ms INTEGER NOT NULL,"
       "  key TEXT NOT NULL,"
       "  author TEXT NOT NULL,"
       "  role TEXT NOT NULL,"
       "  action TEXT NOT NULL,"
       "  old_value TEXT,"
       "  new_value TEXT,"
       "  note TEXT NOT NULL DEFAULT ''"
       ");"
       "CREATE INDEX settings_audit_by_key ON settings_audit (key, id);"},
  };
  return steps;
}

}  // namespace hearth::store
