#pragma once
// Active alarms, deduplicated by (source, code): a device that raises the same alarm every poll
// keeps one alarm whose repeat count grows (plugin.h, alarm_raise). Listeners (the LED driver, the
// alarm history, the northbound) hear of every change; an identical repeat is not a change.
// Core thread only.
#include <cstdint>
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
};

enum class AlarmChange { raised, updated, cleared };

class AlarmRegistry {
 public:
  using Listener = ListenerList<AlarmChange, const Alarm &>::Listener;

  // HEARTH_OK, or HEARTH_E_INVALID for a severity outside WARNING..CRITICAL or an empty source.
  // Raising an active alarm again updates its text and severity and counts the repeat.
  int32_t raise(std::string_view source, int32_t code, int32_t severity, std::string_view text,
                int64_t now_wall_ms);
  // HEARTH_OK, or HEARTH_E_NOT_FOUND when it was not active.
  int32_t clear(std::string_view source, int32_t code, int64_t now_wall_ms);
  // Clears every alarm of a source (a device was removed); returns how many.
  size_t clear_source(std::string_view source, int64_t now_wall_ms);

  // Most severe first, then oldest first.
  std::vector<Alarm> active() const;
  const Alarm *find(std::string_view source, int32_t code) const;
  // HEARTH_SEVERITY_* of the worst active alarm, 0 when none is active.
  int32_t highest_severity() const;
  size_t active_count() const { return alarms_.size(); }

  ListenerId add_listener(Listener listener) { return listeners_.add(std::move(listener)); }
  bool remove_listener(ListenerId id) { return listeners_.remove(id); }

 private:
  void notify(AlarmChange change, Alarm snapshot);

  using Key = std::pair<std::string, int32_t>;
  std::map<Key, Alarm> alarms_;
  ListenerList<AlarmChange, const Alarm &> listeners_;
};

}  // namespace hearth::bus
