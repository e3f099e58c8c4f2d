// ModbusLink against a real pymodbus slave over TCP on 127.0.0.1.
#include <gtest/gtest.h>

#include <hearth/links/modbus_link.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <thread>

#include "link_test_support.hpp"
#include "overtaking_scenarios.hpp"

namespace hearth::links {
namespace {

using namespace std::chrono_literals;
using hearth::testing::ModbusPeer;
using testing::CompletionLog;
using testing::read_holding;
using testing::submit_and_wait;
using testing::tcp_link;
using testing::write_multiple;
using testing::write_single;

class TcpLinkTest : public ::testing::Test {
 protected:
  void start_peer(std::vector<std::string> options) {
    peer_ = ModbusPeer::tcp(std::move(options));
    link_ = std::make_unique<ModbusLink>(tcp_link(peer_->tcp_port(), 1000));
    link_->start();
  }
  void TearDown() override {
    link_.reset();
    peer_.reset();
  }

  std::unique_ptr<ModbusPeer> peer_;
  std::unique_ptr<ModbusLink> link_;
};

TEST_F(TcpLinkTest, ReadsAndWritesHoldingRegisters) {
  start_peer({"--units", "1", "--set", "100=11,22,33"});
  const int64_t before_ns = testing::mono_now_ns();
  Result read = submit_and_wait(*link_, read_holding(1, 100, 3));
  ASSERT_EQ(read.status, HEARTH_OK) << read.message;
  EXPECT_EQ(read.values, (std::vector<uint16_t>{11, 22, 33}));
  // Taken right after the answer: not before the slave sent it, and promptly after.
  ASSERT_TRUE(peer_->wait_for_answers(1, 5s));
  const auto answers = peer_->answers();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_GE(read.received_mono_ns, answers[0].sent_ns);
  EXPECT_LT(read.received_mono_ns - answers[0].sent_ns, 100'000'000);
  EXPECT_GT(read.received_mono_ns, before_ns);

  ASSERT_EQ(submit_and_wait(*link_, write_single(1, 100, 4242)).status, HEARTH_OK);
  ASSERT_EQ(submit_and_wait(*link_, write_multiple(1, 101, {7, 8})).status, HEARTH_OK);
  read = submit_and_wait(*link_, read_holding(1, 100, 3));
  EXPECT_EQ(read.values, (std::vector<uint16_t>{4242, 7, 8}));
  const auto counters = link_->counters();
  EXPECT_EQ(counters.requests, 4u);
  EXPECT_EQ(counters.ok, 4u);
  ASSERT_TRUE(peer_->wait_for_requests(4, 5s));
  EXPECT_EQ(peer_->connections(), 1);  // one connection per link, kept open
}

TEST_F(TcpLinkTest, ExceptionAnswerCarriesItsCode) {
  start_peer({"--units", "1,2", "--exception", "2=2"});
  const Result result = submit_and_wait(*link_, read_holding(2, 0, 1));
  EXPECT_EQ(result.status, HEARTH_E_MODBUS_EXCEPTION);
  EXPECT_EQ(result.exception_code, 2);
  EXPECT_NE(result.received_mono_ns, 0);
  EXPECT_EQ(link_->counters().exceptions, 1u);
  EXPECT_EQ(link_->counters().retries, 0u);  // an answer is an answer: no retry
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 0, 1)).status, HEARTH_OK);
}

TEST_F(TcpLinkTest, RawDeviceIdentification) {
  start_peer({"--units", "1", "--identity", "Hearth,PEER-1,1.0"});
  // 43/14, read device id code 1 (basic), from object 0 (Modbus Application Protocol 6.21).
  const Result result = submit_and_wait(*link_, testing::raw_request(1, {0x2b, 0x0e, 0x01, 0x00}));
  ASSERT_EQ(result.status, HEARTH_OK) << result.message;
  ASSERT_GE(result.raw_pdu.size(), 7u);
  EXPECT_EQ(result.raw_pdu[0], 0x2b);
  EXPECT_EQ(result.raw_pdu[1], 0x0e);
  const std::string text(result.raw_pdu.begin(), result.raw_pdu.end());
  EXPECT_NE(text.find("Hearth"), std::string::npos);
  EXPECT_NE(text.find("PEER-1"), std::string::npos);
  EXPECT_TRUE(result.values.empty());
  // The connection stays in step: the next transaction works.
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 5, 1)).values, std::vector<uint16_t>{5});
}

