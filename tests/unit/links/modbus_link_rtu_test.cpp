// ModbusLink against a real pymodbus slave over RTU on a socat pty pair.
#include <gtest/gtest.h>

#include <algorithm>
#include <hearth/links/modbus_link.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <map>
#include <thread>

#include "link_test_support.hpp"
#include "overtaking_scenarios.hpp"

namespace hearth::links {
namespace {

using namespace std::chrono_literals;
using hearth::testing::ModbusPeer;
using hearth::testing::PtyPair;
using testing::CompletionLog;
using testing::read_holding;
using testing::rtu_link;
using testing::submit_and_wait;
using testing::write_multiple;
using testing::write_single;

class RtuLinkTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> peer_options, int baud = 9600, int timeout_ms = 0,
             int retries = 1) {
    peer_options.insert(peer_options.end(), {"--baud", std::to_string(baud)});
    peer_ = ModbusPeer::rtu(line_.device_end(), std::move(peer_options));
    link_ = std::make_unique<ModbusLink>(rtu_link(line_.link_end(), baud, timeout_ms, retries));
    link_->start();
  }
  void TearDown() override {
    link_.reset();
    peer_.reset();
  }

  PtyPair line_;
  std::unique_ptr<ModbusPeer> peer_;
  std::unique_ptr<ModbusLink> link_;
};

TEST_F(RtuLinkTest, ReadsAndWritesHoldingRegisters) {
  start({"--units", "1,2", "--set", "40000=100,200,300"});
  Result read = submit_and_wait(*link_, read_holding(2, 40000, 3));
  ASSERT_EQ(read.status, HEARTH_OK) << read.message;
  EXPECT_EQ(read.values, (std::vector<uint16_t>{100, 200, 300}));
  ASSERT_EQ(submit_and_wait(*link_, write_single(2, 40000, 1)).status, HEARTH_OK);
  ASSERT_EQ(submit_and_wait(*link_, write_multiple(1, 40001, {5, 6})).status, HEARTH_OK);
  EXPECT_EQ(submit_and_wait(*link_, read_holding(2, 40000, 3)).values,
            (std::vector<uint16_t>{1, 200, 300}));
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 40000, 3)).values,
            (std::vector<uint16_t>{100, 5, 6}));
  EXPECT_EQ(link_->counters().ok, 5u);
}

TEST_F(RtuLinkTest, ExceptionAnswerCarriesItsCode) {
  start({"--units", "1,4", "--exception", "4=3"});
  const Result result = submit_and_wait(*link_, read_holding(4, 0, 1));
  EXPECT_EQ(result.status, HEARTH_E_MODBUS_EXCEPTION);
  EXPECT_EQ(result.exception_code, 3);
  EXPECT_EQ(link_->counters().exceptions, 1u);
}

TEST_F(RtuLinkTest, SilentUnitTimesOutAfterItsRetry) {
  start({"--units", "1,5", "--silent", "5"}, 9600, 100, 1);
  const auto before = std::chrono::steady_clock::now();
  const Result result = submit_and_wait(*link_, read_holding(5, 0, 1));
  const auto elapsed = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(result.status, HEARTH_E_TIMEOUT) << result.message;
  EXPECT_EQ(result.received_mono_ns, 0);
  EXPECT_GE(elapsed, 200ms);  // two attempts of 100 ms
  const auto counters = link_->counters();
  EXPECT_EQ(counters.timeouts, 2u);
  EXPECT_EQ(counters.retries, 1u);
  EXPECT_TRUE(peer_->wait_for_requests(2, 5s));
  EXPECT_EQ(peer_->requests().size(), 2u);
  // The bus is usable at once for the next unit.
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 9, 1)).values, std::vector<uint16_t>{9});
}

TEST_F(RtuLinkTest, BadCrcIsCountedAndRetried) {
  start({"--units", "1,3", "--bad-crc", "3"});
  const Result result = submit_and_wait(*link_, read_holding(3, 0, 2));
  EXPECT_EQ(result.status, HEARTH_E_IO);
  EXPECT_NE(result.message.find("CRC"), std::string::npos) << result.message;
  EXPECT_EQ(link_->counters().crc_errors, 2u);
  EXPECT_EQ(link_->counters().retries, 1u);
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 0, 2)).status, HEARTH_OK);
}

TEST_F(RtuLinkTest, RawDeviceIdentification) {
  start({"--units", "1", "--identity", "Hearth,PEER-RTU,2.1"});
  const Result result = submit_and_wait(*link_, testing::raw_request(1, {0x2b, 0x0e, 0x01, 0x00}));
  ASSERT_EQ(result.status, HEARTH_OK) << result.message;
  ASSERT_GE(result.raw_pdu.size(), 7u);
  EXPECT_EQ(result.raw_pdu[0], 0x2b);
  const std::string text(result.raw_pdu.begin(), result.raw_pdu.end());
  EXPECT_NE(text.find("PEER-RTU"), std::string::npos);
  EXPECT_NE(text.find("2.1"), std::string::npos);
  EXPECT_EQ(submit_and_wait(*link_, read_holding(1, 2, 1)).values, std::vector<uint16_t>{2});
}

