#pragma once
// RS485 serial ports: which device node each named port is, and how the UART drives the
// transceiver. The links (libmodbus) open the device themselves and then let the HAL apply the
// RS485 mode to the open descriptor (Hal::configure_rs485).
#include <cstdint>
#include <string>

namespace hearth::hal {

// The kernel's RS485 mode (linux/serial.h, struct serial_rs485). Boards with an automatic
// direction transceiver run with `enabled = false` and need none of it.
struct Rs485Settings {
  bool enabled = true;
  bool rts_on_send = true;      // RTS level while sending (drives DE on most boards)
  bool rts_after_send = false;  // RTS level after sending
  bool rx_during_tx = false;    // receive own frames (echo) while sending
  bool terminate_bus = false;   // switch in the 120 Ohm termination, where the UART can
  uint32_t delay_rts_before_send_ms = 0;
  uint32_t delay_rts_after_send_ms = 0;
};

struct SerialPortConfig {
  std::string name{};         // as `links:` names it: "rs485-1"
  std::string device_path{};  // "/dev/ttyS1"; in the sim, a pty from hearth-sim
  Rs485Settings rs485{};
};

}  // namespace hearth::hal
