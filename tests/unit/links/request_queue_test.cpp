// The wire order of queued requests and the coalescing of writes, without a bus.
#include <gtest/gtest.h>

#include <hearth/links/request_queue.hpp>

#include "link_test_support.hpp"

namespace hearth::links {
namespace {

using testing::read_holding;
using testing::write_single;

QueuedRequest entry(uint64_t id, hearth_modbus_request request) {
  QueuedRequest queued;
  queued.id = id;
  queued.request = request;
  return queued;
}

std::vector<uint64_t> drain_ids(RequestQueue &queue) {
  std::vector<uint64_t> ids;
  for (const auto &queued : queue.take_all()) ids.push_back(queued.id);
  return ids;
}

TEST(RequestQueue, HigherPriorityOvertakesOlderLowerOnes) {
  RequestQueue queue;
  queue.push(entry(1, read_holding(1, 0, 1, HEARTH_PRIO_POLL)));
  queue.push(entry(2, read_holding(1, 0, 1, HEARTH_PRIO_METER)));
  queue.push(entry(3, read_holding(1, 0, 1, HEARTH_PRIO_SAFETY)));
  queue.push(entry(4, read_holding(1, 0, 1, HEARTH_PRIO_CONTROL)));
  EXPECT_EQ(drain_ids(queue), (std::vector<uint64_t>{3, 4, 2, 1}));
}

TEST(RequestQueue, WithinAPriorityEarliestDeadlineFirstThenFifo) {
  RequestQueue queue;
  auto late = read_holding(1, 0, 1);
  late.deadline_mono_ns = 9'000;
  auto early = read_holding(1, 0, 1);
  early.deadline_mono_ns = 5'000;
  queue.push(entry(1, read_holding(1, 0, 1)));  // no deadline: after those with one
  queue.push(entry(2, late));
  queue.push(entry(3, early));
  queue.push(entry(4, read_holding(1, 0, 1)));
  queue.push(entry(5, early));
  EXPECT_EQ(drain_ids(queue), (std::vector<uint64_t>{3, 5, 2, 1, 4}));
}

TEST(RequestQueue, UrgentGoesAheadOfSafety) {
  RequestQueue queue;
  queue.push(entry(1, read_holding(1, 0, 1, HEARTH_PRIO_SAFETY)));
  auto urgent = entry(2, write_single(1, 5, 7, HEARTH_PRIO_SAFETY));
  urgent.urgent = true;
  queue.push(urgent);
  EXPECT_EQ(drain_ids(queue), (std::vector<uint64_t>{2, 1}));
}

TEST(RequestQueue, NewerWriteToSameRegistersReplacesTheQueuedOneInItsPlace) {
  RequestQueue queue;
  EXPECT_FALSE(queue.push(entry(1, write_single(1, 40125, 100))));
  EXPECT_FALSE(queue.push(entry(2, read_holding(1, 0, 1, HEARTH_PRIO_CONTROL))));
  EXPECT_FALSE(queue.push(entry(3, write_single(2, 40125, 100))));  // another unit
  EXPECT_FALSE(queue.push(entry(4, write_single(1, 40126, 100))));  // another address
  const auto replaced = queue.push(entry(5, write_single(1, 40125, 200)));
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->id, 1u);
  EXPECT_EQ(queue.size(), 4u);
  const auto all = queue.take_all();
  EXPECT_EQ(all.front().id, 5u);  // took the place of write 1, ahead of the read
  EXPECT_EQ(all.front().request.values[0], 200);
}

TEST(RequestQueue, ReadsAreNeverCoalesced) {
  RequestQueue queue;
  EXPECT_FALSE(queue.push(entry(1, read_holding(1, 0, 2))));
  EXPECT_FALSE(queue.push(entry(2, read_holding(1, 0, 2))));
  EXPECT_EQ(queue.size(), 2u);
}

TEST(RequestQueue, CoalescedWriteKeepsTheHigherPriority) {
  RequestQueue queue;
  queue.push(entry(1, write_single(1, 10, 1, HEARTH_PRIO_SAFETY)));
  queue.push(entry(2, read_holding(1, 0, 1, HEARTH_PRIO_CONTROL)));
  ASSERT_TRUE(queue.push(entry(3, write_single(1, 10, 2, HEARTH_PRIO_POLL))));
  EXPECT_EQ(drain_ids(queue), (std::vector<uint64_t>{3, 2}));
}

}  // namespace
}  // namespace hearth::links
