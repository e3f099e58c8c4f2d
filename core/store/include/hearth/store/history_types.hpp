#pragma once
// The data the history keeps (docs/history.md): one-minute aggregates of every numeric point,
// the alarm history and the device registry, and the batches in which the core hands them to the
// writer on the worker pool. Plain values: built on the core thread, written on a worker.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::store {

// Wall-clock minutes since 1970-01-01T00:00Z.
using WallMinute = int64_t;
inline constexpr int64_t kMsPerMinute = 60'000;
inline WallMinute minute_of(int64_t wall_ms) {
  return wall_ms >= 0 ? wall_ms / kMsPerMinute : (wall_ms - kMsPerMinute + 1) / kMsPerMinute;
}

// One point's samples within one minute. An energy counter (unit "Wh", "kWh", "varh") also keeps
// its first and last reading, so the energy of any period is last - first.
struct MinuteStats {
  uint32_t count = 0;
  double min = 0;
  double mean = 0;
  double max = 0;
  bool counter = false;
  double first = 0;
  double last = 0;
};

// True for units whose points are running totals (energy counters).
bool is_counter_unit(std::string_view unit);

// One point's minute as the aggregator closed it. device_key: the registry's key the data
// belongs to (history_minute is keyed by it, so a device's history follows its key).
struct MinuteRecord {
  WallMinute minute = 0;
  int64_t device_key = 0;
  std::string name;  // the point name without "<device>/"
  std::string unit;
  MinuteStats stats;
};

// A device as the registry knows it. state: "active" (the configuration's device now),
// "pending" (new hardware in a known device's place, awaiting the installer), "retired" (old
// hardware whose replacement was refused; its device_id became "<id>@<serial>").
struct DeviceRecord {
  int64_t key = 0;
  std::string device_id;
  std::string state = "active";
  std::string driver;
  std::string model;
  std::string serial;
  std::string firmware;
  int64_t first_seen_wall_ms = 0;
  int64_t last_seen_wall_ms = 0;
};

// A field device replacement: detected when a known device reports another serial number; the
// installer confirms (the new hardware takes over the old one's key, history and settings) or
// refuses (both stay apart); "withdrawn" when the old serial came back before a decision.
struct ReplacementRecord {
  int64_t id = 0;  // assigned by the database; 0 in a batch
  std::string device_id;
  int64_t old_key = 0;
  int64_t new_key = 0;
  std::string old_serial;
  std::string new_serial;
  int64_t detected_wall_ms = 0;
  std::string decision;  // "", "confirmed", "refused", "withdrawn"
  std::string decided_by;
  int64_t decided_wall_ms = 0;
};

enum class AlarmEventKind { raised, updated, cleared, acknowledged };

// An alarm change with the alarm as it is after the change.
struct AlarmHistoryEvent {
  AlarmEventKind kind = AlarmEventKind::raised;
  std::string source;
  int32_t code = 0;
  int32_t severity = 0;
  std::string text;
  int64_t raised_wall_ms = 0;
  int64_t last_raised_wall_ms = 0;
  uint32_t repeat_count = 0;
  int64_t cleared_wall_ms = 0;  // kind cleared
  std::string acknowledged_by;  // empty: not acknowledged
  int64_t acknowledged_wall_ms = 0;
};

// One occurrence of an alarm, from raise to clear, as the history keeps it.
struct AlarmOccurrence {
  int64_t id = 0;
  std::string source;
  int32_t code = 0;
  int32_t severity = 0;
  std::string text;
  int64_t raised_wall_ms = 0;
  int64_t last_raised_wall_ms = 0;
  uint32_t repeat_count = 0;
  std::optional<int64_t> cleared_wall_ms;  // nullopt: still active
  std::string cleared_by;                  // the source, or "restart" when hearthd stopped first
  std::string acknowledged_by;
  std::optional<int64_t> acknowledged_wall_ms;
};

// What one writer transaction commits, in this order: device rows, replacement steps, minute
// aggregates, alarm events.
struct HistoryBatch {
  std::vector<DeviceRecord> devices;
  std::vector<ReplacementRecord> replacements;
  std::vector<MinuteRecord> minutes;
  std::vector<AlarmHistoryEvent> alarms;
  bool empty() const {
    return devices.empty() && replacements.empty() && minutes.empty() && alarms.empty();
  }
};

}  // namespace hearth::store
