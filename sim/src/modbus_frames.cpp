#include "hearth/sim/modbus_frames.hpp"

namespace hearth::sim {
namespace {

constexpr uint8_t kReadHolding = 0x03;
constexpr uint8_t kWriteSingle = 0x06;
constexpr uint8_t kWriteMultiple = 0x10;
constexpr uint16_t kMaxWriteRegisters = 123;
constexpr uint8_t kEncapsulatedInterface = 0x2B;
constexpr uint8_t kReadDeviceIdentification = 0x0E;

uint16_t be16(const uint8_t *p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
void put16(Bytes &out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

Bytes read_holding(ModbusDevice &device, const uint8_t *pdu, size_t length) {
  if (length != 5) return exception_pdu(kReadHolding, ModbusException::kIllegalDataValue);
  const uint16_t address = be16(pdu + 1), count = be16(pdu + 3);
  if (const auto e = device.check_read(address, count); e != ModbusException::kNone)
    return exception_pdu(kReadHolding, e);
  Bytes out{kReadHolding, static_cast<uint8_t>(count * 2)};
  for (uint16_t value : device.bank().read(address, count)) put16(out, value);
  return out;
}

Bytes write_registers(ModbusDevice &device, House &house, const uint8_t *pdu, size_t length) {
  const uint8_t function = pdu[0];
  std::vector<uint16_t> values;
  const uint16_t address = be16(pdu + 1);
  if (function == kWriteSingle) {
    if (length != 5) return exception_pdu(function, ModbusException::kIllegalDataValue);
    values.push_back(be16(pdu + 3));
  } else {
    if (length < 6) return exception_pdu(function, ModbusException::kIllegalDataValue);
    const uint16_t count = be16(pdu + 3);
    const uint8_t bytes = pdu[5];
    if (count == 0 || count > kMaxWriteRegisters || bytes != count * 2 || length != 6u + bytes)
      return exception_pdu(function, ModbusException::kIllegalDataValue);
    for (uint16_t i = 0; i < count; ++i) values.push_back(be16(pdu + 6 + 2 * i));
  }
  if (const auto e = device.write(house, address, values); e != ModbusException::kNone)
    return exception_pdu(function, e);
  // 0x06 echoes function, address, value; 0x10 answers function, address, count.
  return Bytes(pdu, pdu + 5);
}

// Read Device Identification (Modbus application protocol 6.21): read codes 1 basic (objects
// 0x00-0x02), 2 regular (0x00-0x7F), 3 extended (0x00-0xFF), 4 one object. All objects fit in one
// reply, so "more follows" is always 0.
Bytes read_device_identification(const ModbusDevice &device, const uint8_t *pdu, size_t length) {
  const auto objects = device.identification();
  if (objects.empty())
    return exception_pdu(kEncapsulatedInterface, ModbusException::kIllegalFunction);
  if (length != 4 || pdu[1] != kReadDeviceIdentification || pdu[2] < 1 || pdu[2] > 4)
    return exception_pdu(kEncapsulatedInterface, ModbusException::kIllegalDataValue);
  const uint8_t code = pdu[2], first = pdu[3];
  const uint8_t last = code == 1 ? 0x02 : code == 2 ? 0x7F : 0xFF;
  Bytes out{kEncapsulatedInterface, kReadDeviceIdentification, code, 0x83, 0x00, 0x00, 0x00};
  for (const auto &[id, value] : objects) {
    const bool wanted = code == 4 ? id == first : id >= first && id <= last;
    if (!wanted) continue;
    out.push_back(id);
    out.push_back(static_cast<uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
    ++out[6];
  }
  if (out[6] == 0)
    return exception_pdu(kEncapsulatedInterface, ModbusException::kIllegalDataAddress);
  return out;
}

}  // namespace

uint16_t crc16_modbus(const uint8_t *data, size_t length) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < length; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
  }
  return crc;
}

Bytes exception_pdu(uint8_t function, ModbusException code) {
  return {static_cast<uint8_t>(function | 0x80), static_cast<uint8_t>(code)};
}

Bytes reply_pdu(ModbusDevice &device, House &house, const uint8_t *pdu, size_t length) {
  if (length == 0) return exception_pdu(0, ModbusException::kIllegalFunction);
  switch (pdu[0]) {
    case kReadHolding:
      return read_holding(device, pdu, length);
    case kWriteSingle:
    case kWriteMultiple:
      return write_registers(device, house, pdu, length);
    case kEncapsulatedInterface:
      return read_device_identification(device, pdu, length);
    default:
      return exception_pdu(pdu[0], ModbusException::kIllegalFunction);
  }
}

size_t rtu_request_length(const uint8_t *frame, size_t available) {
  if (available < 2) return 0;
  switch (frame[1]) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x0F:
    case 0x10:
      return available < 7 ? 0 : 9u + frame[6];
    case kEncapsulatedInterface:
      return 7;  // unit, 0x2B, 0x0E, read code, object id, CRC
    default:
      return kUnknownFunction;
  }
}

bool rtu_crc_ok(const uint8_t *frame, size_t length) {
  if (length < 4) return false;
  const uint16_t crc = crc16_modbus(frame, length - 2);
  return frame[length - 2] == (crc & 0xFF) && frame[length - 1] == (crc >> 8);
}

Bytes frame_rtu(uint8_t unit, const Bytes &pdu) {
  Bytes out{unit};
  out.insert(out.end(), pdu.begin(), pdu.end());
  const uint16_t crc = crc16_modbus(out.data(), out.size());
  out.push_back(static_cast<uint8_t>(crc & 0xFF));  // CRC is sent low byte first
  out.push_back(static_cast<uint8_t>(crc >> 8));
  return out;
}

Bytes frame_tcp(uint16_t transaction_id, uint8_t unit, const Bytes &pdu) {
  Bytes out;
  put16(out, transaction_id);
  put16(out, 0);  // protocol id
  put16(out, static_cast<uint16_t>(pdu.size() + 1));
  out.push_back(unit);
  out.insert(out.end(), pdu.begin(), pdu.end());
  return out;
}

void make_malformed(Bytes &pdu) {
  if (pdu.size() >= 2 && pdu[0] == kReadHolding) {
    pdu[1] = static_cast<uint8_t>(pdu[1] + 2);  // claims a register that is not there
  } else if (pdu.size() > 1) {
    pdu.pop_back();
  }
}

void break_crc(Bytes &rtu_frame) {
  if (rtu_frame.size() >= 2) {
    rtu_frame[rtu_frame.size() - 1] ^= 0xFF;
    rtu_frame[rtu_frame.size() - 2] ^= 0xFF;
  }
}

}  // namespace hearth::sim