TEST_F(TcpLinkTest, QueuedFramesGoOutByPriorityAfterTheFrameInFlight) {
  start_peer({"--units", "1,2", "--delay-ms", "1=300"});
  CompletionLog log;
  link_->submit(read_holding(1, 0, 1), log.record("in flight"));
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  // Nothing blocks the caller of submit() while a frame is in flight.
  const auto before = std::chrono::steady_clock::now();
  link_->submit(read_holding(2, 1, 1, HEARTH_PRIO_POLL), log.record("poll"));
  link_->submit(read_holding(2, 2, 1, HEARTH_PRIO_METER), log.record("meter"));
  link_->submit(read_holding(2, 3, 1, HEARTH_PRIO_SAFETY), log.record("safety"));
  link_->submit(read_holding(2, 4, 1, HEARTH_PRIO_CONTROL), log.record("control"));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 100ms);
  EXPECT_TRUE(log.entries().empty());
  ASSERT_TRUE(log.wait_for(5));
  EXPECT_EQ(log.tags(),
            (std::vector<std::string>{"in flight", "safety", "control", "meter", "poll"}));
  EXPECT_EQ(log.result_of("in flight").status, HEARTH_OK);  // never cut
  ASSERT_TRUE(peer_->wait_for_requests(5, 5s));
  std::vector<uint32_t> wire_addresses;
  for (const auto &request : peer_->requests()) wire_addresses.push_back(request.address);
  EXPECT_EQ(wire_addresses, (std::vector<uint32_t>{0, 3, 4, 2, 1}));
}

TEST_F(TcpLinkTest, NewerWriteReplacesQueuedWriteToSameRegisters) {
  start_peer({"--units", "1,2", "--delay-ms", "1=300"});
  CompletionLog log;
  link_->submit(read_holding(1, 0, 1), log.record("in flight"));
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  link_->submit(write_single(2, 10, 1), log.record("write 1"));
  link_->submit(write_single(2, 10, 2), log.record("write 2"));
  link_->submit(write_single(2, 11, 5), log.record("other register"));
  link_->submit(write_single(2, 10, 3), log.record("write 3"));
  ASSERT_TRUE(log.wait_for(5));
  EXPECT_EQ(log.result_of("write 1").status, HEARTH_E_CANCELLED);
  EXPECT_EQ(log.result_of("write 2").status, HEARTH_E_CANCELLED);
  EXPECT_EQ(log.result_of("write 3").status, HEARTH_OK);
  EXPECT_EQ(log.result_of("other register").status, HEARTH_OK);
  EXPECT_EQ(link_->counters().coalesced, 2u);
  // Only the newest value reached the device, in the first write's place.
  ASSERT_TRUE(peer_->wait_for_requests(3, 5s));
  const auto requests = peer_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].address, 10u);
  EXPECT_EQ(requests[1].values, std::vector<uint16_t>{3});
  EXPECT_EQ(requests[2].address, 11u);
  EXPECT_EQ(submit_and_wait(*link_, read_holding(2, 10, 1)).values, std::vector<uint16_t>{3});
}

TEST_F(TcpLinkTest, RequestWhoseDeadlinePassedInTheQueueNeverGoesOnTheWire) {
  start_peer({"--units", "1,2", "--delay-ms", "1=300"});
  CompletionLog log;
  link_->submit(read_holding(1, 0, 1), log.record("in flight"));
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  auto hurried = read_holding(2, 7, 1, HEARTH_PRIO_METER);
  hurried.deadline_mono_ns = testing::mono_now_ns() + 50'000'000;
  link_->submit(hurried, log.record("hurried"));
  auto relaxed = read_holding(2, 8, 1);
  relaxed.deadline_mono_ns = testing::mono_now_ns() + 30'000'000'000;
  link_->submit(relaxed, log.record("relaxed"));
  ASSERT_TRUE(log.wait_for(3));
  EXPECT_EQ(log.result_of("hurried").status, HEARTH_E_TIMEOUT);
  EXPECT_EQ(log.result_of("relaxed").status, HEARTH_OK);
  EXPECT_EQ(link_->counters().expired, 1u);
  ASSERT_TRUE(peer_->wait_for_requests(2, 5s));
  for (const auto &request : peer_->requests()) EXPECT_NE(request.address, 7u);
}

TEST_F(TcpLinkTest, ControlWriteQueuedBehindTwentyPollsGoesOutNext) {
  start_peer(testing::kOvertakingPeerOptions);
  testing::control_write_behind_twenty_polls_goes_out_next(*link_, *peer_);
}

TEST_F(TcpLinkTest, ExecuteNowOvertakesQueuedFrames) {
  start_peer(testing::kOvertakingPeerOptions);
  testing::execute_now_overtakes_queued_frames(*link_, *peer_);
}

