#pragma once
// The requests waiting for a link, in the order they go on the wire (architecture.md, "The
// scheduler bus"): highest priority first (SAFETY > CONTROL > METER > POLL), within a priority the
// earliest deadline, then the oldest. A request without a deadline comes after those with one.
// Not thread-safe: the link guards it.
#include <hearth/plugin.h>

#include <cstdint>
#include <hearth/links/link_result.hpp>
#include <optional>
#include <vector>

namespace hearth::links {

struct QueuedRequest {
  uint64_t id = 0;
  hearth_modbus_request request{};
  Completion done;
  // execute_now(): ahead of everything, SAFETY included.
  bool urgent = false;
  // One attempt only, whatever the link's retries (unit scans).
  bool single_attempt = false;
  // Set by the queue: the order of arrival (a coalesced write keeps its predecessor's).
  uint64_t sequence = 0;
};

// A register write that a newer write to the same unit, address and count makes pointless.
bool is_coalescable_write(const hearth_modbus_request &request);

class RequestQueue {
 public:
  // Queues `entry`. When it is a register write and an older write to the same unit, address and
  // count is still queued, the new one takes the old one's place (keeping the higher of the two
  // priorities) and the old one is returned so that the caller can cancel it.
  std::optional<QueuedRequest> push(QueuedRequest entry);
  // Removes and returns the request that goes on the wire next; nullopt when empty.
  std::optional<QueuedRequest> pop_next();
  // Removes and returns everything, in wire order.
  std::vector<QueuedRequest> take_all();
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<QueuedRequest> entries_;
  uint64_t next_sequence_ = 0;
};

}  // namespace hearth::links
