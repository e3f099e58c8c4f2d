// Register map of the simulated DTSU666(-H): protocols.md §4, main CHINT block (float32 ABCD,
// CHINT sign: + import) and the Huawei alternative block 2102-2181 (unverified layout, see there).
#include <cmath>

#include "hearth/sim/devices.hpp"

namespace hearth::sim {
namespace {

constexpr uint16_t kFirstRegister = 0;
constexpr uint32_t kRegisterCount = 0x4040;

struct Scale {
  double voltage, current, power;
};

Scale scale_of(MeterScale scale) {
  // Generic CHINT documents V in 0.1 V, A in 0.001 A, W in 0.1 W; the -H sends engineering units.
  return scale == MeterScale::kChint ? Scale{10.0, 1000.0, 10.0} : Scale{1.0, 1.0, 1.0};
}

}  // namespace

Dtsu666Device::Dtsu666Device(const MeterSettings &settings)
    : ModbusDevice("meter", settings.unit, kFirstRegister, kRegisterCount), settings_(settings) {
  bank_.set_u16(0x0000, 0x0100);  // REV
  bank_.set_u16(0x0003, 0);       // net: 3P4W
  bank_.set_u16(0x0006, 1);       // CT ratio
  bank_.set_u16(0x0007, 1);       // PT ratio
  bank_.set_u16(0x002C, 1);       // protocol select
  bank_.set_u16(0x002D, settings.unit);
  bank_.set_u16(0x002E, 3);  // baud code
  bank_.set_u16(2001, 1);    // status read by the inverter at 0x07D1
  bank_.set_u16(2214, 0x0100);
  bank_.set_u16(2217, 0);
  bank_.set_u16(2218, 1);
  bank_.set_u16(2219, 1);
  bank_.set_u16(2221, settings.unit);
  bank_.set_u16(2222, 3);
  bank_.set_u16(2223, 1);
}

const std::vector<RegisterRange> &Dtsu666Device::readable() const {
  static const std::vector<RegisterRange> ranges = {{0x0000, 0x30}, {2001, 1},      {2102, 80},
                                                    {2214, 10},     {0x2000, 0x52}, {0x401E, 0x16}};
  return ranges;
}

void Dtsu666Device::encode_chint_block(const MeterReading &r) {
  const Scale k = scale_of(settings_.scale);
  for (uint16_t p = 0; p < 3; ++p) {
    const auto &phase = r.phase[p];
    const auto &next = r.phase[(p + 1) % 3];
    // Line voltage from two phase voltages 120 degrees apart.
    const double line_v =
        std::sqrt(phase.voltage_v * phase.voltage_v + next.voltage_v * next.voltage_v +
                  phase.voltage_v * next.voltage_v);
    bank_.set_f32(static_cast<uint16_t>(0x2000 + 2 * p), static_cast<float>(line_v * k.voltage));
    bank_.set_f32(static_cast<uint16_t>(0x2006 + 2 * p),
                  static_cast<float>(phase.voltage_v * k.voltage));
    bank_.set_f32(static_cast<uint16_t>(0x200C + 2 * p),
                  static_cast<float>(phase.current_a * k.current));
    bank_.set_f32(static_cast<uint16_t>(0x2014 + 2 * p),
                  static_cast<float>(phase.power_w * k.power));
    bank_.set_f32(static_cast<uint16_t>(0x201C + 2 * p), 0.0f);
    bank_.set_f32(static_cast<uint16_t>(0x202C + 2 * p), 1.0f);
  }
  bank_.set_f32(0x2012, static_cast<float>(r.power_w * k.power));
  bank_.set_f32(0x201A, 0.0f);
  bank_.set_f32(0x202A, 1.0f);
  bank_.set_f32(0x2044, static_cast<float>(r.frequency_hz));
  bank_.set_f32(0x2050, static_cast<float>(r.power_w * k.power));
  bank_.set_f32(0x401E, static_cast<float>(r.import_wh / 1000.0));
  bank_.set_f32(0x4028, static_cast<float>(r.export_wh / 1000.0));
  bank_.set_f32(0x4032, 0.0f);
}

void Dtsu666Device::encode_huawei_block(const MeterReading &r) {
  auto put = [this](uint16_t reg, double value) { bank_.set_f32(reg, static_cast<float>(value)); };
  double v_sum = 0;
  for (uint16_t p = 0; p < 3; ++p) {
    const auto &phase = r.phase[p];
    v_sum += phase.voltage_v;
    put(static_cast<uint16_t>(2102 + 2 * p), phase.current_a);
    put(static_cast<uint16_t>(2110 + 2 * p), phase.voltage_v);
    put(static_cast<uint16_t>(2118 + 2 * p), phase.voltage_v * std::sqrt(3.0));
    put(static_cast<uint16_t>(2128 + 2 * p), phase.power_w);
    put(static_cast<uint16_t>(2136 + 2 * p), 0.0);
    put(static_cast<uint16_t>(2144 + 2 * p), std::abs(phase.power_w));
    put(static_cast<uint16_t>(2152 + 2 * p), 1.0);
    put(static_cast<uint16_t>(2160 + 2 * p), phase.power_w);
    put(static_cast<uint16_t>(2168 + 2 * p), r.import_wh / 3000.0);
    put(static_cast<uint16_t>(2176 + 2 * p), r.export_wh / 3000.0);
  }
  put(2108, v_sum / 3.0);
  put(2116, v_sum / 3.0 * std::sqrt(3.0));
  put(2124, r.frequency_hz);
  put(2126, r.power_w);
  put(2134, 0.0);
  put(2142, std::abs(r.power_w));
  put(2150, 1.0);
  put(2158, r.power_w);
  put(2166, r.import_wh / 1000.0);
  put(2174, r.export_wh / 1000.0);
}

void Dtsu666Device::refresh(const House &, const MeterView &meter) {
  encode_chint_block(meter.reading);
  encode_huawei_block(meter.reading);
}

}  // namespace hearth::sim
