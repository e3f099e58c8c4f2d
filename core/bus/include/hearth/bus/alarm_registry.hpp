#pragma once
// Active alarms, deduplicated by (source, code): a device that raises the same alarm every poll
// keeps one alarm whose repeat count grows (plugin.h, alarm_raise). Listeners (the LED driver, the
// alarm history, the northbound) hear of every change; an identical repeat is not a change.
// An operator acknowledges an active alarm ("seen, being handled"); the acknowledgement is a
// change too, carrying who and when. A bounded log of recent events (raised, updated, cleared,
// acknowledged) answers "what happened lately" without the database; the full history is the
// store's (hearth/store/alarm_history.hpp), fed by a listener. Core thread only.
#include <cstdint>
#include <deque>
#include <hearth/bus/listener_list.hpp>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::bus {

struct Alarm {
  std::string source;  // a device id, or a core part ("core", "watchdog")
  int32_t code = 0;
  int32_t severity = 0;  // HEARTH_SEVERITY_*
  std::string text;
  int64_t first_raised_wall_ms = 0;
  int64_t last_raised_wall_ms = 0;
  uint32_t repeat_count = 0;    // raises after the first
  int64_t cleared_wall_ms = 0;  // set in the "cleared" notification only
  std::string acknowledged_by;  // empty: not acknowledged
  int64_t acknowledged_wall_ms = 0;
};

enum class AlarmChange { raised, updated, cleared, acknowledged };

std::string_view to_string(AlarmChange change);

// One entry of the recent-events log. author: the source for raised/updated/cleared, the
// operator for acknowledged.
struct AlarmEvent {
  uint64_t sequence = 0;  // 1, 2, ... in the order the events happened
  AlarmChange change = AlarmChange::raised;
  std::string source;
  int32_t code = 0;
  int32_t severity = 0;
  std::string text;
  std::string author;
  int64_t wall_ms = 0;
};

class AlarmRegistry {
 public:
  using Listener = ListenerList<AlarmChange, const Alarm &>::Listener;

  explicit AlarmRegistry(size_t recent_event_capacity = 256)
      : recent_event_capacity_(recent_event_capacity) {}

  // HEARTH_OK, or HEARTH_E_INVALID for a severity outside WARNING..CRITICAL or an empty source.
  // Raising an active alarm again updates its text and severity and counts the repeat; a raise
  // to a higher severity drops the acknowledgement (it is a worse alarm than the one seen).
  int32_t raise(std::string_view source, int32_t code, int32_t severity, std::string_view text,
                int64_t now_wall_ms);
  // HEARTH_OK, or HEARTH_E_NOT_FOUND when it was not active.
  int32_t clear(std::string_view source, int32_t code, int64_t now_wall_ms);
  // Clears every alarm of a source (a device was removed); returns how many.
  size_t clear_source(std::string_view source, int64_t now_wall_ms);
  // Marks an active alarm as seen by `author`. HEARTH_OK; HEARTH_E_NOT_FOUND when it is not
  // active; HEARTH_E_INVALID for an empty author; HEARTH_E_STATE when already acknowledged
  // (the first acknowledgement stands).
  int32_t acknowledge(std::string_view source, int32_t code, std::string_view author,
                      int64_t now_wall_ms);

  // Most severe first, then oldest first.
  std::vector<Alarm> active() const;
  const Alarm *find(std::string_view source, int32_t code) const;
  // HEARTH_SEVERITY_* of the worst active alarm, 0 when none is active.
  int32_t highest_severity() const;
  size_t active_count() const { return alarms_.size(); }

  // The newest `limit` events, oldest first.
  std::vector<AlarmEvent> recent_events(size_t limit = SIZE_MAX) const;

  ListenerId add_listener(Listener listener) { return listeners_.add(std::move(listener)); }
  bool remove_listener(ListenerId id) { return listeners_.remove(id); }

 private:
  void notify(AlarmChange change, Alarm snapshot, std::string_view author);
  void record(AlarmChange change, const Alarm &alarm, std::string_view author, int64_t wall_ms);

  using Key = std::pair<std::string, int32_t>;
  std::map<Key, Alarm> alarms_;
  ListenerList<AlarmChange, const Alarm &> listeners_;
  size_t recent_event_capacity_;
  std::deque<AlarmEvent> recent_events_;
  uint64_t next_sequence_ = 1;
};

}  // namespace hearth::bus
