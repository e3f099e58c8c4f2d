// Validation of requests and the read-block cap by baud rate.
#include <gtest/gtest.h>

#include <hearth/links/modbus_link.hpp>
#include <hearth/links/request_check.hpp>

#include "link_test_support.hpp"

namespace hearth::links {
namespace {

using testing::make_request;
using testing::read_holding;
using testing::rtu_link;
using testing::tcp_link;

TEST(ReadBlockCap, FitsAboutOneHundredMillisecondsOfBusTime) {
  // 9600 bit/s, 11 bits per byte: 87 bytes in 100 ms; the answer is 5 + 2n bytes.
  EXPECT_EQ(ModbusLink::max_registers_per_read(9600), 41);
  EXPECT_EQ(ModbusLink::max_registers_per_read(4800), 19);
  EXPECT_EQ(ModbusLink::max_registers_per_read(19200), 84);
  EXPECT_EQ(ModbusLink::max_registers_per_read(115200), 125);  // the protocol limit
  EXPECT_EQ(ModbusLink::max_registers_per_read(0), 125);       // TCP
  for (int baud : {1200, 2400, 4800, 9600, 19200, 38400}) {
    const int registers = ModbusLink::max_registers_per_read(baud);
    const double frame_ms = (5 + 2 * registers) * 11 * 1000.0 / baud;
    EXPECT_LE(frame_ms, 100.0 + 1e-9) << baud;
  }
}

TEST(RequestCheck, OverLongReadIsRefusedWithTheCapInTheMessage) {
  const auto rtu = rtu_link("/dev/null", 9600);
  EXPECT_EQ(check_request(read_holding(1, 0, 41), rtu), "");
  const std::string why = check_request(read_holding(1, 0, 42), rtu);
  EXPECT_NE(why.find("1..41"), std::string::npos) << why;
  EXPECT_EQ(check_request(read_holding(1, 0, 125), tcp_link(502)), "");
  EXPECT_NE(check_request(read_holding(1, 0, 126), tcp_link(502)).find("1..125"),
            std::string::npos);
}

TEST(RequestCheck, RefusesBadFunctionUnitPriorityAndRange) {
  const auto tcp = tcp_link(502);
  EXPECT_NE(check_request(make_request(7, 1, 0, 1, HEARTH_PRIO_POLL), tcp), "");
  EXPECT_NE(check_request(read_holding(248, 0, 1), tcp), "");
  EXPECT_NE(check_request(read_holding(-1, 0, 1), tcp), "");
  EXPECT_NE(check_request(read_holding(1, 0, 1, 4), tcp), "");
  EXPECT_NE(check_request(read_holding(1, 0, 0), tcp), "");
  EXPECT_NE(check_request(read_holding(1, 65530, 10), tcp), "");
  EXPECT_NE(
      check_request(make_request(HEARTH_MODBUS_WRITE_SINGLE_REGISTER, 1, 0, 2, HEARTH_PRIO_CONTROL),
                    tcp),
      "");
  // Unit 0 is the device itself over TCP, but the unanswered broadcast on a serial line.
  EXPECT_EQ(check_request(read_holding(0, 0, 1), tcp), "");
  EXPECT_NE(check_request(read_holding(0, 0, 1), rtu_link("/dev/null")), "");
}

TEST(RequestCheck, InvalidSubmitCompletesWithInvalidAndIsCounted) {
  ModbusLink link(tcp_link(1));  // never started: validation needs no bus
  testing::CompletionLog log;
  link.submit(read_holding(1, 0, 200), log.record("too long"));
  ASSERT_TRUE(log.wait_for(1));
  const Result result = log.result_of("too long");
  EXPECT_EQ(result.status, HEARTH_E_INVALID);
  EXPECT_NE(result.message.find("1..125"), std::string::npos) << result.message;
  EXPECT_EQ(link.counters().invalid, 1u);
  EXPECT_EQ(link.counters().requests, 0u);
  EXPECT_EQ(link.execute_now(read_holding(300, 0, 1)).status, HEARTH_E_INVALID);
}

}  // namespace
}  // namespace hearth::links
