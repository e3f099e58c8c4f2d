#pragma once
// RS485 mode for a Linux UART (TIOCSRS485, linux/serial.h). The struct is built by a pure
// function so its flags are unit-tested without a UART.
#include <linux/serial.h>

#include <hearth/hal/serial.hpp>
#include <string_view>

namespace hearth::hal {

// The kernel struct for the settings: unused fields zero, flags from the booleans.
struct serial_rs485 make_serial_rs485(const Rs485Settings &settings);

// ioctl(TIOCSRS485) on an open UART. Throws std::system_error naming the port and what the
// driver said (ENOTTY: the device is no UART with RS485 support, e.g. a pty or USB adapter
// with automatic direction control; set rs485.enabled = false for those).
void apply_rs485(int fd, const Rs485Settings &settings, std::string_view port_name);

}  // namespace hearth::hal
