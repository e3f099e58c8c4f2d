#pragma once
// What the simulated house saw, in order and stamped with CLOCK_MONOTONIC (the same clock in every
// process of this machine, so a test or a benchmark can line the sim's truth up with hearthd's):
// every physics step (grid, load and each inverter's output and cap), every Modbus write a device
// received, every meter read it served (the value and when the reply left), every control command
// that changed the house. Read back with `ctl events since=<seq>` (sim/README.md). Not thread-safe:
// the Simulator locks.
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace hearth::sim {

int64_t monotonic_now_ns();

class EventLog {
 public:
  // Keeps the newest `capacity` events; older ones are dropped (and counted).
  explicit EventLog(size_t capacity);

  // Appends {"seq", "mono_ns", "kind", ...fields} and returns its seq (from 1 up).
  uint64_t append(const std::string &kind, nlohmann::json fields);
  // The reply of a request logged as `seq` left the device at `mono_ns` ("sent_ns"); nothing if
  // the event was dropped meanwhile.
  void stamp_sent(uint64_t seq, int64_t mono_ns);

  // {"events": [...], "next": seq to ask for next, "first": oldest seq still kept, "dropped": n}
  // with at most `limit` events of seq >= since whose kind is in `kinds` (all when empty).
  nlohmann::json since(uint64_t since, const std::set<std::string> &kinds, size_t limit) const;
  uint64_t next_seq() const { return next_seq_; }

 private:
  size_t capacity_;
  std::deque<nlohmann::json> events_;  // seq of events_[i] = first_seq_ + i
  uint64_t first_seq_ = 1, next_seq_ = 1, dropped_ = 0;
};

}  // namespace hearth::sim
