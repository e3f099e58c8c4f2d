#include <algorithm>
#include <hearth/store/settings_store.hpp>
#include <hearth/store/statement.hpp>

namespace hearth::store {

namespace {

constexpr std::string_view kBaselineAuthor = "config";

std::optional<SettingRole> role_from_string(std::string_view text) {
  if (text == "installer") return SettingRole::installer;
  if (text == "owner") return SettingRole::owner;
  if (text == "system") return SettingRole::system;
  return std::nullopt;
}

void bind_optional(Statement &statement, int index, const std::optional<std::string> &text) {
  if (text) {
    statement.bind(index, *text);
  } else {
    statement.bind_null(index);
  }
}

std::optional<std::string> optional_text(const Statement &statement, int column) {
  if (statement.column_is_null(column)) return std::nullopt;
  return statement.column_text(column);
}

std::string quoted(const std::optional<std::string> &text) {
  return text ? "'" + *text + "'" : std::string("(none)");
}

}  // namespace

std::string_view to_string(SettingRole role) {
  switch (role) {
    case SettingRole::installer:
      return "installer";
    case SettingRole::owner:
      return "owner";
    case SettingRole::system:
      return "system";
  }
  return "unknown";
}

std::string_view to_string(SettingSource source) {
  return source == SettingSource::baseline ? "baseline" : "override";
}

SettingsStore::SettingsStore(Database &db) : db_(db) {
  load();
}

void SettingsStore::load() {
  Statement baseline(db_, "SELECT key, value, changed_wall_ms FROM settings_baseline");
  while (baseline.step()) {
    Setting setting;
    setting.value_text = baseline.column_text(1);
    setting.author = kBaselineAuthor;
    setting.changed_wall_ms = baseline.column_int(2);
    baseline_.emplace(baseline.column_text(0), std::move(setting));
  }
  Statement overrides(db_,
                      "SELECT key, value, author, role, changed_wall_ms, baseline_value "
                      "FROM settings_override");
  while (overrides.step()) {
    Override entry;
    entry.setting.value_text = overrides.column_text(1);
    entry.setting.source = SettingSource::override_value;
    entry.setting.author = overrides.column_text(2);
    // A role this program does not know (a newer version wrote it) is treated as the weakest.
    entry.setting.role = role_from_string(overrides.column_text(3)).value_or(SettingRole::owner);
    entry.setting.changed_wall_ms = overrides.column_int(4);
    entry.baseline_value = optional_text(overrides, 5);
    overrides_.emplace(overrides.column_text(0), std::move(entry));
  }
}

void SettingsStore::register_key(std::string key, SettingMeta meta) {
  meta_.insert_or_assign(std::move(key), std::move(meta));
}

const SettingMeta *SettingsStore::meta(std::string_view key) const {
  const auto found = meta_.find(key);
  return found == meta_.end() ? nullptr : &found->second;
}

std::optional<std::string> SettingsStore::baseline_value(std::string_view key) const {
  const auto found = baseline_.find(key);
  if (found == baseline_.end()) return std::nullopt;
  return found->second.value_text;
}

void SettingsStore::record_audit(const SettingAudit &entry) {
  Statement insert(db_,
                   "INSERT INTO settings_audit "
                   "(wall_ms, key, author, role, action, old_value, new_value, note) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, entry.wall_ms)
      .bind(2, entry.key)
      .bind(3, entry.author)
      .bind(4, entry.role)
      .bind(5, entry.action);
  bind_optional(insert, 6, entry.old_value);
  bind_optional(insert, 7, entry.new_value);
  insert.bind(8, entry.note).run();
}

void SettingsStore::store_override(const std::string &key, const Override &entry) {
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO settings_override "
                   "(key, value, author, role, changed_wall_ms, baseline_value) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
  upsert.bind(1, key)
      .bind(2, entry.setting.value_text)
      .bind(3, entry.setting.author)
      .bind(4, to_string(entry.setting.role))
      .bind(5, entry.setting.changed_wall_ms);
  bind_optional(upsert, 6, entry.baseline_value);
  upsert.run();
}

void SettingsStore::delete_override(const std::string &key) {
  Statement erase(db_, "DELETE FROM settings_override WHERE key = ?");
  erase.bind(1, key).run();
}

std::vector<std::string> SettingsStore::set_baseline(
    const std::map<std::string, std::string> &key_to_value_text, int64_t wall_ms) {
  auto next_baseline = baseline_;
  auto next_overrides = overrides_;
  std::vector<std::string> dropped;
  const auto system_audit = [&](const std::string &key, std::string action,
                                std::optional<std::string> old_value,
                                std::optional<std::string> new_value, std::string note) {
    record_audit({0, wall_ms, key, std::string(kBaselineAuthor),
                  std::string(to_string(SettingRole::system)), std::move(action),
                  std::move(old_value), std::move(new_value), std::move(note)});
  };

  Transaction transaction(db_);
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO settings_baseline (key, value, changed_wall_ms) "
                   "VALUES (?, ?, ?)");
  for (const auto &[key, value] : key_to_value_text) {
    const std::optional<std::string> old_value = baseline_value(key);
    if (old_value == value) continue;
    upsert.bind(1, key).bind(2, value).bind(3, wall_ms).run();
    system_audit(key, "baseline", old_value, value, "configuration loaded");
    next_baseline[key] = Setting{value, SettingSource::baseline, std::string(kBaselineAuthor),
                                 SettingRole::system, wall_ms};
  }
  Statement remove(db_, "DELETE FROM settings_baseline WHERE key = ?");
  for (const auto &[key, setting] : baseline_) {
    if (key_to_value_text.contains(key)) continue;
    remove.bind(1, key).run();
    system_audit(key, "baseline", setting.value_text, std::nullopt, "removed from configuration");
    next_baseline.erase(key);
  }
  for (const auto &[key, entry] : overrides_) {
    const auto now_found = key_to_value_text.find(key);
    const std::optional<std::string> new_baseline =
        now_found == key_to_value_text.end() ? std::nullopt
                                             : std::optional<std::string>(now_found->second);
    if (new_baseline == entry.baseline_value) continue;
    delete_override(key);
    system_audit(key, "dropped", entry.setting.value_text, new_baseline,
                 "override by " + entry.setting.author + " dropped: baseline changed from " +
                     quoted(entry.baseline_value) + " to " + quoted(new_baseline));
    next_overrides.erase(key);
    dropped.push_back(key);
  }
  transaction.commit();
  baseline_ = std::move(next_baseline);
  overrides_ = std::move(next_overrides);
  return dropped;
}

std::optional<std::string> SettingsStore::check_write(std::string_view key, std::string_view author,
                                                      SettingRole role) const {
  const SettingMeta *rules = meta(key);
  if (author.empty()) return "a settings change needs an author";
  if (rules == nullptr && !baseline_.contains(key)) {
    return "unknown setting '" + std::string(key) + "'";
  }
  if (rules != nullptr && rules->installer_only && role == SettingRole::owner) {
    return "setting '" + std::string(key) + "' is installer-only (grid safety): owner '" +
           std::string(author) + "' may not change it";
  }
  return std::nullopt;
}

SettingResult SettingsStore::refuse(std::string_view key, std::string_view author, SettingRole role,
                                    std::optional<std::string> attempted_value, int64_t wall_ms,
                                    std::string message) {
  ++refused_count_;
  const std::optional<Setting> current = get(key);
  record_audit({0, wall_ms, std::string(key), std::string(author), std::string(to_string(role)),
                "refused", current ? std::optional(current->value_text) : std::nullopt,
                std::move(attempted_value), message});
  return {false, std::move(message)};
}

SettingResult SettingsStore::set_override(std::string_view key, std::string_view value_text,
                                          std::string_view author, SettingRole role,
                                          int64_t wall_ms) {
  if (auto problem = check_write(key, author, role)) {
    return refuse(key, author, role, std::string(value_text), wall_ms, std::move(*problem));
  }
  const SettingMeta *rules = meta(key);
  if (rules != nullptr && rules->validate) {
    if (auto problem = rules->validate(value_text)) {
      return refuse(key, author, role, std::string(value_text), wall_ms,
                    "setting '" + std::string(key) + "': " + *problem);
    }
  }
  const std::string key_text(key);
  const std::optional<Setting> previous = get(key);
  Override entry{Setting{std::string(value_text), SettingSource::override_value,
                         std::string(author), role, wall_ms},
                 baseline_value(key)};
  Transaction transaction(db_);
  store_override(key_text, entry);
  record_audit({0, wall_ms, key_text, std::string(author), std::string(to_string(role)), "override",
                previous ? std::optional(previous->value_text) : std::nullopt,
                std::string(value_text), ""});
  transaction.commit();
  overrides_.insert_or_assign(key_text, std::move(entry));
  return {true, {}};
}

SettingResult SettingsStore::clear_override(std::string_view key, std::string_view author,
                                            SettingRole role, int64_t wall_ms) {
  if (auto problem = check_write(key, author, role)) {
    return refuse(key, author, role, std::nullopt, wall_ms, std::move(*problem));
  }
  const auto found = overrides_.find(key);
  if (found == overrides_.end()) {
    return refuse(key, author, role, std::nullopt, wall_ms,
                  "setting '" + std::string(key) + "' has no override to clear");
  }
  const std::string key_text(key);
  Transaction transaction(db_);
  delete_override(key_text);
  record_audit({0, wall_ms, key_text, std::string(author), std::string(to_string(role)), "clear",
                found->second.setting.value_text, baseline_value(key), ""});
  transaction.commit();
  overrides_.erase(found);
  return {true, {}};
}

std::optional<Setting> SettingsStore::get(std::string_view key) const {
  if (const auto found = overrides_.find(key); found != overrides_.end()) {
    return found->second.setting;
  }
  if (const auto found = baseline_.find(key); found != baseline_.end()) return found->second;
  return std::nullopt;
}

std::vector<std::string> SettingsStore::keys() const {
  std::vector<std::string> all;
  for (const auto &[key, setting] : baseline_) all.push_back(key);
  for (const auto &[key, entry] : overrides_) {
    if (!baseline_.contains(key)) all.push_back(key);
  }
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<SettingAudit> SettingsStore::audit(std::string_view key, size_t limit) const {
  Statement query(db_,
                  "SELECT id, wall_ms, key, author, role, action, old_value, new_value, note "
                  "FROM settings_audit WHERE (?1 = '' OR key = ?1) ORDER BY id DESC LIMIT ?2");
  query.bind(1, key).bind(2, static_cast<int64_t>(limit));
  std::vector<SettingAudit> rows;
  while (query.step()) {
    rows.push_back({query.column_int(0), query.column_int(1), query.column_text(2),
                    query.column_text(3), query.column_text(4), query.column_text(5),
                    optional_text(query, 6), optional_text(query, 7), query.column_text(8)});
  }
  return rows;
}

}  // namespace hearth::store
