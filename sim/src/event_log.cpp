#include "hearth/sim/event_log.hpp"

#include <time.h>

namespace hearth::sim {

int64_t monotonic_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

EventLog::EventLog(size_t capacity) : capacity_(capacity) {}

uint64_t EventLog::append(const std::string &kind, nlohmann::json fields) {
  fields["seq"] = next_seq_;
  fields["mono_ns"] = monotonic_now_ns();
  fields["kind"] = kind;
  events_.push_back(std::move(fields));
  while (events_.size() > capacity_) {
    events_.pop_front();
    ++first_seq_;
    ++dropped_;
  }
  return next_seq_++;
}

void EventLog::stamp_sent(uint64_t seq, int64_t mono_ns) {
  if (seq < first_seq_ || seq >= next_seq_) return;
  events_[seq - first_seq_]["sent_ns"] = mono_ns;
}

nlohmann::json EventLog::since(uint64_t since, const std::set<std::string> &kinds,
                               size_t limit) const {
  nlohmann::json out = nlohmann::json::array();
  uint64_t seq = std::max(since, first_seq_);
  for (; seq < next_seq_ && out.size() < limit; ++seq) {
    const auto &event = events_[seq - first_seq_];
    if (kinds.empty() || kinds.count(event["kind"].get<std::string>())) out.push_back(event);
  }
  return {{"events", std::move(out)}, {"next", seq}, {"first", first_seq_}, {"dropped", dropped_}};
}

}  // namespace hearth::sim
