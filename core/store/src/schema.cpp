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
      {"history: device registry and replacements, one-minute aggregates, alarm history",
       // The configuration's device id names a slot; the key names the hardware in it. A
       // replacement the installer refused retires the old key (device_id "<id>@<serial>").
       "CREATE TABLE device ("
       "  key INTEGER PRIMARY KEY,"
       "  device_id TEXT NOT NULL,"
       "  state TEXT NOT NULL CHECK (state IN ('active', 'pending', 'retired')),"
       "  driver TEXT NOT NULL DEFAULT '',"
       "  model TEXT NOT NULL DEFAULT '',"
       "  serial TEXT NOT NULL DEFAULT '',"
       "  firmware TEXT NOT NULL DEFAULT '',"
       "  first_seen_wall_ms INTEGER NOT NULL,"
       "  last_seen_wall_ms INTEGER NOT NULL"
       ");"
       "CREATE UNIQUE INDEX device_active ON device (device_id) WHERE state = 'active';"
       "CREATE TABLE device_replacement ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  device_id TEXT NOT NULL,"
       "  old_key INTEGER NOT NULL,"
       "  new_key INTEGER NOT NULL,"
       "  old_serial TEXT NOT NULL,"
       "  new_serial TEXT NOT NULL,"
       "  detected_wall_ms INTEGER NOT NULL,"
       "  decision TEXT NOT NULL DEFAULT '',"  // '', confirmed, refused, withdrawn
       "  decided_by TEXT NOT NULL DEFAULT '',"
       "  decided_wall_ms INTEGER NOT NULL DEFAULT 0"
       ");"
       // Point names without the device part ("power_w"), shared by all devices.
       "CREATE TABLE history_name ("
       "  id INTEGER PRIMARY KEY,"
       "  name TEXT NOT NULL UNIQUE"
       ");"
       "CREATE TABLE history_point ("
       "  device_key INTEGER NOT NULL,"
       "  name_id INTEGER NOT NULL,"
       "  unit TEXT NOT NULL,"
       "  counter INTEGER NOT NULL,"
       "  PRIMARY KEY (device_key, name_id)"
       ") WITHOUT ROWID;"
       // id = minute * 65536 + device key: rows are appended in time order (a flush writes a few
       // pages at the end), one device-minute is a rowid lookup. data: history_codec.hpp.
       "CREATE TABLE history_minute ("
       "  id INTEGER PRIMARY KEY,"
       "  data BLOB NOT NULL"
       ");"
       "CREATE TABLE alarm_history ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  source TEXT NOT NULL,"
       "  code INTEGER NOT NULL,"
       "  severity INTEGER NOT NULL,"
       "  text TEXT NOT NULL,"
       "  raised_wall_ms INTEGER NOT NULL,"
       "  last_raised_wall_ms INTEGER NOT NULL,"
       "  repeat_count INTEGER NOT NULL DEFAULT 0,"
       "  cleared_wall_ms INTEGER,"  // NULL: active
       "  cleared_by TEXT NOT NULL DEFAULT '',"
       "  acknowledged_by TEXT NOT NULL DEFAULT '',"
       "  acknowledged_wall_ms INTEGER"
       ");"
       "CREATE UNIQUE INDEX alarm_history_open ON alarm_history (source, code)"
       "  WHERE cleared_wall_ms IS NULL;"
       "CREATE INDEX alarm_history_by_time ON alarm_history (raised_wall_ms);"},
  };
  return steps;
}

}  // namespace hearth::store
