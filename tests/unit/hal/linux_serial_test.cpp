// RS485 set-up for Linux UARTs: the serial_rs485 struct, and the error from a device without an
// RS485 mode (a real pty).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <hearth/hal/linux_serial.hpp>
#include <system_error>

namespace hearth::hal {
namespace {

TEST(SerialRs485, DefaultsDriveRtsWhileSending) {
  const auto rs485 = make_serial_rs485(Rs485Settings{});
  EXPECT_EQ(rs485.flags, static_cast<uint32_t>(SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND));
  EXPECT_EQ(rs485.delay_rts_before_send, 0u);
  EXPECT_EQ(rs485.delay_rts_after_send, 0u);
}

TEST(SerialRs485, EveryOptionSetsItsFlagAndDelays) {
  Rs485Settings settings;
  settings.rts_on_send = false;
  settings.rts_after_send = true;
  settings.rx_during_tx = true;
  settings.terminate_bus = true;
  settings.delay_rts_before_send_ms = 2;
  settings.delay_rts_after_send_ms = 3;
  const auto rs485 = make_serial_rs485(settings);
  EXPECT_EQ(rs485.flags, static_cast<uint32_t>(SER_RS485_ENABLED | SER_RS485_RTS_AFTER_SEND |
                                               SER_RS485_RX_DURING_TX | SER_RS485_TERMINATE_BUS));
  EXPECT_EQ(rs485.delay_rts_before_send, 2u);
  EXPECT_EQ(rs485.delay_rts_after_send, 3u);
}

TEST(SerialRs485, DisabledClearsTheModeAndTheRestIsZero) {
  Rs485Settings settings;
  settings.enabled = false;
  settings.rts_on_send = false;
  const auto rs485 = make_serial_rs485(settings);
  EXPECT_EQ(rs485.flags, 0u);
  const auto *bytes = reinterpret_cast<const unsigned char *>(&rs485);
  for (std::size_t i = 0; i < sizeof rs485; ++i) EXPECT_EQ(bytes[i], 0) << "byte " << i;
}

TEST(SerialRs485, APtyRefusesWithAnErrorNamingThePort) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  try {
    apply_rs485(slave, Rs485Settings{}, "rs485-1 (/dev/pts/x)");
    ADD_FAILURE() << "a pty accepted TIOCSRS485";
  } catch (const std::system_error &error) {
    EXPECT_NE(std::string(error.what()).find("serial port rs485-1 (/dev/pts/x): TIOCSRS485"),
              std::string::npos)
        << error.what();
  }
  ::close(slave);
  ::close(master);
}

}  // namespace
}  // namespace hearth::hal