TEST_F(RtuLinkTest, ConsecutiveFramesToDifferentUnitsKeepTheInterFrameGap) {
  // At 1200 bit/s, 10 bits per character, 3.5 characters last 29.2 ms (Modbus over Serial Line
  // V1.02, 2.5.1.1); libmodbus alone sends the next frame at once.
  start({"--units", "1,2"}, 1200);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(submit_and_wait(*link_, read_holding(1, 0, 1)).status, HEARTH_OK);
    ASSERT_EQ(submit_and_wait(*link_, read_holding(2, 0, 1)).status, HEARTH_OK);
  }
  ASSERT_TRUE(peer_->wait_for_answers(6, 5s));
  const auto answers = peer_->answers();
  const auto requests = peer_->requests();
  ASSERT_EQ(requests.size(), 6u);
  ASSERT_EQ(answers.size(), 6u);
  for (size_t i = 1; i < requests.size(); ++i) {
    const int64_t gap_ns = requests[i].received_ns - answers[i - 1].sent_ns;
    EXPECT_GE(gap_ns, 29'000'000) << "between frame " << i - 1 << " and " << i;
  }
}

TEST_F(RtuLinkTest, ControlWriteQueuedBehindTwentyPollsGoesOutNext) {
  start(testing::kOvertakingPeerOptions);
  testing::control_write_behind_twenty_polls_goes_out_next(*link_, *peer_);
}

TEST_F(RtuLinkTest, ExecuteNowOvertakesQueuedFrames) {
  start(testing::kOvertakingPeerOptions);
  testing::execute_now_overtakes_queued_frames(*link_, *peer_);
}

TEST_F(RtuLinkTest, UnitScanFindsExactlyTheConfiguredUnits) {
  start({"--units", "1,3,7", "--exception", "7=2"});
  // A real slave answers within a few ms; the python one needs more on a loaded machine.
  const int probe_timeout_ms = testing::sanitized() ? 300 : 150;
  EXPECT_EQ(link_->scan_units(1, 10, 0, probe_timeout_ms), (std::vector<int>{1, 3, 7}));
  EXPECT_EQ(link_->counters().retries, 0u);  // one probe per unit
}

TEST_F(RtuLinkTest, MeterStaysFreshWhileThreeDevicesArePolledAt9600) {
  // The peer holds each answer back for the bus time request and answer take at 9600 bit/s.
  start({"--units", "1,2,3,4", "--wire-baud", "9600"}, 9600);
  const int block = ModbusLink::max_registers_per_read(9600);
  const int64_t max_age_ns = (testing::sanitized() ? 450 : 300) * 1'000'000LL;
  const int64_t refresh_after_ns = 50'000'000;  // ask again once the sample is 50 ms old

  std::mutex mutex;
  int64_t meter_sample_ns = 0;
  bool meter_pending = false;
  std::map<int, int> polls_done;
  std::function<void(int)> poll_device = [&](int unit) {
    link_->submit(read_holding(unit, 32000, static_cast<uint32_t>(block)),
                  [&, unit](const Result &result) {
                    {
                      std::lock_guard lock(mutex);
                      if (result.status != HEARTH_OK) return;  // stop polling on stop()
                      ++polls_done[unit];
                    }
                    poll_device(unit);
                  });
  };
  auto read_meter = [&] {
    auto request = read_holding(1, 2000, 10, HEARTH_PRIO_METER);
    request.deadline_mono_ns = meter_sample_ns + max_age_ns;
    link_->submit(request, [&](const Result &result) {
      std::lock_guard lock(mutex);
      meter_pending = false;
      if (result.status == HEARTH_OK) meter_sample_ns = result.received_mono_ns;
    });
  };

  ASSERT_EQ(submit_and_wait(*link_, read_holding(1, 2000, 10)).status, HEARTH_OK);
  meter_sample_ns = testing::mono_now_ns();
  for (int unit : {2, 3, 4}) poll_device(unit);
  int64_t worst_age_ns = 0;
  const int64_t end_ns = testing::mono_now_ns() + 3'000'000'000LL;
  while (testing::mono_now_ns() < end_ns) {
    {
      std::lock_guard lock(mutex);
      const int64_t age_ns = testing::mono_now_ns() - meter_sample_ns;
      worst_age_ns = std::max(worst_age_ns, age_ns);
      if (!meter_pending && age_ns >= refresh_after_ns) {
        meter_pending = true;
        read_meter();
      }
    }
    std::this_thread::sleep_for(2ms);  // the host's timer tick, not a synchronisation
  }
  link_->stop();
  std::lock_guard lock(mutex);
  RecordProperty("worst_meter_age_ms", static_cast<int>(worst_age_ns / 1'000'000));
  EXPECT_LT(worst_age_ns, max_age_ns) << "worst meter age " << worst_age_ns / 1'000'000 << " ms";
  EXPECT_EQ(link_->counters().expired, 0u);
  for (int unit : {2, 3, 4}) {
    // A 41-register poll takes ~109 ms of bus time; each device must still get its share.
    EXPECT_GE(polls_done[unit], 3) << "unit " << unit;
  }
}

}  // namespace
}  // namespace hearth::links