TEST_F(TcpLinkTest, ExecuteNowWithoutStartRunsOnTheCallersThread) {
  peer_ = ModbusPeer::tcp({"--units", "1"});
  ModbusLink link(tcp_link(peer_->tcp_port()));  // as `hearthd --failsafe` uses it
  const Result result = link.execute_now(write_single(1, 40126, 1234));
  ASSERT_EQ(result.status, HEARTH_OK) << result.message;
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  const auto requests = peer_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].values, std::vector<uint16_t>{1234});
}

TEST_F(TcpLinkTest, StopLetsTheFrameInFlightFinishAndCancelsTheRest) {
  start_peer({"--units", "1", "--delay-ms", "1=300"});
  CompletionLog log;
  for (int i = 0; i < 5; ++i) link_->submit(read_holding(1, 0, 1), log.record(std::to_string(i)));
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  link_->stop();
  ASSERT_EQ(log.entries().size(), 5u);  // stop() returns with every request completed
  EXPECT_EQ(log.result_of("0").status, HEARTH_OK);
  for (const char *tag : {"1", "2", "3", "4"}) {
    EXPECT_EQ(log.result_of(tag).status, HEARTH_E_CANCELLED) << tag;
  }
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 0, 1)).status, HEARTH_E_CANCELLED);
  EXPECT_EQ(peer_->requests().size(), 1u);
}

TEST_F(TcpLinkTest, StopFromACompletionDoesNotDeadlock) {
  start_peer({"--units", "1"});
  CompletionLog log;
  link_->submit(read_holding(1, 0, 1), [&](const Result &result) {
    link_->stop();
    log.record("first")(result);
  });
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_EQ(log.result_of("first").status, HEARTH_OK);
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 0, 1)).status, HEARTH_E_CANCELLED);
  link_->start();  // joins the thread that ended, starts a new one
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 4, 1)).values, std::vector<uint16_t>{4});
}

TEST_F(TcpLinkTest, ReconnectsWithBackoffAfterTheServerRestarts) {
  start_peer({"--units", "1"});
  const int port = peer_->tcp_port();
  ASSERT_EQ(submit_and_wait(*link_, read_holding(1, 0, 1)).status, HEARTH_OK);
  peer_->stop();
  // While the server is down: requests fail fast with HEARTH_E_IO and reconnects are spaced out.
  const auto down_since = std::chrono::steady_clock::now();
  int failures = 0;
  while (std::chrono::steady_clock::now() - down_since < 1500ms) {
    const Result result = submit_and_wait(*link_, read_holding(1, 0, 1));
    EXPECT_EQ(result.status, HEARTH_E_IO) << result.message;
    failures += result.status == HEARTH_E_IO ? 1 : 0;
    std::this_thread::sleep_for(20ms);  // a poll cycle, not a synchronisation
  }
  const uint64_t reconnects_while_down = link_->counters().reconnects;
  EXPECT_GE(failures, 20);
  EXPECT_GE(reconnects_while_down, 1u);
  EXPECT_LE(reconnects_while_down, 6u) << "reconnect attempts must back off";

  peer_ = ModbusPeer::tcp({"--units", "1"}, port);
  const auto back_since = std::chrono::steady_clock::now();
  Result result;
  while (std::chrono::steady_clock::now() - back_since < 15s) {
    result = submit_and_wait(*link_, read_holding(1, 3, 1));
    if (result.status == HEARTH_OK) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(result.status, HEARTH_OK) << result.message;
  EXPECT_EQ(result.values, std::vector<uint16_t>{3});
  ASSERT_TRUE(peer_->wait_for_requests(1, 5s));
  EXPECT_EQ(peer_->connections(), 1);
}

TEST_F(TcpLinkTest, TraceKeepsTheLastFrames) {
  start_peer({"--units", "1", "--set", "0=1,2"});
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 0, 2)).status, HEARTH_OK);
  EXPECT_TRUE(link_->trace().empty());  // off until asked for
  link_->enable_trace(3);
  for (int i = 0; i < 3; ++i) submit_and_wait(*link_, read_holding(1, 0, 2));
  const auto trace = link_->trace();
  ASSERT_EQ(trace.size(), 3u);
  EXPECT_EQ(trace[1].direction, TraceDirection::kSent);
  EXPECT_EQ(trace[1].bytes_hex, "01 03 00 00 00 02");
  EXPECT_EQ(trace[2].direction, TraceDirection::kReceived);
  EXPECT_EQ(trace[2].bytes_hex, "01 03 04 00 01 00 02");
  EXPECT_EQ(trace[2].status, HEARTH_OK);
  EXPECT_LE(trace[1].mono_ns, trace[2].mono_ns);
}

}  // namespace
}  // namespace hearth::links
