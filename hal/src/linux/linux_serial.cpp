#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <hearth/hal/linux_serial.hpp>
#include <string>
#include <system_error>

namespace hearth::hal {

struct serial_rs485 make_serial_rs485(const Rs485Settings &settings) {
  struct serial_rs485 rs485;
  std::memset(&rs485, 0, sizeof rs485);  // the padding union must be zero for the driver
  if (settings.enabled) rs485.flags |= SER_RS485_ENABLED;
  if (settings.rts_on_send) rs485.flags |= SER_RS485_RTS_ON_SEND;
  if (settings.rts_after_send) rs485.flags |= SER_RS485_RTS_AFTER_SEND;
  if (settings.rx_during_tx) rs485.flags |= SER_RS485_RX_DURING_TX;
  if (settings.terminate_bus) rs485.flags |= SER_RS485_TERMINATE_BUS;
  rs485.delay_rts_before_send = settings.delay_rts_before_send_ms;
  rs485.delay_rts_after_send = settings.delay_rts_after_send_ms;
  return rs485;
}

void apply_rs485(int fd, const Rs485Settings &settings, std::string_view port_name) {
  struct serial_rs485 rs485 = make_serial_rs485(settings);
  if (::ioctl(fd, TIOCSRS485, &rs485) == 0) return;
  const int error = errno;
  std::string message = "serial port " + std::string(port_name) + ": TIOCSRS485 failed";
  if (error == ENOTTY) {
    message +=
        " (the device has no kernel RS485 mode; for an adapter with automatic direction "
        "control set rs485 enabled: false)";
  }
  throw std::system_error(error, std::generic_category(), message);
}

}  // namespace hearth::hal
