#pragma once
// The register map of the example meter (README.md, "Register map"): one block of 8 holding
// registers, read with function 3. Pure decoding, so it is tested without a host.
#include <hearth/plugin.hpp>

namespace example_meter {

// Offsets from the block's first register. 32-bit values are big-endian, high word first.
constexpr uint32_t kPowerOffset = 0;         // I32, W, + import / - export (as the meter counts)
constexpr uint32_t kImportEnergyOffset = 2;  // U32, counts of energy_wh_per_count
constexpr uint32_t kExportEnergyOffset = 4;  // U32, counts of energy_wh_per_count
constexpr uint32_t kVoltageOffset = 6;       // U16, 0.1 V
constexpr uint32_t kFrequencyOffset = 7;     // U16, 0.01 Hz
constexpr uint32_t kBlockRegisters = 8;

enum class PowerSign { kImportPositive, kExportPositive };

struct Reading {
  double grid_power_w;  // Hearth's sign: + import from the grid, - export (plugin.h, points)
  double import_energy_wh;
  double export_energy_wh;
  double voltage_v;
  double frequency_hz;
};

inline Reading decode(const hearth::ModbusResult &answer, PowerSign sign,
                      double energy_wh_per_count) {
  Reading r{};
  const double meter_power_w = answer.i32(kPowerOffset);
  r.grid_power_w = sign == PowerSign::kImportPositive ? meter_power_w : -meter_power_w;
  r.import_energy_wh = answer.u32(kImportEnergyOffset) * energy_wh_per_count;
  r.export_energy_wh = answer.u32(kExportEnergyOffset) * energy_wh_per_count;
  r.voltage_v = answer.u16(kVoltageOffset) / 10.0;
  r.frequency_hz = answer.u16(kFrequencyOffset) / 100.0;
  return r;
}

}  // namespace example_meter
