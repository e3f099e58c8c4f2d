#pragma once
// Scenarios that must hold on every transport: a frame is in flight to a slow unit (1) while
// polls to unit 3 queue up behind it; something urgent for unit 2 arrives. The slave must be
// started with units 1,2,3 and unit 1 answering 200 ms late ("--delay-ms 1=200").
#include <gtest/gtest.h>

#include <hearth/links/modbus_link.hpp>
#include <hearth/testing/modbus_peer.hpp>

#include "link_test_support.hpp"

namespace hearth::links::testing {

inline const std::vector<std::string> kOvertakingPeerOptions{"--units", "1,2,3", "--delay-ms",
                                                             "1=200"};

// Puts poll 0 on the wire (to the slow unit) and queues `queued_polls` more at `priority`.
inline void fill_queue_behind_a_slow_frame(ModbusLink &link, hearth::testing::ModbusPeer &peer,
                                           CompletionLog &log, int queued_polls, int priority) {
  link.submit(read_holding(1, 0, 1), log.record("poll 0"));
  ASSERT_TRUE(peer.wait_for_requests(1, std::chrono::seconds(5)));
  for (int i = 1; i <= queued_polls; ++i) {
    link.submit(read_holding(3, static_cast<uint32_t>(i), 1, priority),
                log.record("poll " + std::to_string(i)));
  }
}

// The slave saw the frame in flight, then the urgent one, then the rest.
inline void expect_second_on_the_wire(hearth::testing::ModbusPeer &peer, size_t total, int function,
                                      uint32_t address) {
  ASSERT_TRUE(peer.wait_for_requests(total, std::chrono::seconds(5)));
  const auto requests = peer.requests();
  ASSERT_EQ(requests.size(), total);
  EXPECT_EQ(requests[0].unit, 1);
  EXPECT_EQ(requests[1].unit, 2);
  EXPECT_EQ(requests[1].function, function);
  EXPECT_EQ(requests[1].address, address);
}

inline void control_write_behind_twenty_polls_goes_out_next(ModbusLink &link,
                                                            hearth::testing::ModbusPeer &peer) {
  CompletionLog log;
  fill_queue_behind_a_slow_frame(link, peer, log, 19, HEARTH_PRIO_POLL);
  link.submit(write_single(2, 40125, 500), log.record("control"));
  ASSERT_TRUE(log.wait_for(21));
  const auto tags = log.tags();
  EXPECT_EQ(tags[0], "poll 0");
  EXPECT_EQ(tags[1], "control");
  EXPECT_EQ(log.result_of("control").status, HEARTH_OK);
  expect_second_on_the_wire(peer, 21, HEARTH_MODBUS_WRITE_SINGLE_REGISTER, 40125);
}

inline void execute_now_overtakes_queued_frames(ModbusLink &link,
                                                hearth::testing::ModbusPeer &peer) {
  CompletionLog log;
  // Even queued SAFETY frames wait for execute_now().
  fill_queue_behind_a_slow_frame(link, peer, log, 10, HEARTH_PRIO_SAFETY);
  const Result result = link.execute_now(write_single(2, 47415, 6, HEARTH_PRIO_POLL));
  ASSERT_EQ(result.status, HEARTH_OK) << result.message;
  ASSERT_TRUE(log.wait_for(11));
  expect_second_on_the_wire(peer, 12, HEARTH_MODBUS_WRITE_SINGLE_REGISTER, 47415);
}

}  // namespace hearth::links::testing
