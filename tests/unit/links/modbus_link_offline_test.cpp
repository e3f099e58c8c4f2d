// ModbusLink behaviour that needs no slave: defaults, deadlines on the injected clock, a port that
// cannot be opened and the backoff before the next attempt.
#include <gtest/gtest.h>

#include <hearth/core/clock.hpp>
#include <hearth/links/modbus_link.hpp>

#include "link_test_support.hpp"

namespace hearth::links {
namespace {

using testing::read_holding;
using testing::rtu_link;
using testing::tcp_link;

TEST(LinkDefaults, ShortTimeoutOnRtuLongOnTcpAndOneRetry) {
  EXPECT_EQ(default_timeout_ms(rtu_link("/dev/ttyUSB0")), 300);
  EXPECT_EQ(default_timeout_ms(tcp_link(502)), 3000);
  EXPECT_EQ(default_timeout_ms(tcp_link(502, 750)), 750);
  EXPECT_EQ(LinkSettings{}.retries, 1);
}

TEST(LinkDeadline, ExpiryIsJudgedOnTheInjectedClockWithoutTouchingTheBus) {
  ManualClock clock;
  ModbusLink link(rtu_link("/nonexistent/hearth-tty"), clock);
  auto request = read_holding(1, 0, 1);
  request.deadline_mono_ns = clock.mono_ns() + 1'000'000;
  clock.advance_ms(2);
  const Result result = link.execute_now(request);
  EXPECT_EQ(result.status, HEARTH_E_TIMEOUT);
  EXPECT_NE(result.message.find("deadline"), std::string::npos) << result.message;
  const auto counters = link.counters();
  EXPECT_EQ(counters.expired, 1u);
  EXPECT_EQ(counters.io_errors, 0u);  // the port was never opened
}

TEST(LinkOpen, MissingPortFailsWithItsNameAndBacksOffBeforeTheNextAttempt) {
  ManualClock clock;
  ModbusLink link(rtu_link("/nonexistent/hearth-tty"), clock);
  Result result = link.execute_now(read_holding(1, 0, 1));
  EXPECT_EQ(result.status, HEARTH_E_IO);
  EXPECT_NE(result.message.find("/nonexistent/hearth-tty"), std::string::npos) << result.message;
  // At once again: no new attempt to open, the backoff says when.
  result = link.execute_now(read_holding(1, 0, 1));
  EXPECT_EQ(result.status, HEARTH_E_IO);
  EXPECT_NE(result.message.find("next reconnect attempt in 200 ms"), std::string::npos)
      << result.message;
  clock.advance_ms(200);
  result = link.execute_now(read_holding(1, 0, 1));  // tries again, fails, waits twice as long
  EXPECT_NE(result.message.find("/nonexistent/hearth-tty"), std::string::npos) << result.message;
  result = link.execute_now(read_holding(1, 0, 1));
  EXPECT_NE(result.message.find("in 400 ms"), std::string::npos) << result.message;
  EXPECT_EQ(link.counters().io_errors, 4u);
}

}  // namespace
}  // namespace hearth::links
