#pragma once
// How one physical Modbus link is reached: an RS485 port (RTU) or a TCP endpoint.
#include <string>
#include <variant>

namespace hearth::links {

struct RtuSettings {
  std::string device;  // "/dev/ttyUSB0"
  int baud = 9600;
  char parity = 'N';  // 'N', 'E' or 'O'
  int data_bits = 8;
  int stop_bits = 1;
};

struct TcpSettings {
  std::string host;
  int port = 502;
};

struct LinkSettings {
  std::string name;
  std::variant<RtuSettings, TcpSettings> transport;
  int timeout_ms = 0;  // answer timeout; 0: 300 for RTU, 3000 for TCP
  int retries = 1;     // further attempts after a timeout, a CRC error or a lost connection
};

inline constexpr int kRtuDefaultTimeoutMs = 300;
inline constexpr int kTcpDefaultTimeoutMs = 3000;

inline bool is_rtu(const LinkSettings &settings) {
  return std::holds_alternative<RtuSettings>(settings.transport);
}

// The answer timeout a request gets when it names none.
inline int default_timeout_ms(const LinkSettings &settings) {
  if (settings.timeout_ms > 0) return settings.timeout_ms;
  return is_rtu(settings) ? kRtuDefaultTimeoutMs : kTcpDefaultTimeoutMs;
}

// Bits one character occupies on the wire: start bit, data bits, parity bit, stop bits.
inline int bits_per_character(const RtuSettings &rtu) {
  return 1 + rtu.data_bits + (rtu.parity == 'N' ? 0 : 1) + rtu.stop_bits;
}

}  // namespace hearth::links
