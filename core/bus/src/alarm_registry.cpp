#include <hearth/plugin.h>

#include <algorithm>
#include <hearth/bus/alarm_registry.hpp>

namespace hearth::bus {

namespace {

// A plugin may send anything; an alarm text is shown on a status page, one line.
constexpr size_t kMaxAlarmTextBytes = 256;
// An acknowledging operator's name is shown beside the alarm.
constexpr size_t kMaxAuthorBytes = 64;

std::string bounded(std::string_view text, size_t max_bytes) {
  return std::string(text.substr(0, max_bytes));
}

}  // namespace

std::string_view to_string(AlarmChange change) {
  switch (change) {
    case AlarmChange::raised:
      return "raised";
    case AlarmChange::updated:
      return "updated";
    case AlarmChange::cleared:
      return "cleared";
    case AlarmChange::acknowledged:
      return "acknowledged";
  }
  return "unknown";
}

void AlarmRegistry::record(AlarmChange change, const Alarm &alarm, std::string_view author,
                           int64_t wall_ms) {
  if (recent_event_capacity_ == 0) return;
  if (recent_events_.size() == recent_event_capacity_) recent_events_.pop_front();
  recent_events_.push_back(AlarmEvent{next_sequence_++, change, alarm.source, alarm.code,
                                      alarm.severity, alarm.text, std::string(author), wall_ms});
}

void AlarmRegistry::notify(AlarmChange change, Alarm snapshot, std::string_view author) {
  int64_t wall_ms = snapshot.last_raised_wall_ms;
  if (change == AlarmChange::cleared) wall_ms = snapshot.cleared_wall_ms;
  if (change == AlarmChange::acknowledged) wall_ms = snapshot.acknowledged_wall_ms;
  record(change, snapshot, author, wall_ms);
  // A copy: a listener may clear (and so destroy) the alarm while the others are still told.
  listeners_.notify(change, snapshot);
}

int32_t AlarmRegistry::raise(std::string_view source, int32_t code, int32_t severity,
                             std::string_view text, int64_t now_wall_ms) {
  if (source.empty() || severity < HEARTH_SEVERITY_WARNING || severity > HEARTH_SEVERITY_CRITICAL) {
    return HEARTH_E_INVALID;
  }
  std::string text_shown = bounded(text, kMaxAlarmTextBytes);
  auto [entry, created] = alarms_.try_emplace(Key{std::string(source), code});
  Alarm &alarm = entry->second;
  if (created) {
    alarm.source = std::string(source);
    alarm.code = code;
    alarm.severity = severity;
    alarm.text = std::move(text_shown);
    alarm.first_raised_wall_ms = now_wall_ms;
    alarm.last_raised_wall_ms = now_wall_ms;
    notify(AlarmChange::raised, alarm, source);
    return HEARTH_OK;
  }
  ++alarm.repeat_count;
  alarm.last_raised_wall_ms = now_wall_ms;
  if (alarm.severity == severity && alarm.text == text_shown) return HEARTH_OK;
  if (severity > alarm.severity) {
    alarm.acknowledged_by.clear();
    alarm.acknowledged_wall_ms = 0;
  }
  alarm.severity = severity;
  alarm.text = std::move(text_shown);
  notify(AlarmChange::updated, alarm, source);
  return HEARTH_OK;
}

int32_t AlarmRegistry::clear(std::string_view source, int32_t code, int64_t now_wall_ms) {
  const auto found = alarms_.find(Key{std::string(source), code});
  if (found == alarms_.end()) return HEARTH_E_NOT_FOUND;
  // Out of the map before listeners run: one of them may raise it again.
  Alarm cleared = std::move(found->second);
  alarms_.erase(found);
  cleared.cleared_wall_ms = now_wall_ms;
  notify(AlarmChange::cleared, std::move(cleared), source);
  return HEARTH_OK;
}

size_t AlarmRegistry::clear_source(std::string_view source, int64_t now_wall_ms) {
  std::vector<int32_t> codes;
  for (const auto &[key, alarm] : alarms_) {
    if (key.first == source) codes.push_back(key.second);
  }
  for (const int32_t code : codes) clear(source, code, now_wall_ms);
  return codes.size();
}

int32_t AlarmRegistry::acknowledge(std::string_view source, int32_t code, std::string_view author,
                                   int64_t now_wall_ms) {
  if (author.empty()) return HEARTH_E_INVALID;
  const auto found = alarms_.find(Key{std::string(source), code});
  if (found == alarms_.end()) return HEARTH_E_NOT_FOUND;
  Alarm &alarm = found->second;
  if (!alarm.acknowledged_by.empty()) return HEARTH_E_STATE;
  alarm.acknowledged_by = bounded(author, kMaxAuthorBytes);
  alarm.acknowledged_wall_ms = now_wall_ms;
  notify(AlarmChange::acknowledged, alarm, alarm.acknowledged_by);
  return HEARTH_OK;
}

std::vector<Alarm> AlarmRegistry::active() const {
  std::vector<Alarm> all;
  all.reserve(alarms_.size());
  for (const auto &[key, alarm] : alarms_) all.push_back(alarm);
  std::stable_sort(all.begin(), all.end(), [](const Alarm &a, const Alarm &b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.first_raised_wall_ms < b.first_raised_wall_ms;
  });
  return all;
}

const Alarm *AlarmRegistry::find(std::string_view source, int32_t code) const {
  const auto found = alarms_.find(Key{std::string(source), code});
  return found == alarms_.end() ? nullptr : &found->second;
}

int32_t AlarmRegistry::highest_severity() const {
  int32_t highest = 0;
  for (const auto &[key, alarm] : alarms_) highest = std::max(highest, alarm.severity);
  return highest;
}

std::vector<AlarmEvent> AlarmRegistry::recent_events(size_t limit) const {
  const size_t count = std::min(limit, recent_events_.size());
  return {recent_events_.end() - static_cast<std::ptrdiff_t>(count), recent_events_.end()};
}

}  // namespace hearth::bus
