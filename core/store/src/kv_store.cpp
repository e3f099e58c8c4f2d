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
    : db_(db), select_(db, "SELECT value FROM kv WHERE device = ? AND key = ?"), limits_(limits) {}

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

KvBatch KvStore::take_dirty() {
  KvBatch batch;
  batch.reserve(dirty_count_);
  for (auto &[joined, entry] : entries_) {
    if (!entry.dirty) continue;
    const auto [device, key] = split_cache_key(joined);
    batch.push_back({std::string(device), std::string(key), entry.value});
    entry.dirty = false;
  }
  dirty_count_ = 0;
  return batch;
}

void KvStore::write_batch(Database &db, const KvBatch &batch) {
  if (batch.empty()) return;
  Statement upsert(db, "INSERT OR REPLACE INTO kv (device, key, value) VALUES (?, ?, ?)");
  Statement remove(db, "DELETE FROM kv WHERE device = ? AND key = ?");
  Transaction transaction(db);
  for (const KvWrite &write : batch) {
    if (write.value) {
      upsert.bind(1, write.device).bind(2, write.key).bind_blob(3, *write.value).run();
    } else {
      remove.bind(1, write.device).bind(2, write.key).run();
    }
  }
  transaction.commit();
}

void KvStore::batch_written(const KvBatch &batch) {
  if (batch.empty()) return;
  ++stats_.flushes;
  for (const KvWrite &write : batch) {
    if (write.value) {
      ++stats_.rows_written;
      stats_.bytes_written += write.value->size();
    } else {
      ++stats_.rows_deleted;
    }
  }
}

void KvStore::batch_failed(const KvBatch &batch) {
  // The cache holds each key's newest value, which is what the next flush must write.
  for (const KvWrite &write : batch) mark_dirty(entries_[cache_key(write.device, write.key)]);
}

size_t KvStore::flush() {
  const KvBatch batch = take_dirty();
  try {
    write_batch(db_, batch);
  } catch (...) {
    batch_failed(batch);
    throw;
  }
  batch_written(batch);
  return batch.size();
}

size_t KvStore::move_device(std::string_view from, std::string_view to) {
  flush();  // the newest values first, so the move carries them
  Transaction transaction(db_);
  Statement drop(db_, "DELETE FROM kv WHERE device = ?");
  drop.bind(1, to).run();
  Statement move(db_, "UPDATE kv SET device = ? WHERE device = ?");
  move.bind(1, to).bind(2, from).run();
  const auto moved = static_cast<size_t>(db_.changes());
  transaction.commit();
  // Both devices' cached entries are out of date now; they reload on the next get().
  std::erase_if(entries_, [&](const auto &entry) {
    const auto device = split_cache_key(entry.first).first;
    return device == from || device == to;
  });
  return moved;
}

}  // namespace hearth::store
