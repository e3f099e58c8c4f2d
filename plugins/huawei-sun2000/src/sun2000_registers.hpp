#pragma once
// The SUN2000 / LUNA2000 register map this driver uses (protocols.md §1 and §2), as data: which
// blocks each poll group reads and how each register becomes a point.
#include <array>
#include <cstdint>
#include <hearth/drivers/modbus_reader.hpp>
#include <string>

namespace huawei_sun2000 {

using hearth::drivers::RegisterSpan;
using hearth::drivers::RegisterType;

// Poll groups by the freshness their points need (architecture.md, "Polling by freshness").
enum class Group { kFast, kNormal, kSlow };
// Which part of the device a register belongs to; battery and meter parts are read only when the
// device has them (params `battery`, `meter`).
enum class Part { kInverter, kBattery, kMeter };

// Identification (§1): model 30000 STR15, serial 30015 STR10, PN 30025, firmware 30035 STR15;
// rated power 30073 U32 W, Pmax 30075 U32 W.
constexpr RegisterSpan kIdentityText{30000, 50};
constexpr RegisterSpan kIdentityPower{30070, 7};
constexpr uint32_t kModel = 30000, kModelLength = 15;
constexpr uint32_t kSerial = 30015, kSerialLength = 10;
constexpr uint32_t kFirmware = 30035, kFirmwareLength = 15;
constexpr uint32_t kRatedPower = 30073;
constexpr uint32_t kMaxActivePower = 30075;

// Status and alarms (§1).
constexpr RegisterSpan kStatusBlock{32000, 11};
constexpr uint32_t kAlarm1 = 32008;  // Alarm 1..3: 32008, 32009, 32010
constexpr uint32_t kAlarmRegisters = 3;
constexpr uint32_t kPvFirstString = 32016;  // PVn voltage 32014 + 2n, current 32015 + 2n
constexpr RegisterSpan kMeasurementBlock{32064, 32};
constexpr uint32_t kDeviceStatus = 32089;
constexpr uint32_t kFaultCode = 32090;
constexpr uint32_t kStartupTime = 32091;  // U32 epoch s: changes when the inverter restarts
constexpr RegisterSpan kActivePower{32080, 2};
constexpr RegisterSpan kYieldBlock{32106, 14};

// Active power control (§1): 40125 I16 % of Pmax (gain 10), 40126 U32 W. Written together as one
// block so the newest command alone decides the cap, and read back the same way.
constexpr RegisterSpan kLimitBlock{40125, 3};
constexpr uint16_t kNoPercentLimit = 1000;  // 100.0 %

// LUNA2000 (§2).
constexpr RegisterSpan kBatteryFast{37760, 7};       // SOC .. charge/discharge power
constexpr RegisterSpan kBatteryBlock{37758, 30};     // capacity .. discharged today
constexpr RegisterSpan kBatteryLimits{37046, 4};     // max charge / discharge power
constexpr RegisterSpan kBatterySettings{47075, 15};  // max powers .. storage working mode
constexpr uint32_t kBatteryStatus = 37762;
constexpr uint32_t kStorageMode = 47086;
constexpr uint32_t kForcibleChargePower = 47247;
constexpr uint32_t kForcibleDischargePower = 47249;
constexpr uint32_t kForcibleTargetMode = 47246;  // 0: by duration
constexpr uint32_t kForcibleDuration = 47083;    // minutes
constexpr uint32_t kForcibleCommand = 47100;     // 0 stop, 1 charge, 2 discharge; written last
constexpr uint16_t kForcibleStop = 0, kForcibleCharge = 1, kForcibleDischarge = 2;

// Power meter behind the inverter (§1): 37100 status 0 offline / 1 normal, 37113 + export.
constexpr RegisterSpan kMeterFast{37113, 2};
constexpr RegisterSpan kMeterBlock{37100, 39};
constexpr uint32_t kMeterStatus = 37100;

// One register that becomes one numeric point: value = raw × factor.
struct NumericPoint {
  const char *name;
  uint32_t address;
  const char *unit;
  RegisterType type;
  double factor;
  Group group;
  Part part;
  bool non_negative = false;  // PV values: >= 0 (plugin.h, points)
};

constexpr double kKwhCentisToWh = 10.0;  // gain 100 kWh -> Wh
// Huawei signs the meter export positive (§1, 37113); Hearth signs import positive.
constexpr double kMeterSign = -1.0;

// clang-format off
constexpr std::array<NumericPoint, 38> kNumericPoints{{
    // The fast group: what the energy manager acts on every second.
    {"power_w",                32080, "W",    RegisterType::kI32, 1.0,   Group::kFast,   Part::kInverter},
    {"battery_soc_pct",        37760, "%",    RegisterType::kU16, 0.1,   Group::kFast,   Part::kBattery},
    {"battery_power_w",        37765, "W",    RegisterType::kI32, 1.0,   Group::kFast,   Part::kBattery},
    {"grid_power_w",           37113, "W",    RegisterType::kI32, kMeterSign, Group::kFast, Part::kMeter},
    // The normal group.
    {"pv_power_w",             32064, "W",    RegisterType::kI32, 1.0,   Group::kNormal, Part::kInverter, true},
    {"ac_voltage_l1_v",        32069, "V",    RegisterType::kU16, 0.1,   Group::kNormal, Part::kInverter},
    {"ac_voltage_l2_v",        32070, "V",    RegisterType::kU16, 0.1,   Group::kNormal, Part::kInverter},
    {"ac_voltage_l3_v",        32071, "V",    RegisterType::kU16, 0.1,   Group::kNormal, Part::kInverter},
    {"ac_current_l1_a",        32072, "A",    RegisterType::kI32, 0.001, Group::kNormal, Part::kInverter},
    {"ac_current_l2_a",        32074, "A",    RegisterType::kI32, 0.001, Group::kNormal, Part::kInverter},
    {"ac_current_l3_a",        32076, "A",    RegisterType::kI32, 0.001, Group::kNormal, Part::kInverter},
    {"reactive_power_var",     32082, "var",  RegisterType::kI32, 1.0,   Group::kNormal, Part::kInverter},
    {"power_factor",           32084, "",     RegisterType::kI16, 0.001, Group::kNormal, Part::kInverter},
    {"ac_frequency_hz",        32085, "Hz",   RegisterType::kU16, 0.01,  Group::kNormal, Part::kInverter},
    {"efficiency_pct",         32086, "%",    RegisterType::kU16, 0.01,  Group::kNormal, Part::kInverter},
    {"temperature_degc",       32087, "degC", RegisterType::kI16, 0.1,   Group::kNormal, Part::kInverter},
    {"active_power_limit_pct", 40125, "%",    RegisterType::kI16, 0.1,   Group::kNormal, Part::kInverter},
    {"active_power_limit_w",   40126, "W",    RegisterType::kU32, 1.0,   Group::kNormal, Part::kInverter},
    {"battery_capacity_wh",    37758, "Wh",   RegisterType::kU32, 1.0,   Group::kNormal, Part::kBattery},
    {"battery_bus_voltage_v",  37763, "V",    RegisterType::kU16, 0.1,   Group::kNormal, Part::kBattery},
    {"battery_charged_today_wh",    37784, "Wh", RegisterType::kU32, kKwhCentisToWh, Group::kNormal, Part::kBattery},
    {"battery_discharged_today_wh", 37786, "Wh", RegisterType::kU32, kKwhCentisToWh, Group::kNormal, Part::kBattery},
    {"battery_max_charge_w",   37046, "W",    RegisterType::kU32, 1.0,   Group::kNormal, Part::kBattery},
    {"battery_max_discharge_w", 37048, "W",   RegisterType::kU32, 1.0,   Group::kNormal, Part::kBattery},
    {"grid_voltage_l1_v",      37101, "V",    RegisterType::kI32, 0.1,   Group::kNormal, Part::kMeter},
    {"grid_voltage_l2_v",      37103, "V",    RegisterType::kI32, 0.1,   Group::kNormal, Part::kMeter},
    {"grid_voltage_l3_v",      37105, "V",    RegisterType::kI32, 0.1,   Group::kNormal, Part::kMeter},
    {"grid_current_l1_a",      37107, "A",    RegisterType::kI32, 0.01 * kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_current_l2_a",      37109, "A",    RegisterType::kI32, 0.01 * kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_current_l3_a",      37111, "A",    RegisterType::kI32, 0.01 * kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_reactive_power_var", 37115, "var", RegisterType::kI32, kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_power_factor",      37117, "",     RegisterType::kI16, 0.001, Group::kNormal, Part::kMeter},
    {"grid_frequency_hz",      37118, "Hz",   RegisterType::kI16, 0.01,  Group::kNormal, Part::kMeter},
    {"grid_power_l1_w",        37132, "W",    RegisterType::kI32, kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_power_l2_w",        37134, "W",    RegisterType::kI32, kMeterSign, Group::kNormal, Part::kMeter},
    {"grid_power_l3_w",        37136, "W",    RegisterType::kI32, kMeterSign, Group::kNormal, Part::kMeter},
    // The slow group: counters.
    {"daily_yield_wh",         32114, "Wh",   RegisterType::kU32, kKwhCentisToWh, Group::kSlow, Part::kInverter},
    {"total_yield_wh",         32106, "Wh",   RegisterType::kU32, kKwhCentisToWh, Group::kSlow, Part::kInverter},
}};
// clang-format on

// The meter's energy counters (§1): 37119 is the export, 37121 the import; some firmwares sign
// them negative, so the magnitude is taken.
constexpr uint32_t kMeterExportEnergy = 37119;
constexpr uint32_t kMeterImportEnergy = 37121;

// A device status (32089, §1) as a short name for the `state` point.
std::string device_status_name(uint16_t status);
// LUNA2000 running status (37762, §2).
std::string battery_status_name(uint16_t status);

// Storage working mode settings (47086, §2), by the name a set_mode command uses.
struct StorageMode {
  const char *name;
  uint16_t value;
};
constexpr std::array<StorageMode, 6> kStorageModes{{{"adaptive", 0},
                                                    {"fixed_charge_discharge", 1},
                                                    {"max_self_consumption", 2},
                                                    {"tou_lg", 3},
                                                    {"fully_fed_to_grid", 4},
                                                    {"tou", 5}}};

// Alarm bits of 32008..32010 that Hearth names (§1); other set bits are raised with the generic
// code kAlarmGenericBase + 16 × register index + bit, severity warning.
struct AlarmBit {
  uint32_t register_index;  // 0: 32008, 1: 32009, 2: 32010
  uint32_t bit;
  int32_t code;  // Huawei's alarm id
  int32_t severity;
  const char *text;
};
constexpr std::array<AlarmBit, 7> kAlarmBits{{
    {0, 0, 2001, HEARTH_SEVERITY_MAJOR, "high string input voltage"},
    {0, 1, 2002, HEARTH_SEVERITY_CRITICAL, "DC arc fault"},
    {0, 7, 2032, HEARTH_SEVERITY_MAJOR, "grid loss"},
    {0, 8, 2033, HEARTH_SEVERITY_MINOR, "grid undervoltage"},
    {0, 9, 2034, HEARTH_SEVERITY_MINOR, "grid overvoltage"},
    {0, 11, 2036, HEARTH_SEVERITY_MINOR, "grid overfrequency"},
    {0, 12, 2037, HEARTH_SEVERITY_MINOR, "grid underfrequency"},
}};
constexpr int32_t kAlarmGenericBase = 10000;

// The driver's own alarm codes.
constexpr int32_t kAlarmNoAnswer = 1;         // major: the inverter stopped answering
constexpr int32_t kAlarmMeterOffline = 2;     // major: 37100 says the meter is offline
constexpr int32_t kAlarmBatteryFault = 3;     // major: 37762 = 3
constexpr int32_t kAlarmShutdownFault = 4;    // major: 32089 = 0x0300
constexpr int32_t kAlarmLimitNotApplied = 5;  // major: a written limit does not read back

}  // namespace huawei_sun2000
