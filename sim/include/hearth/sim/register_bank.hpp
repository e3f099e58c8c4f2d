#pragma once
// A device's holding-register image: a libmodbus mapping over [first, first + count) with typed
// accessors in the Huawei encoding (protocols.md §1 "Conventions": 32-bit values big-endian,
// high word first; strings ASCII padded with NUL) and the DTSU666 float32 ABCD (protocols.md §4).
#include <modbus/modbus.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::sim {

class RegisterBank {
 public:
  RegisterBank(uint16_t first, uint32_t count);
  ~RegisterBank();
  RegisterBank(const RegisterBank &) = delete;
  RegisterBank &operator=(const RegisterBank &) = delete;

  bool contains(uint32_t address, uint32_t count) const;
  uint16_t u16(uint16_t address) const;
  int16_t i16(uint16_t address) const { return static_cast<int16_t>(u16(address)); }
  uint32_t u32(uint16_t address) const;
  int32_t i32(uint16_t address) const { return static_cast<int32_t>(u32(address)); }

  void set_u16(uint16_t address, uint16_t value);
  void set_i16(uint16_t address, int16_t value) { set_u16(address, static_cast<uint16_t>(value)); }
  void set_u32(uint16_t address, uint32_t value);
  void set_i32(uint16_t address, int32_t value) { set_u32(address, static_cast<uint32_t>(value)); }
  void set_f32(uint16_t address, float value);
  void set_string(uint16_t address, uint16_t registers, const std::string &text);
  // Engineering value -> raw integer: round(value * gain), saturated to the type's range.
  void set_u16_scaled(uint16_t address, double value, double gain);
  void set_i16_scaled(uint16_t address, double value, double gain);
  void set_u32_scaled(uint16_t address, double value, double gain);
  void set_i32_scaled(uint16_t address, double value, double gain);

  std::vector<uint16_t> read(uint16_t address, uint16_t count) const;
  void write(uint16_t address, const std::vector<uint16_t> &values);
  void clear();

 private:
  uint16_t &at(uint16_t address) const;
  modbus_mapping_t *mapping_;
  uint16_t first_;
  uint32_t count_;
};

}  // namespace hearth::sim
