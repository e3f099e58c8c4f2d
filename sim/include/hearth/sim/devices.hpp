#pragma once
// The simulated Modbus devices: each turns the house state into its register image and turns
// master writes into controls. Called with the Simulator's lock held.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hearth/sim/house.hpp"
#include "hearth/sim/register_bank.hpp"

namespace hearth::sim {

// Modbus exception codes used in replies.
enum class ModbusException : uint8_t {
  kNone = 0,
  kIllegalFunction = 0x01,
  kIllegalDataAddress = 0x02,
  kIllegalDataValue = 0x03,
  kGatewayTargetFailed = 0x0B,
};

struct MeterView {
  const MeterReading &reading;  // live, or the frozen copy
  bool online;                  // the meter answers its master
};

using RegisterRange = std::pair<uint16_t, uint16_t>;  // [first, first + count)

class ModbusDevice {
 public:
  ModbusDevice(std::string name, uint8_t unit, uint16_t first, uint32_t count)
      : name_(std::move(name)), unit_(unit), bank_(first, count) {}
  virtual ~ModbusDevice() = default;

  const std::string &name() const { return name_; }
  uint8_t unit() const { return unit_; }
  virtual std::string kind() const = 0;

  // Encodes the current state into the register image.
  virtual void refresh(const House &house, const MeterView &meter) = 0;
  // Function 0x03 over [address, address + count): kNone when every register is mapped.
  ModbusException check_read(uint16_t address, uint16_t count) const;
  // Functions 0x06 / 0x10: validates, stores and applies, or returns the exception.
  virtual ModbusException write(House &house, uint16_t address,
                                const std::vector<uint16_t> &values) = 0;
  // A master frame addressed to this device arrived (comm-loss timer).
  virtual void note_master_frame(House &) {}
  // Objects for Read Device Identification (0x2B/0x0E); empty: function not supported.
  virtual std::vector<std::pair<uint8_t, std::string>> identification() const { return {}; }
  // Answers stop while the device reboots.
  virtual bool booting(const House &) const { return false; }
  virtual void reboot(House &, double) {}

  const RegisterBank &bank() const { return bank_; }

 protected:
  virtual const std::vector<RegisterRange> &readable() const = 0;
  std::string name_;
  uint8_t unit_;
  RegisterBank bank_;
};

// Huawei SUN2000 with an optional LUNA2000 battery and an optional meter on its RS485-2
// (protocols.md §1, §2).
class Sun2000Device final : public ModbusDevice {
 public:
  Sun2000Device(const Inverter &inverter, size_t index, int64_t start_utc_s);
  std::string kind() const override { return "sun2000"; }
  void refresh(const House &house, const MeterView &meter) override;
  ModbusException write(House &house, uint16_t address,
                        const std::vector<uint16_t> &values) override;
  void note_master_frame(House &house) override;
  std::vector<std::pair<uint8_t, std::string>> identification() const override;
  bool booting(const House &house) const override;
  void reboot(House &house, double seconds) override;
  size_t index() const { return index_; }

 protected:
  const std::vector<RegisterRange> &readable() const override;

 private:
  void encode_identification(const Inverter &inv);
  void encode_status(const Inverter &inv, int64_t now_ms);
  void encode_measurements(const House &house, const Inverter &inv);
  void encode_controls(const Inverter &inv);
  void encode_meter(const Inverter &inv, const MeterView &meter);
  void encode_battery(const Inverter &inv);
  ModbusException decode_controls(House &house, Inverter &inv, uint16_t address, uint16_t count);
  bool writable(const Inverter &inv, uint16_t address, uint16_t count) const;
  size_t index_;
  int64_t start_utc_s_;
  std::vector<std::pair<uint8_t, std::string>> identification_;
};

// CHINT DTSU666(-H) meter on its own RS485 bus: float32 ABCD registers (protocols.md §4).
class Dtsu666Device final : public ModbusDevice {
 public:
  explicit Dtsu666Device(const MeterSettings &settings);
  std::string kind() const override { return "dtsu666"; }
  void refresh(const House &house, const MeterView &meter) override;
  ModbusException write(House &, uint16_t, const std::vector<uint16_t> &) override {
    return ModbusException::kIllegalFunction;  // read-only map: function 0x03 only
  }

 protected:
  const std::vector<RegisterRange> &readable() const override;

 private:
  void encode_chint_block(const MeterReading &r);
  void encode_huawei_block(const MeterReading &r);
  MeterSettings settings_;
};

}  // namespace hearth::sim
