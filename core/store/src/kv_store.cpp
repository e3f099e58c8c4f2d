#include <hearth/plugin.h>
#include <hearth/store/kv_store.hpp>

namespace hearth::store {

namespace {

// Device ids and keys are NUL-free C strings (they come through the C ABI), so NUL separates them.
std::string cache_key(std::string_view device, std::string_view key) {
  std::string joined;
  joined.reserve(device.size() + 1 + key.size());
  joined.append(device).push_back('\0');
  joined.append(key);
  return joined;
}

std::pair<std::string_view, std::string_view> split_cache_key(const std::string &joined) {
  const size_t separator = joined.find('\0');
  const std::string_view view(joined);
  return {view.substr(0, separator), view.substr(separator + 1)};
}

}  // namespace

KvStore::KvStore(Database &db, KvLimits limits)
    : db_(db),
      select_(db, "SELECT value FROM kv WHERE device = ? AND key = ?"),
      upsert_(db, "INSERT OR REPLACE INTO kv (device, key, value) VALUES (?, ?, ?)"),
      delete_(db, "DELETE FROM kv WHERE device = ? AND key = ?"),
      limits_(limits) {}

KvStore::EntryMap::iterator KvStore::load(std::string_view device, std::string_view key) {
  std::string joined = cache_key(device, key);
  auto found = entries_.find(joined);
  if (found != entries_.end()) return found;
  Entry entry;
  select_.bind(1, device).bind(2, key);
  if (select_.step()) entry.value = select_.column_blob(0);
  select_.reset();
  return entries_.emplace(std::move(joined), std::move(entry)).first;
}

std::optional<std::span<const uint8_t>> KvStore::get(std::string_view device,
                                                     std::string_view key) {
  const auto entry = load(device, key);
  if (!entry->second.value) return std::nullopt;
  return std::span<const uint8_t>(*entry->second.value);
}

bool KvStore::validate(std::string_view device, std::string_view key, size_t value_size) {
  if (device.empty() || device.find('\0') != std::string_view::npos) {
    last_error_ = "kv: the device id is empty or holds a NUL byte";
  } else if (key.empty() || key.size() > limits_.max_key_bytes ||
             key.find('\0') != std::string_view::npos) {
    last_error_ = "kv: key of " + std::to_string(key.size()) + " bytes for device '" +
                  std::string(device) + "' must be 1.." + std::to_string(limits_.max_key_bytes) +
                  " bytes without NUL";
  } else if (value_size > limits_.max_value_bytes) {
    last_error_ = "kv: value of " + std::to_string(value_size) + " bytes for '" +
                  std::string(device) + "/" + std::string(key) + "' exceeds the limit of " +
                  std::to_string(limits_.max_value_bytes) + " bytes";
  } else {
    return true;
  }
  ++stats_.refused;
  return false;
}

void KvStore::mark_dirty(Entry &entry) {
  if (!entry.dirty) ++dirty_count_;
  entry.dirty = true;
}

int32_t KvStore::set(std::string_view device, std::string_view key,
                     std::span<const uint8_t> value) {
  if (!validate(device, key, value.size())) return HEARTH_E_INVALID;
  Entry &entry = entries_[cache_key(device, key)];
  entry.value.emplace(value.begin(), value.end());
  mark_dirty(entry);
  ++stats_.sets;
  return HEARTH_OK;
}

int32_t KvStore::erase(std::string_view device, std::string_view key) {
  if (!validate(device, key, 0)) return HEARTH_E_INVALID;
  Entry &entry = entries_[cache_key(device, key)];
  entry.value.reset();
  mark_dirty(entry);
  return HEARTH_OK;
}

size_t KvStore::flush() {
  if (dirty_count_ == 0) return 0;
  size_t written = 0;
  size_t deleted = 0;
  uint64_t bytes = 0;
  {
    Transaction transaction(db_);
    for (const auto &[joined, entry] : entries_) {
      if (!entry.dirty) continue;
      const auto [device, key] = split_cache_key(joined);
      if (entry.value) {
        upsert_.bind(1, device).bind(2, key).bind_blob(3, *entry.value).run();
        ++written;
        bytes += entry.value->size();
      } else {
        delete_.bind(1, device).bind(2, key).run();
        ++deleted;
      }
    }
    transaction.commit();
  }
  // Only after the commit: a failed flush leaves everything dirty for the next one.
  for (auto &[joined, entry] : entries_) entry.dirty = false;
  dirty_count_ = 0;
  ++stats_.flushes;
  stats_.rows_written += written;
  stats_.rows_deleted += deleted;
  stats_.bytes_written += bytes;
  return written + deleted;
}

}  // namespace hearth::store
