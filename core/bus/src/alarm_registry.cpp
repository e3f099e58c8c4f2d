#include <hearth/plugin.h>

#include <algorithm>
#include <hearth/bus/alarm_registry.hpp>

namespace hearth::bus {

namespace {

// A plugin may send anything; an alarm text is shown on a status page, one line.
constexpr size_t kMaxAlarmTextBytes = 256;

std::string bounded_alarm_text(std::string_view text) {
  return std::string(text.substr(0, kMaxAlarmTextBytes));
}

}  // namespace

void AlarmRegistry::notify(AlarmChange change, Alarm snapshot) {
  // A copy: a listener may clear (and so destroy) the alarm while the others are still told.
  listeners_.notify(change, snapshot);
}

int32_t AlarmRegistry::raise(std::string_view source, int32_t code, int32_t severity,
                             std::string_view text, int64_t now_wall_ms) {
  if (source.empty() || severity < HEARTH_SEVERITY_WARNING || severity > HEARTH_SEVERITY_CRITICAL) {
    return HEARTH_E_INVALID;
  }
  const std::string bounded = bounded_alarm_text(text);
  auto [entry, created] = alarms_.try_emplace(Key{std::string(source), code});
  Alarm &alarm = entry->second;
  if (created) {
    alarm = Alarm{std::string(source), code, severity, bounded, now_wall_ms, now_wall_ms, 0, 0};
    notify(AlarmChange::raised, alarm);
    return HEARTH_OK;
  }
  ++alarm.repeat_count;
  alarm.last_raised_wall_ms = now_wall_ms;
  if (alarm.severity == severity && alarm.text == bounded) return HEARTH_OK;
  alarm.severity = severity;
  alarm.text = bounded;
  notify(AlarmChange::updated, alarm);
  return HEARTH_OK;
}

int32_t AlarmRegistry::clear(std::string_view source, int32_t code, int64_t now_wall_ms) {
  const auto found = alarms_.find(Key{std::string(source), code});
  if (found == alarms_.end()) return HEARTH_E_NOT_FOUND;
  // Out of the map before listeners run: one of them may raise it again.
  Alarm cleared = std::move(found->second);
  alarms_.erase(found);
  cleared.cleared_wall_ms = now_wall_ms;
  notify(AlarmChange::cleared, std::move(cleared));
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

}  // namespace hearth::bus
