#include <algorithm>
#include <hearth/links/request_queue.hpp>
#include <limits>
#include <tuple>

namespace hearth::links {
namespace {

// Sort key: smaller goes first.
auto wire_order_key(const QueuedRequest &entry) {
  const int64_t deadline = entry.request.deadline_mono_ns > 0 ? entry.request.deadline_mono_ns
                                                              : std::numeric_limits<int64_t>::max();
  return std::make_tuple(entry.urgent ? 0 : 1, -entry.request.priority, deadline, entry.sequence);
}

bool same_write_target(const hearth_modbus_request &a, const hearth_modbus_request &b) {
  return a.unit == b.unit && a.address == b.address && a.count == b.count;
}

}  // namespace

bool is_coalescable_write(const hearth_modbus_request &request) {
  return request.function == HEARTH_MODBUS_WRITE_SINGLE_REGISTER ||
         request.function == HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS;
}

std::optional<QueuedRequest> RequestQueue::push(QueuedRequest entry) {
  entry.sequence = next_sequence_++;
  if (is_coalescable_write(entry.request) && !entry.urgent) {
    auto older = std::find_if(entries_.begin(), entries_.end(), [&](const QueuedRequest &queued) {
      return !queued.urgent && is_coalescable_write(queued.request) &&
             same_write_target(queued.request, entry.request);
    });
    if (older != entries_.end()) {
      entry.sequence = older->sequence;
      entry.request.priority = std::max(entry.request.priority, older->request.priority);
      QueuedRequest replaced = std::move(*older);
      *older = std::move(entry);
      return replaced;
    }
  }
  entries_.push_back(std::move(entry));
  return std::nullopt;
}

std::optional<QueuedRequest> RequestQueue::pop_next() {
  if (entries_.empty()) return std::nullopt;
  auto next = std::min_element(entries_.begin(), entries_.end(),
                               [](const QueuedRequest &a, const QueuedRequest &b) {
                                 return wire_order_key(a) < wire_order_key(b);
                               });
  QueuedRequest entry = std::move(*next);
  entries_.erase(next);
  return entry;
}

std::vector<QueuedRequest> RequestQueue::take_all() {
  std::vector<QueuedRequest> all;
  while (auto entry = pop_next()) all.push_back(std::move(*entry));
  return all;
}

}  // namespace hearth::links
