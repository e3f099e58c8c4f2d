#include "pdu_encoding.hpp"

#include <cstdio>

namespace hearth::links {
namespace {

void append_u16(std::vector<uint8_t> &out, uint32_t value) {
  out.push_back(static_cast<uint8_t>((value >> 8) & 0xff));
  out.push_back(static_cast<uint8_t>(value & 0xff));
}

// Coils packed eight to a byte, the first coil in the lowest bit (MBAP V1.1b3, 6.1).
std::vector<uint8_t> pack_bits(const uint16_t *values, size_t count) {
  std::vector<uint8_t> bytes((count + 7) / 8, 0);
  for (size_t i = 0; i < count; ++i) {
    if (values[i] != 0) bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return bytes;
}

bool reads_bits(int32_t function) {
  return function == HEARTH_MODBUS_READ_COILS || function == HEARTH_MODBUS_READ_DISCRETE_INPUTS;
}

bool reads_registers(int32_t function) {
  return function == HEARTH_MODBUS_READ_HOLDING_REGISTERS ||
         function == HEARTH_MODBUS_READ_INPUT_REGISTERS;
}

}  // namespace

std::vector<uint8_t> encode_request_pdu(const hearth_modbus_request &request) {
  if (request.function == HEARTH_MODBUS_RAW) {
    return {request.raw_pdu, request.raw_pdu + request.count};
  }
  std::vector<uint8_t> pdu{static_cast<uint8_t>(request.function)};
  append_u16(pdu, request.address);
  switch (request.function) {
    case HEARTH_MODBUS_WRITE_SINGLE_COIL:
      append_u16(pdu, request.values[0] != 0 ? 0xff00 : 0x0000);
      break;
    case HEARTH_MODBUS_WRITE_SINGLE_REGISTER:
      append_u16(pdu, request.values[0]);
      break;
    case HEARTH_MODBUS_WRITE_MULTIPLE_COILS: {
      append_u16(pdu, request.count);
      const auto bytes = pack_bits(request.values, request.count);
      pdu.push_back(static_cast<uint8_t>(bytes.size()));
      pdu.insert(pdu.end(), bytes.begin(), bytes.end());
      break;
    }
    case HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS:
      append_u16(pdu, request.count);
      pdu.push_back(static_cast<uint8_t>(2 * request.count));
      for (uint32_t i = 0; i < request.count; ++i) append_u16(pdu, request.values[i]);
      break;
    default:  // the reads
      append_u16(pdu, request.count);
  }
  return pdu;
}

std::vector<uint8_t> encode_answer_pdu(const hearth_modbus_request &request,
                                       const std::vector<uint16_t> &values) {
  std::vector<uint8_t> pdu{static_cast<uint8_t>(request.function)};
  if (reads_bits(request.function)) {
    const auto bytes = pack_bits(values.data(), values.size());
    pdu.push_back(static_cast<uint8_t>(bytes.size()));
    pdu.insert(pdu.end(), bytes.begin(), bytes.end());
  } else if (reads_registers(request.function)) {
    pdu.push_back(static_cast<uint8_t>(2 * values.size()));
    for (uint16_t value : values) append_u16(pdu, value);
  } else {
    // A write's answer echoes its function code, address and value or count (Modbus
    // Application Protocol V1.1b3, 6.5, 6.6, 6.11, 6.12).
    const auto request_pdu = encode_request_pdu(request);
    return {request_pdu.begin(), request_pdu.begin() + 5};
  }
  return pdu;
}

std::vector<uint8_t> encode_exception_pdu(const hearth_modbus_request &request,
                                          int32_t exception_code) {
  return {static_cast<uint8_t>((request.function & 0x7f) | 0x80),
          static_cast<uint8_t>(exception_code)};
}

std::string frame_hex(int32_t unit, const std::vector<uint8_t> &pdu) {
  std::string text;
  char byte[4];
  std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned>(unit & 0xff));
  text += byte;
  for (uint8_t value : pdu) {
    std::snprintf(byte, sizeof byte, " %02x", value);
    text += byte;
  }
  return text;
}

}  // namespace hearth::links
