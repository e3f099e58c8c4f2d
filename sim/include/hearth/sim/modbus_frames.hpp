#pragma once
// Building and checking Modbus frames by hand, so that faults (malformed, CRC-broken) mutate the
// very bytes a healthy device would send.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hearth/sim/devices.hpp"

namespace hearth::sim {

using Bytes = std::vector<uint8_t>;

uint16_t crc16_modbus(const uint8_t *data, size_t length);

// The reply PDU to a request PDU (function code first): read holding (0x03), write single (0x06),
// write multiple (0x10) or an exception. The device has been refreshed by the caller.
Bytes reply_pdu(ModbusDevice &device, House &house, const uint8_t *pdu, size_t length);
Bytes exception_pdu(uint8_t function, ModbusException code);

// Length of the RTU request starting at frame[0] once enough bytes are there: 0 = need more bytes,
// kUnknownFunction = not a request this server parses.
constexpr size_t kUnknownFunction = static_cast<size_t>(-1);
size_t rtu_request_length(const uint8_t *frame, size_t available);
bool rtu_crc_ok(const uint8_t *frame, size_t length);

Bytes frame_rtu(uint8_t unit, const Bytes &pdu);
Bytes frame_tcp(uint16_t transaction_id, uint8_t unit, const Bytes &pdu);

// Faults: a read reply whose byte count claims more data than follows (other replies lose their
// last byte); an RTU frame with its CRC inverted.
void make_malformed(Bytes &pdu);
void break_crc(Bytes &rtu_frame);

}  // namespace hearth::sim
