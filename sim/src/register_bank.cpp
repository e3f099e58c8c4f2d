#include "hearth/sim/register_bank.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace hearth::sim {
namespace {

template <typename T>
T saturate(double value) {
  const double rounded = std::round(value);
  if (std::isnan(rounded)) return 0;
  if (rounded <= static_cast<double>(std::numeric_limits<T>::min()))
    return std::numeric_limits<T>::min();
  if (rounded >= static_cast<double>(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return static_cast<T>(rounded);
}

}  // namespace

RegisterBank::RegisterBank(uint16_t first, uint32_t count)
    : mapping_(modbus_mapping_new_start_address(0, 0, 0, 0, first, static_cast<int>(count), 0, 0)),
      first_(first),
      count_(count) {
  if (mapping_ == nullptr) throw std::runtime_error("modbus_mapping_new_start_address failed");
}

RegisterBank::~RegisterBank() {
  modbus_mapping_free(mapping_);
}

bool RegisterBank::contains(uint32_t address, uint32_t count) const {
  return address >= first_ && address + count <= first_ + count_;
}

uint16_t &RegisterBank::at(uint16_t address) const {
  if (!contains(address, 1)) throw std::out_of_range("register " + std::to_string(address));
  return mapping_->tab_registers[address - first_];
}

uint16_t RegisterBank::u16(uint16_t address) const {
  return at(address);
}
uint32_t RegisterBank::u32(uint16_t address) const {
  return (uint32_t{at(address)} << 16) | at(static_cast<uint16_t>(address + 1));
}
void RegisterBank::set_u16(uint16_t address, uint16_t value) {
  at(address) = value;
}
void RegisterBank::set_u32(uint16_t address, uint32_t value) {
  at(address) = static_cast<uint16_t>(value >> 16);
  at(static_cast<uint16_t>(address + 1)) = static_cast<uint16_t>(value & 0xFFFF);
}
void RegisterBank::set_f32(uint16_t address, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  set_u32(address, bits);
}
void RegisterBank::set_string(uint16_t address, uint16_t registers, const std::string &text) {
  for (uint16_t i = 0; i < registers; ++i) {
    const size_t k = size_t{i} * 2;
    const auto hi = k < text.size() ? static_cast<uint8_t>(text[k]) : 0;
    const auto lo = k + 1 < text.size() ? static_cast<uint8_t>(text[k + 1]) : 0;
    at(static_cast<uint16_t>(address + i)) = static_cast<uint16_t>((hi << 8) | lo);
  }
}
void RegisterBank::set_u16_scaled(uint16_t address, double value, double gain) {
  set_u16(address, saturate<uint16_t>(value * gain));
}
void RegisterBank::set_i16_scaled(uint16_t address, double value, double gain) {
  set_i16(address, saturate<int16_t>(value * gain));
}
void RegisterBank::set_u32_scaled(uint16_t address, double value, double gain) {
  set_u32(address, saturate<uint32_t>(value * gain));
}
void RegisterBank::set_i32_scaled(uint16_t address, double value, double gain) {
  set_i32(address, saturate<int32_t>(value * gain));
}

std::vector<uint16_t> RegisterBank::read(uint16_t address, uint16_t count) const {
  std::vector<uint16_t> values;
  for (uint16_t i = 0; i < count; ++i) values.push_back(at(static_cast<uint16_t>(address + i)));
  return values;
}

void RegisterBank::write(uint16_t address, const std::vector<uint16_t> &values) {
  for (size_t i = 0; i < values.size(); ++i) at(static_cast<uint16_t>(address + i)) = values[i];
}

void RegisterBank::clear() {
  std::memset(mapping_->tab_registers, 0, count_ * sizeof(uint16_t));
}

}  // namespace hearth::sim
