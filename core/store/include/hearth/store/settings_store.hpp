#pragma once
// Settings: where a value comes from, and who may change it (architecture.md, "Settings").
// The YAML file is the baseline; a run-time change is an override carrying its author, role and
// time. An override is dropped when the baseline value of its key changes (the installer edited
// the YAML, which wins). Grid-safety keys are installer-only. Every change - and every refused
// attempt - goes to the audit trail. All of it lives in the Database, so overrides survive a
// restart. Core thread only; writes go to SQLite at once (settings change rarely and must stick).
#include <cstdint>
#include <functional>
#include <hearth/store/database.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::store {

enum class SettingRole { installer, owner, system };
enum class SettingSource { baseline, override_value };

std::string_view to_string(SettingRole role);
std::string_view to_string(SettingSource source);

struct SettingMeta {
  // Only an installer (or the system itself) may override it: feed-in and import limits,
  // fail-safe, ripple-control table.
  bool installer_only = false;
  // Optional check of an override's text; returns an error message, or nullopt when fine.
  std::function<std::optional<std::string>(std::string_view value_text)> validate;
};

struct Setting {
  std::string value_text;
  SettingSource source = SettingSource::baseline;
  std::string author;  // "config" for the baseline
  SettingRole role = SettingRole::system;
  int64_t changed_wall_ms = 0;  // override: when it was made; baseline: when last loaded/changed
};

struct SettingResult {
  bool ok = false;
  std::string message;  // why it was refused; empty on success
  explicit operator bool() const { return ok; }
};

// One row of the audit trail. action: "override", "clear", "baseline", "dropped", "refused".
struct SettingAudit {
  int64_t id = 0;
  int64_t wall_ms = 0;
  std::string key;
  std::string author;
  std::string role;
  std::string action;
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
  std::string note;
};

class SettingsStore {
 public:
  // Loads the persisted baseline and overrides.
  explicit SettingsStore(Database &db);

  // Declares a key's rules. Keys that are never registered are ordinary (owner-writable) keys.
  void register_key(std::string key, SettingMeta meta);
  const SettingMeta *meta(std::string_view key) const;

  // The YAML values, on start and on every reload. Changed keys are audited; an override whose
  // key's baseline differs from the one it was made against is dropped (audited as "dropped").
  // Returns the keys whose overrides were dropped.
  std::vector<std::string> set_baseline(const std::map<std::string, std::string> &key_to_value_text,
                                        int64_t wall_ms);

  // Refuses (and audits) an owner's write to an installer-only key, a key that is neither in the
  // baseline nor registered, an empty author, and a value its validator rejects.
  SettingResult set_override(std::string_view key, std::string_view value_text,
                             std::string_view author, SettingRole role, int64_t wall_ms);
  // Back to the baseline. Same role rule as set_override; clearing a missing override fails.
  SettingResult clear_override(std::string_view key, std::string_view author, SettingRole role,
                               int64_t wall_ms);

  std::optional<Setting> get(std::string_view key) const;
  // All keys with a value, sorted.
  std::vector<std::string> keys() const;

  // Newest first; an empty key means every key.
  std::vector<SettingAudit> audit(std::string_view key = {}, size_t limit = 100) const;

  uint64_t refused_count() const { return refused_count_; }

 private:
  struct Override {
    Setting setting;
    std::optional<std::string> baseline_value;  // the baseline when it was made
  };

  void load();
  SettingResult refuse(std::string_view key, std::string_view author, SettingRole role,
                       std::optional<std::string> attempted_value, int64_t wall_ms,
                       std::string message);
  std::optional<std::string> check_write(std::string_view key, std::string_view author,
                                         SettingRole role) const;
  std::optional<std::string> baseline_value(std::string_view key) const;
  void record_audit(const SettingAudit &entry);
  void store_override(const std::string &key, const Override &entry);
  void delete_override(const std::string &key);

  Database &db_;
  std::map<std::string, SettingMeta, std::less<>> meta_;
  std::map<std::string, Setting, std::less<>> baseline_;
  std::map<std::string, Override, std::less<>> overrides_;
  uint64_t refused_count_ = 0;
};

}  // namespace hearth::store
