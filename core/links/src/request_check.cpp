#include <algorithm>
#include <hearth/links/request_check.hpp>
#include <string>

namespace hearth::links {
namespace {

// Bytes that fit the frame budget at `baud`.
int budget_bytes(int baud) {
  return static_cast<int>(static_cast<int64_t>(baud) * kFrameBudgetMs /
                          (1000 * kBudgetBitsPerByte));
}

int registers_in_budget(int baud, int frame_overhead_bytes, int protocol_max) {
  if (baud <= 0) return protocol_max;
  const int registers = (budget_bytes(baud) - frame_overhead_bytes) / 2;
  return std::clamp(registers, 1, protocol_max);
}

int serial_baud(const LinkSettings &settings) {
  const auto *rtu = std::get_if<RtuSettings>(&settings.transport);
  return rtu == nullptr ? 0 : rtu->baud;
}

std::string count_error(const hearth_modbus_request &request, uint32_t max, const char *why) {
  return "function " + std::to_string(request.function) + " at " + std::to_string(request.address) +
         ": count " + std::to_string(request.count) + " is outside 1.." + std::to_string(max) +
         " (" + why + ")";
}

std::string check_count(const hearth_modbus_request &request, int baud) {
  const uint32_t count = request.count;
  switch (request.function) {
    case HEARTH_MODBUS_READ_COILS:
    case HEARTH_MODBUS_READ_DISCRETE_INPUTS:
      if (count < 1 || count > HEARTH_MODBUS_VALUES_MAX)
        return count_error(request, HEARTH_MODBUS_VALUES_MAX, "values per result");
      return {};
    case HEARTH_MODBUS_READ_HOLDING_REGISTERS:
    case HEARTH_MODBUS_READ_INPUT_REGISTERS: {
      const auto max = static_cast<uint32_t>(max_registers_per_read(baud));
      if (count < 1 || count > max)
        return count_error(request, max, "read block cap for ~100 ms of bus time; split the block");
      return {};
    }
    case HEARTH_MODBUS_WRITE_SINGLE_COIL:
    case HEARTH_MODBUS_WRITE_SINGLE_REGISTER:
      if (count != 1) return count_error(request, 1, "a single write");
      return {};
    case HEARTH_MODBUS_WRITE_MULTIPLE_COILS:
      if (count < 1 || count > HEARTH_MODBUS_VALUES_MAX)
        return count_error(request, HEARTH_MODBUS_VALUES_MAX, "values per request");
      return {};
    case HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS: {
      const auto max = static_cast<uint32_t>(max_registers_per_write(baud));
      if (count < 1 || count > max)
        return count_error(request, max, "write block cap for ~100 ms of bus time");
      return {};
    }
    case HEARTH_MODBUS_RAW:
      if (count < 1 || count > HEARTH_MODBUS_PDU_MAX)
        return count_error(request, HEARTH_MODBUS_PDU_MAX, "bytes in a PDU");
      return {};
    default:
      return "function " + std::to_string(request.function) + " is not supported";
  }
}

}  // namespace

int max_registers_per_read(int baud) {
  // Answer: unit, function, byte count, 2 bytes per register, CRC.
  return registers_in_budget(baud, 5, kMaxRegistersPerRead);
}

int max_registers_per_write(int baud) {
  // Request: unit, function, address, count, byte count, 2 bytes per register, CRC.
  return registers_in_budget(baud, 9, kMaxRegistersPerWrite);
}

std::string check_request(const hearth_modbus_request &request, const LinkSettings &settings) {
  if (request.priority < HEARTH_PRIO_POLL || request.priority > HEARTH_PRIO_SAFETY)
    return "priority " + std::to_string(request.priority) + " is outside 0..3 (HEARTH_PRIO_*)";
  if (request.unit < 0 || request.unit > 247)
    return "unit " + std::to_string(request.unit) + " is outside 0..247";
  // Unit 0 on a serial line is a broadcast that no slave answers (Modbus over Serial Line V1.02,
  // 2.2), so nothing could confirm it; over TCP it addresses the device itself.
  if (request.unit == 0 && is_rtu(settings))
    return "unit 0 is the RTU broadcast address, which never answers; use the slave's address";
  if (request.function == HEARTH_MODBUS_RAW && request.raw_pdu[0] == 0)
    return "raw PDU starts with function code 0";
  if (request.function != HEARTH_MODBUS_RAW &&
      (request.address > 0xffff || uint64_t{request.address} + request.count > 0x10000))
    return "address " + std::to_string(request.address) + " + count " +
           std::to_string(request.count) + " runs past register 65535";
  return check_count(request, serial_baud(settings));
}

}  // namespace hearth::links
