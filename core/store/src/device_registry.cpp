#include <algorithm>
#include <hearth/store/device_registry.hpp>
#include <hearth/store/statement.hpp>
#include <stdexcept>

namespace hearth::store {

namespace {

int state_order(const std::string &state) {
  if (state == "retired") return 0;
  if (state == "pending") return 1;
  return 2;
}

}  // namespace

DeviceRegistry::DeviceRegistry(Database &db) {
  Statement rows(db,
                 "SELECT key, device_id, state, driver, model, serial, firmware, "
                 "first_seen_wall_ms, last_seen_wall_ms FROM device");
  while (rows.step()) {
    DeviceRecord device{rows.column_int(0),  rows.column_text(1), rows.column_text(2),
                        rows.column_text(3), rows.column_text(4), rows.column_text(5),
                        rows.column_text(6), rows.column_int(7),  rows.column_int(8)};
    next_key_ = std::max(next_key_, device.key + 1);
    saved_last_seen_ms_[device.key] = device.last_seen_wall_ms;
    if (device.state == "active") slots_[device.device_id].active_key = device.key;
    if (device.state == "pending") slots_[device.device_id].pending_key = device.key;
    devices_.emplace(device.key, std::move(device));
  }
  Statement open(db,
                 "SELECT id, device_id, old_key, new_key, old_serial, new_serial, "
                 "detected_wall_ms FROM device_replacement WHERE decision = ''");
  while (open.step()) {
    auto found = slots_.find(open.column_text(1));
    if (found == slots_.end() || found->second.pending_key == 0) continue;
    found->second.replacement = ReplacementRecord{open.column_int(0),
                                                  open.column_text(1),
                                                  open.column_int(2),
                                                  open.column_int(3),
                                                  open.column_text(4),
                                                  open.column_text(5),
                                                  open.column_int(6),
                                                  "",
                                                  "",
                                                  0};
  }
}

DeviceRecord &DeviceRegistry::create(std::string_view device_id, std::string state,
                                     int64_t wall_ms) {
  if (next_key_ > kMaxKey) {
    throw std::runtime_error("device registry: all " + std::to_string(kMaxKey) +
                             " device keys are used");
  }
  const int64_t key = next_key_++;
  DeviceRecord &device = devices_[key];
  device =
      DeviceRecord{key, std::string(device_id), std::move(state), "", "", "", "", wall_ms, wall_ms};
  mark(key);
  return device;
}

bool DeviceRegistry::apply_identity(DeviceRecord &device, const IdentityReport &report) {
  bool changed = false;
  const auto take = [&](std::string &field, const std::string &value) {
    if (value.empty() || field == value) return;
    field = value;
    changed = true;
  };
  take(device.driver, report.driver);
  take(device.model, report.model);
  take(device.serial, report.serial);
  take(device.firmware, report.firmware);
  if (changed) mark(device.key);
  return changed;
}

IdentityOutcome DeviceRegistry::report_identity(const IdentityReport &report, int64_t wall_ms) {
  Slot &slot = slots_[report.device_id];
  if (slot.active_key == 0) {
    DeviceRecord &device = create(report.device_id, "active", wall_ms);
    slot.active_key = device.key;
    apply_identity(device, report);
    return IdentityOutcome::new_device;
  }
  DeviceRecord &known = entry(slot.active_key);
  if (slot.pending_key != 0) {
    DeviceRecord &pending = entry(slot.pending_key);
    if (!report.serial.empty() && report.serial == known.serial) {
      // The old hardware is back: what the pending key gathered belongs to it after all.
      ReplacementDecision withdrawn = decide(report.device_id, "", wall_ms, "withdrawn");
      apply_identity(known, report);
      return withdrawn ? IdentityOutcome::replacement_withdrawn : IdentityOutcome::unchanged;
    }
    if (!report.serial.empty() && report.serial != pending.serial) {
      slot.replacement.new_serial = report.serial;
      replacement_steps_.push_back(slot.replacement);
    }
    return apply_identity(pending, report) ? IdentityOutcome::updated : IdentityOutcome::unchanged;
  }
  if (known.serial.empty() || report.serial.empty() || report.serial == known.serial) {
    return apply_identity(known, report) ? IdentityOutcome::updated : IdentityOutcome::unchanged;
  }
  DeviceRecord &fresh = create(report.device_id, "pending", wall_ms);
  apply_identity(fresh, report);
  slot.pending_key = fresh.key;
  slot.replacement = ReplacementRecord{
      0, report.device_id, known.key, fresh.key, known.serial, fresh.serial, wall_ms, "", "", 0};
  replacement_steps_.push_back(slot.replacement);
  return IdentityOutcome::replacement_pending;
}

int64_t DeviceRegistry::key_for_data(std::string_view device_id, int64_t wall_ms) {
  auto found = slots_.find(device_id);
  if (found == slots_.end()) found = slots_.emplace(std::string(device_id), Slot{}).first;
  Slot &slot = found->second;
  if (slot.active_key == 0) slot.active_key = create(device_id, "active", wall_ms).key;
  const int64_t key = slot.pending_key != 0 ? slot.pending_key : slot.active_key;
  DeviceRecord &device = entry(key);
  device.last_seen_wall_ms = std::max(device.last_seen_wall_ms, wall_ms);
  if (device.last_seen_wall_ms - saved_last_seen_ms_[key] >= kLastSeenSaveIntervalMs) mark(key);
  return key;
}

DeviceRegistry::Slot *DeviceRegistry::slot_with_pending(std::string_view device_id,
                                                        ReplacementDecision &refusal) {
  auto found = slots_.find(device_id);
  if (found == slots_.end() || found->second.pending_key == 0) {
    refusal.message = "no replacement of device '" + std::string(device_id) + "' is pending";
    return nullptr;
  }
  return &found->second;
}

std::string DeviceRegistry::retired_id(const DeviceRecord &device) const {
  std::string id = device.device_id + "@" + (device.serial.empty() ? "unknown" : device.serial);
  const bool taken = std::any_of(devices_.begin(), devices_.end(),
                                 [&](const auto &other) { return other.second.device_id == id; });
  return taken ? id + "#" + std::to_string(device.key) : id;
}

ReplacementDecision DeviceRegistry::decide(std::string_view device_id, std::string_view author,
                                           int64_t wall_ms, const char *decision) {
  ReplacementDecision result;
  Slot *slot = slot_with_pending(device_id, result);
  if (slot == nullptr) return result;
  DeviceRecord &old_hardware = entry(slot->active_key);
  DeviceRecord &new_hardware = entry(slot->pending_key);
  const std::string_view what = decision;
  if (what == "refused") {
    // Apart: the old hardware keeps its key and history under a name of its own.
    old_hardware.device_id = retired_id(old_hardware);
    old_hardware.state = "retired";
    new_hardware.state = "active";
    slot->active_key = new_hardware.key;
    mark(old_hardware.key);
    mark(new_hardware.key);
  } else {
    // Confirmed (the new hardware takes the old key) or withdrawn (the old one is back): either
    // way the pending key's data joins the old key and the pending key disappears.
    if (what == "confirmed") {
      old_hardware.driver = new_hardware.driver;
      old_hardware.model = new_hardware.model;
      old_hardware.serial = new_hardware.serial;
      old_hardware.firmware = new_hardware.firmware;
    }
    old_hardware.last_seen_wall_ms =
        std::max(old_hardware.last_seen_wall_ms, new_hardware.last_seen_wall_ms);
    mark(old_hardware.key);
    dirty_.erase(new_hardware.key);
    devices_.erase(new_hardware.key);
  }
  slot->pending_key = 0;
  slot->replacement.decision = decision;
  slot->replacement.decided_by = std::string(author);
  slot->replacement.decided_wall_ms = wall_ms;
  result.ok = true;
  result.replacement = slot->replacement;
  replacement_steps_.push_back(slot->replacement);
  slot->replacement = ReplacementRecord{};
  return result;
}

ReplacementDecision DeviceRegistry::confirm_replacement(std::string_view device_id,
                                                        std::string_view author, int64_t wall_ms) {
  if (author.empty()) return {false, "a replacement decision needs its author", {}};
  return decide(device_id, author, wall_ms, "confirmed");
}

ReplacementDecision DeviceRegistry::refuse_replacement(std::string_view device_id,
                                                       std::string_view author, int64_t wall_ms) {
  if (author.empty()) return {false, "a replacement decision needs its author", {}};
  return decide(device_id, author, wall_ms, "refused");
}

const DeviceRecord *DeviceRegistry::active(std::string_view device_id) const {
  auto found = slots_.find(device_id);
  if (found == slots_.end() || found->second.active_key == 0) return nullptr;
  return &devices_.at(found->second.active_key);
}

const DeviceRecord *DeviceRegistry::pending(std::string_view device_id) const {
  auto found = slots_.find(device_id);
  if (found == slots_.end() || found->second.pending_key == 0) return nullptr;
  return &devices_.at(found->second.pending_key);
}

std::vector<DeviceRecord> DeviceRegistry::devices() const {
  std::vector<DeviceRecord> all;
  all.reserve(devices_.size());
  for (const auto &[key, device] : devices_) all.push_back(device);
  return all;
}

std::vector<ReplacementRecord> DeviceRegistry::pending_replacements() const {
  std::vector<ReplacementRecord> open;
  for (const auto &[id, slot] : slots_) {
    if (slot.pending_key != 0) open.push_back(slot.replacement);
  }
  return open;
}

void DeviceRegistry::save_all_last_seen() {
  for (const auto &[key, device] : devices_) {
    if (device.last_seen_wall_ms != saved_last_seen_ms_[key]) mark(key);
  }
}

void DeviceRegistry::take_changes(HistoryBatch &batch) {
  const size_t first = batch.devices.size();
  for (const int64_t key : dirty_) {
    const DeviceRecord &device = devices_.at(key);
    saved_last_seen_ms_[key] = device.last_seen_wall_ms;
    batch.devices.push_back(device);
  }
  std::stable_sort(batch.devices.begin() + static_cast<std::ptrdiff_t>(first), batch.devices.end(),
                   [](const DeviceRecord &a, const DeviceRecord &b) {
                     return state_order(a.state) < state_order(b.state);
                   });
  dirty_.clear();
  batch.replacements.insert(batch.replacements.end(), replacement_steps_.begin(),
                            replacement_steps_.end());
  replacement_steps_.clear();
}

}  // namespace hearth::store
