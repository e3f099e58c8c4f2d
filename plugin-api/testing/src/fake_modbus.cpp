// Scripted Modbus slaves for the fake host: register tables per unit, exceptions, timeouts.
#include <hearth/testing/fake_host.hpp>

namespace hearth::testing {
namespace {

// Modbus exception 2, "illegal data address": what a slave answers for registers it lacks.
constexpr int32_t kIllegalDataAddress = 2;
// Modbus exception 1, "illegal function".
constexpr int32_t kIllegalFunction = 1;

void store(std::map<uint32_t, uint16_t> &table, uint32_t address, const uint16_t *values,
           uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) table[address + i] = values[i];
}

}  // namespace

void FakeModbus::set_holding(int32_t unit, uint32_t address, const std::vector<uint16_t> &values) {
  store(units_[unit].holding, address, values.data(), static_cast<uint32_t>(values.size()));
}

void FakeModbus::set_input(int32_t unit, uint32_t address, const std::vector<uint16_t> &values) {
  store(units_[unit].input, address, values.data(), static_cast<uint32_t>(values.size()));
}

void FakeModbus::set_coils(int32_t unit, uint32_t address, const std::vector<bool> &values) {
  for (size_t i = 0; i < values.size(); ++i)
    units_[unit].coils[address + static_cast<uint32_t>(i)] = values[i] ? 1 : 0;
}

std::optional<uint16_t> FakeModbus::holding(int32_t unit, uint32_t address) const {
  auto u = units_.find(unit);
  if (u == units_.end()) return std::nullopt;
  auto r = u->second.holding.find(address);
  if (r == u->second.holding.end()) return std::nullopt;
  return r->second;
}

void FakeModbus::set_exception(int32_t unit, uint32_t address, int32_t exception_code) {
  units_[unit].exceptions[address] = exception_code;
}

void FakeModbus::clear_exception(int32_t unit, uint32_t address) {
  units_[unit].exceptions.erase(address);
}

void FakeModbus::timeout_next(int32_t unit, int count) {
  units_[unit].timeouts += count;
}

void FakeModbus::io_error_next(int32_t unit, int count) {
  units_[unit].io_errors += count;
}

void FakeModbus::set_silent(int32_t unit, bool silent) {
  units_[unit].silent = silent;
}

FakeModbus::Outcome FakeModbus::read(const std::map<uint32_t, uint16_t> &table, uint32_t address,
                                     uint32_t count) {
  Outcome out;
  for (uint32_t i = 0; i < count; ++i) {
    auto value = table.find(address + i);
    if (value == table.end()) {
      out.status = HEARTH_E_MODBUS_EXCEPTION;
      out.exception_code = kIllegalDataAddress;
      out.values.clear();
      return out;
    }
    out.values.push_back(value->second);
  }
  return out;
}

FakeModbus::Outcome FakeModbus::execute(const hearth_modbus_request &request) {
  Unit &unit = units_[request.unit];
  Outcome out;
  if (unit.silent || unit.timeouts > 0) {
    if (!unit.silent) --unit.timeouts;
    out.status = HEARTH_E_TIMEOUT;
    return out;
  }
  if (unit.io_errors > 0) {
    --unit.io_errors;
    out.status = HEARTH_E_IO;
    return out;
  }
  for (uint32_t i = 0; i < request.count; ++i) {
    auto scripted = unit.exceptions.find(request.address + i);
    if (scripted != unit.exceptions.end()) {
      out.status = HEARTH_E_MODBUS_EXCEPTION;
      out.exception_code = scripted->second;
      return out;
    }
  }
  switch (request.function) {
    case HEARTH_MODBUS_READ_HOLDING_REGISTERS:
      return read(unit.holding, request.address, request.count);
    case HEARTH_MODBUS_READ_INPUT_REGISTERS:
      return read(unit.input, request.address, request.count);
    case HEARTH_MODBUS_READ_COILS:
    case HEARTH_MODBUS_READ_DISCRETE_INPUTS:
      return read(unit.coils, request.address, request.count);
    case HEARTH_MODBUS_WRITE_SINGLE_REGISTER:
    case HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS:
      store(unit.holding, request.address, request.values, request.count);
      return out;
    case HEARTH_MODBUS_WRITE_SINGLE_COIL:
    case HEARTH_MODBUS_WRITE_MULTIPLE_COILS:
      for (uint32_t i = 0; i < request.count; ++i)
        unit.coils[request.address + i] = request.values[i] ? 1 : 0;
      return out;
    default:
      out.status = HEARTH_E_MODBUS_EXCEPTION;
      out.exception_code = kIllegalFunction;
      return out;
  }
}

}  // namespace hearth::testing
