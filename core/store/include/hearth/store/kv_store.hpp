#pragma once
// The small persistent store each device gets through kv_get/kv_set (plugin.h). Reads come from
// a RAM cache (filled from SQLite on first use); writes only change the cache and mark the entry
// dirty. flush() - which the host calls on a timer and at shutdown - writes every dirty entry in
// one transaction, so a plugin that writes the same key every second costs one row write per
// flush interval, not one per call (architecture.md, "Persistence": kind to flash).
// Core thread only, except write_batch(): a host that keeps SQLite writes off the core thread
// takes the dirty entries with take_dirty(), writes them on a worker with write_batch() and a
// connection of its own, and reports back with batch_written() or batch_failed().
#include <cstdint>
#include <hearth/store/database.hpp>
#include <hearth/store/statement.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::store {

struct KvLimits {
  size_t max_key_bytes = 128;
  size_t max_value_bytes = 64 * 1024;
};

struct KvStats {
  uint64_t flushes = 0;       // flush() calls that wrote at least one row
  uint64_t rows_written = 0;  // INSERT/REPLACE rows over all flushes
  uint64_t rows_deleted = 0;
  uint64_t bytes_written = 0;  // value bytes of rows_written
  uint64_t sets = 0;           // accepted set() calls
  uint64_t refused = 0;        // set()/erase() refused for a bad key or size
};

// One entry as it was when its flush was taken. value nullopt: delete the row.
struct KvWrite {
  std::string device;
  std::string key;
  std::optional<std::vector<uint8_t>> value;
};
using KvBatch = std::vector<KvWrite>;

class KvStore {
 public:
  explicit KvStore(Database &db, KvLimits limits = {});

  // The value, or nullopt when absent. The span stays valid until the next set/erase of that
  // key. Throws std::runtime_error when SQLite cannot be read.
  std::optional<std::span<const uint8_t>> get(std::string_view device, std::string_view key);

  // HEARTH_OK, or HEARTH_E_INVALID for an empty or too long key, an empty device id or a value
  // above the limit (then last_error() says which, and stats().refused counts it).
  int32_t set(std::string_view device, std::string_view key, std::span<const uint8_t> value);
  int32_t erase(std::string_view device, std::string_view key);

  // Writes all dirty entries in one transaction; returns the rows written or deleted. On a
  // SQLite error it throws and the entries stay dirty for the next attempt.
  size_t flush();

  // flush() in three steps, for writing on another thread. take_dirty() copies the dirty
  // entries and clears their marks; write_batch() writes them in one transaction (any thread,
  // but `db` must not be in use by another thread at the same time) and throws on failure;
  // batch_failed() marks the batch's keys dirty again, so the next flush writes their newest value.
  KvBatch take_dirty();
  static void write_batch(Database &db, const KvBatch &batch);
  void batch_written(const KvBatch &batch);
  void batch_failed(const KvBatch &batch);

  // Moves every entry of device `from` to device `to` (replacing any of `to`'s), on disk at once:
  // a field device replacement the installer refused keeps the old hardware's state apart
  // (hearth/store/device_registry.hpp). Returns the entries moved; throws on a SQLite error.
  size_t move_device(std::string_view from, std::string_view to);

  size_t dirty_count() const { return dirty_count_; }
  const KvStats &stats() const { return stats_; }
  const std::string &last_error() const { return last_error_; }

 private:
  struct Entry {
    std::optional<std::vector<uint8_t>> value;  // nullopt: absent (known not to exist)
    bool dirty = false;
  };
  using EntryMap = std::unordered_map<std::string, Entry>;

  EntryMap::iterator load(std::string_view device, std::string_view key);
  bool validate(std::string_view device, std::string_view key, size_t value_size);
  void mark_dirty(Entry &entry);

  Database &db_;
  Statement select_;
  KvLimits limits_;
  EntryMap entries_;  // key: device + '\0' + key
  size_t dirty_count_ = 0;
  KvStats stats_;
  std::string last_error_;
};

}  // namespace hearth::store
