// RS485 set-up for Linux UARTs: the serial_rs485 struct, and the error from a device without an
// RS485 mode (a real pty).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <hearth/hal/hal.hpp>
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

// A real pseudo-terminal pair; the slave end stands in for a UART without an RS485 mode.
class Pty {
 public:
  Pty() : master_(::posix_openpt(O_RDWR | O_NOCTTY)) {
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    path_ = ::ptsname(master_);
    slave_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
  }
  ~Pty() {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  int slave() const { return slave_; }
  const std::string &path() const { return path_; }

 private:
  int master_;
  int slave_ = -1;
  std::string path_;
};

TEST(SerialRs485, APtyRefusesWithAnErrorNamingThePort) {
  Pty pty;
  ASSERT_GE(pty.slave(), 0);
  try {
    apply_rs485(pty.slave(), Rs485Settings{}, "rs485-1 (/dev/pts/x)");
    ADD_FAILURE() << "a pty accepted TIOCSRS485";
  } catch (const std::system_error &error) {
    EXPECT_NE(std::string(error.what()).find("serial port rs485-1 (/dev/pts/x): TIOCSRS485"),
              std::string::npos)
        << error.what();
  }
}

TEST(SerialRs485, TheLinuxBackendAppliesThePortsSettingsByName) {
  Pty pty;
  ASSERT_GE(pty.slave(), 0);
  // A board with neither LEDs, button, DIs, DOs nor CT: only the serial port is real.
  HalSettings settings;
  settings.backend = HalBackend::kLinux;
  for (auto &led : settings.leds) led.gpio_line.clear();
  settings.button.gpio_line.clear();
  settings.digital_inputs.clear();
  settings.digital_outputs.clear();
  settings.serial_ports = {{"rs485-2", pty.path(), {}}};
  auto hal = make_hal(settings);
  EXPECT_EQ(hal->backend(), HalBackend::kLinux);
  EXPECT_EQ(hal->ct(), nullptr);
  EXPECT_EQ(hal->button().event_fd(), -1);
  hal->led(LedId::kAlarm).set(true);
  EXPECT_TRUE(hal->led(LedId::kAlarm).level());
  try {
    hal->configure_rs485("rs485-2", pty.slave());
    ADD_FAILURE() << "a pty accepted TIOCSRS485";
  } catch (const std::system_error &error) {
    EXPECT_NE(std::string(error.what()).find("rs485-2 (" + pty.path() + ")"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(hal->configure_rs485("rs485-1", pty.slave()), std::invalid_argument);
}

TEST(SerialRs485, TheLinuxBackendNeedsLineNamesForListedInputsAndOutputs) {
  HalSettings settings;
  settings.backend = HalBackend::kLinux;
  settings.digital_inputs[1].gpio_line.clear();
  try {
    make_hal(settings);
    FAIL() << "accepted";
  } catch (const std::invalid_argument &error) {
    EXPECT_NE(std::string(error.what()).find("DI2: the linux backend needs its GPIO line name"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace hearth::hal
