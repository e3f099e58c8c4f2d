#pragma once
// The device registry: which hardware (model, serial number, firmware) sits in each of the
// configuration's device slots, when it was first and last seen - and field device replacement
// (emma-functions.md, "Device replacement"; docs/history.md). A slot that reports a serial
// number other than the known one holds new hardware: the registry gives it a key of its own
// (its data is kept apart meanwhile) and reports a pending replacement. The installer confirms
// (the new hardware takes over the old key: identity, history, settings) or refuses (the old
// hardware is retired under "<id>@<serial>", the new one keeps its own key and history).
//
// Core thread only. The registry lives in memory; the rows it changed and the replacement steps
// reach SQLite through take_changes() and the HistoryWriter, in order with the history.
#include <cstdint>
#include <hearth/store/database.hpp>
#include <hearth/store/history_types.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::store {

struct IdentityReport {
  std::string device_id;
  std::string driver;
  std::string model;
  std::string serial;
  std::string firmware;
};

enum class IdentityOutcome {
  unchanged,
  new_device,             // first seen
  updated,                // same hardware, new model or firmware text
  replacement_pending,    // another serial number: the installer must decide
  replacement_withdrawn,  // the old serial is back before a decision
};

struct ReplacementDecision {
  bool ok = false;
  std::string message;  // why it was refused
  ReplacementRecord replacement;
  explicit operator bool() const { return ok; }
};

class DeviceRegistry {
 public:
  // The largest key the registry gives out: history_minute packs the key into 16 bits.
  static constexpr int64_t kMaxKey = 65535;
  // Last-seen times reach the database at this resolution (in memory they are exact): one row
  // rewritten a minute per device would cost a page a minute of flash.
  static constexpr int64_t kLastSeenSaveIntervalMs = 10 * 60'000;

  // Loads every device and open replacement from the database.
  explicit DeviceRegistry(Database &db);

  IdentityOutcome report_identity(const IdentityReport &report, int64_t wall_ms);
  // The key data of the slot goes to now - the pending hardware's while a replacement waits -
  // creating an entry when the slot is new, and moving its last-seen time to wall_ms.
  // Throws std::runtime_error when all keys are used.
  int64_t key_for_data(std::string_view device_id, int64_t wall_ms);

  ReplacementDecision confirm_replacement(std::string_view device_id, std::string_view author,
                                          int64_t wall_ms);
  ReplacementDecision refuse_replacement(std::string_view device_id, std::string_view author,
                                         int64_t wall_ms);

  // The slot's current hardware, or nullptr.
  const DeviceRecord *active(std::string_view device_id) const;
  const DeviceRecord *pending(std::string_view device_id) const;
  // False for a key that a confirmed or withdrawn replacement merged into the old one.
  bool knows(int64_t key) const { return devices_.contains(key); }
  // Every device, retired ones included, by key.
  std::vector<DeviceRecord> devices() const;
  std::vector<ReplacementRecord> pending_replacements() const;

  // Marks every device whose last-seen time moved since it was last saved (at shutdown).
  void save_all_last_seen();
  // Moves the changed rows (retired first, then pending, then active, so the one-active-per-slot
  // index holds at every step) and the replacement steps into the batch.
  void take_changes(HistoryBatch &batch);
  bool has_changes() const { return !dirty_.empty() || !replacement_steps_.empty(); }

 private:
  struct Slot {
    int64_t active_key = 0;   // 0: none
    int64_t pending_key = 0;  // 0: none
    ReplacementRecord replacement;
  };

  DeviceRecord &create(std::string_view device_id, std::string state, int64_t wall_ms);
  DeviceRecord &entry(int64_t key) { return devices_.at(key); }
  void mark(int64_t key) { dirty_.insert(key); }
  bool apply_identity(DeviceRecord &device, const IdentityReport &report);
  std::string retired_id(const DeviceRecord &device) const;
  ReplacementDecision decide(std::string_view device_id, std::string_view author, int64_t wall_ms,
                             const char *decision);
  Slot *slot_with_pending(std::string_view device_id, ReplacementDecision &refusal);

  std::map<int64_t, DeviceRecord> devices_;
  std::map<std::string, Slot, std::less<>> slots_;
  std::set<int64_t> dirty_;
  std::map<int64_t, int64_t> saved_last_seen_ms_;  // by key
  std::vector<ReplacementRecord> replacement_steps_;
  int64_t next_key_ = 1;
};

}  // namespace hearth::store
