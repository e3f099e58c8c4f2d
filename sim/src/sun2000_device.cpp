// Register map of the simulated SUN2000 + LUNA2000: addresses, types, gains and signs from
// protocols.md §1 (identification, status, live measurements, meter view, active power control)
// and §2 (battery).
#include <algorithm>
#include <cmath>

#include "hearth/sim/devices.hpp"

namespace hearth::sim {
namespace {

constexpr uint16_t kFirstRegister = 30000;
constexpr uint32_t kRegisterCount = 20000;  // 30000..49999
constexpr const char *kSoftwareVersion = "V100R001C00SPC100";

// Registers a master may write (protocols.md §1 "Active power control").
const std::vector<RegisterRange> kInverterWritable = {{40122, 2}, {40125, 3}, {40200, 2},
                                                      {47415, 3}, {47418, 1}, {47675, 2}};
// protocols.md §2 "Writable settings", "Forcible charge / discharge", TOU and period tables.
const std::vector<RegisterRange> kBatteryWritable = {
    {47027, 42}, {47075, 4}, {47081, 3},  {47086, 3}, {47100, 3}, {47200, 41},
    {47242, 4},  {47246, 5}, {47255, 43}, {47299, 1}, {47589, 3}, {47954, 66}};
// Registers that only store what was written (no physics); cleared by a reboot.
const std::vector<RegisterRange> kStoredOnly = {{40122, 2},  {47027, 42}, {47088, 1},  {47102, 1},
                                                {47200, 41}, {47242, 4},  {47255, 43}, {47299, 1},
                                                {47589, 3},  {47675, 2},  {47954, 66}};

bool inside(const std::vector<RegisterRange> &ranges, uint16_t address, uint16_t count) {
  for (uint32_t a = address; a < uint32_t{address} + count; ++a) {
    const bool hit = std::any_of(ranges.begin(), ranges.end(), [a](const RegisterRange &r) {
      return a >= r.first && a < uint32_t{r.first} + r.second;
    });
    if (!hit) return false;
  }
  return true;
}

bool touches(uint16_t address, uint16_t count, uint16_t reg, uint16_t width = 1) {
  return address < reg + width && reg < address + count;
}

// Device status 32089 (protocols.md §1, "Device status").
uint16_t device_status(const Inverter &inv, int64_t now_ms) {
  if (inv.rebooting(now_ms)) return 0x0000;  // standby: initialising
  if (!inv.controls.running) return 0x0301;  // shutdown by command
  if (inv.state.comm_loss_active && inv.settings.comm_loss.derate_pct <= 0) return 0x0303;
  if (inv.state.pv_available_w <= 0 && !inv.battery) return 0xA000;      // no irradiation
  if (inv.derating_cap_w(now_ms) < inv.settings.rated_w) return 0x0201;  // power limited
  return 0x0200;                                                         // on-grid
}

// Working mode B 37006 as the battery reports it (protocols.md §2).
uint16_t working_mode_b(const BatteryControls &c) {
  if (c.forcible != ForcibleCommand::kStop) return 1;
  switch (c.mode) {
    case StorageMode::kFixedChargeDischarge:
      return 3;
    case StorageMode::kMaxSelfConsumption:
      return 4;
    case StorageMode::kTouLg:
      return 2;
    case StorageMode::kFullyFedToGrid:
      return 5;
    case StorageMode::kTouLuna:
      return 6;
    default:
      return 0;
  }
}

}  // namespace

Sun2000Device::Sun2000Device(const Inverter &inverter, size_t index, int64_t start_utc_s)
    : ModbusDevice(inverter.settings.name, inverter.settings.unit, kFirstRegister, kRegisterCount),
      index_(index),
      start_utc_s_(start_utc_s) {
  encode_identification(inverter);
  const auto &s = inverter.settings;
  // Basic objects (vendor, product code, revision) and Huawei's 0x87 device description used for
  // discovery (protocols.md §1 "Function codes"; its exact format is unverified there).
  identification_ = {{0x00, "HUAWEI"},
                     {0x01, s.model},
                     {0x02, kSoftwareVersion},
                     {0x87, "1=" + s.model + ";2=" + kSoftwareVersion + ";4=" + s.serial +
                                ";5=" + std::to_string(s.unit)}};
}

std::vector<std::pair<uint8_t, std::string>> Sun2000Device::identification() const {
  return identification_;
}

const std::vector<RegisterRange> &Sun2000Device::readable() const {
  static const std::vector<RegisterRange> ranges = {
      {30000, 83}, {32000, 120}, {37000, 60}, {37100, 39}, {37200, 2},  {37738, 7},
      {37758, 30}, {40000, 2},   {40122, 6},  {40200, 2},  {47000, 5},  {47027, 42},
      {47075, 15}, {47086, 3},   {47089, 1},  {47100, 3},  {47200, 41}, {47242, 9},
      {47255, 43}, {47299, 1},   {47415, 4},  {47589, 3},  {47675, 4},  {47954, 66}};
  return ranges;
}

void Sun2000Device::encode_identification(const Inverter &inv) {
  const auto &s = inv.settings;
  bank_.set_string(30000, 15, s.model);
  bank_.set_string(30015, 10, s.serial);
  bank_.set_string(30025, 10, "01074520");
  bank_.set_string(30035, 15, kSoftwareVersion);
  bank_.set_string(30050, 15, kSoftwareVersion);
  bank_.set_u16(30070, 428);  // model id: any stable number
  bank_.set_u16(30071, 2);    // PV strings
  bank_.set_u16(30072, 2);    // MPP trackers
  bank_.set_u32_scaled(30073, s.rated_w, 1);
  bank_.set_u32_scaled(30075, s.rated_w, 1);  // Pmax: the base of the % derating
  bank_.set_u32_scaled(30077, s.rated_w * 1.1, 1);
  bank_.set_i32_scaled(30079, s.rated_w * 0.6, 1);
  bank_.set_i32_scaled(30081, -s.rated_w * 0.6, 1);
}

void Sun2000Device::encode_status(const Inverter &inv, int64_t now_ms) {
  const uint16_t status = device_status(inv, now_ms);
  uint16_t state1 = 0;
  if (status == 0x0000 || status == 0xA000) state1 |= 1u << 0;  // standby
  if (status == 0x0200 || status == 0x0201) state1 |= (1u << 1) | (1u << 2);
  if (status == 0x0201) state1 |= 1u << 3;  // derating due to power rationing
  if (status == 0x0301) state1 |= 1u << 5;  // normal stop
  bank_.set_u16(32000, state1);
  bank_.set_u16(32002, inv.state.pv_available_w > 0 ? 0x0002 : 0);  // PV connected
  bank_.set_u32(32003, 0);
  bank_.set_u16(32008, 0);
  bank_.set_u16(32009, 0);
  bank_.set_u16(32010, 0);
  bank_.set_u16(32089, status);
  bank_.set_u16(32090, 0);
}

void Sun2000Device::encode_measurements(const House &house, const Inverter &inv) {
  const auto &st = inv.state;
  // Two equal strings at a fixed MPP voltage while producing.
  constexpr double kStringVoltageV = 380.0;
  const double string_v = st.pv_used_w > 0 ? kStringVoltageV : 0.0;
  const double string_a = st.pv_used_w > 0 ? st.pv_used_w / 2.0 / kStringVoltageV : 0.0;
  for (uint16_t reg : {uint16_t{32016}, uint16_t{32018}}) {
    bank_.set_i16_scaled(reg, string_v, 10);
    bank_.set_i16_scaled(static_cast<uint16_t>(reg + 1), string_a, 100);
  }
  bank_.set_i32_scaled(32064, st.pv_used_w, 1);
  const auto &grid = house.meter();  // the inverter sees the live grid voltage
  for (uint16_t p = 0; p < 3; ++p) {
    const double phase_v = grid.phase[p].voltage_v;
    bank_.set_u16_scaled(static_cast<uint16_t>(32066 + p), phase_v * std::sqrt(3.0), 10);
    bank_.set_u16_scaled(static_cast<uint16_t>(32069 + p), phase_v, 10);
    bank_.set_i32_scaled(static_cast<uint16_t>(32072 + 2 * p), st.ac_power_w / 3.0 / phase_v, 1000);
  }
  bank_.set_i32_scaled(32078, st.peak_ac_today_w, 1);
  bank_.set_i32_scaled(32080, st.ac_power_w, 1);
  bank_.set_i32(32082, 0);
  bank_.set_i16_scaled(32084, 1.0, 1000);
  bank_.set_u16_scaled(32085, grid.frequency_hz, 100);
  bank_.set_u16_scaled(32086, 98.0, 100);
  bank_.set_i16_scaled(32087, 30.0 + 20.0 * std::abs(st.ac_power_w) / inv.settings.rated_w, 10);
  bank_.set_u16_scaled(32088, 3.0, 1000);
  bank_.set_u32(32091, static_cast<uint32_t>(start_utc_s_));
  bank_.set_u32(32093, 0);
  bank_.set_i32_scaled(32095, st.ac_power_w, 1);
  bank_.set_u32_scaled(32106, st.total_yield_wh / 1000.0, 100);
  bank_.set_u32_scaled(32108, st.total_yield_wh / 1000.0, 100);
  bank_.set_u32_scaled(32114, st.daily_yield_wh / 1000.0, 100);
  // Month and year counters run from the start of the simulation.
  bank_.set_u32_scaled(32116, st.total_yield_wh / 1000.0, 100);
  bank_.set_u32_scaled(32118, st.total_yield_wh / 1000.0, 100);
  // 40000 is a local-time epoch (protocols.md §1).
  bank_.set_u32(40000, static_cast<uint32_t>(house.now_ms() / 1000 + house.utc_offset_min() * 60));
}

void Sun2000Device::encode_controls(const Inverter &inv) {
  const auto &c = inv.controls;
  bank_.set_i16_scaled(40125, c.derating_pct, 10);
  bank_.set_u32_scaled(40126, c.derating_w, 1);
  bank_.set_u16(40200, 0);  // write-only commands read as 0
  bank_.set_u16(40201, 0);
  bank_.set_u16(47415, static_cast<uint16_t>(c.grid_mode));
  bank_.set_i32_scaled(47416, c.grid_limit_w, 1);
  bank_.set_i16_scaled(47418, c.grid_limit_pct, 10);
  // Gradient matching the first-order response: 100 % per time constant.
  bank_.set_u32_scaled(47677, 100.0 / inv.settings.response_time_s, 1000);
}

void Sun2000Device::encode_meter(const Inverter &inv, const MeterView &meter) {
  if (!inv.has_meter) return;  // 37100 ff. stay 0: "meter offline"
  const auto &r = meter.reading;
  bank_.set_u16(37100, meter.online ? 1 : 0);
  // The inverter republishes the meter with export positive (protocols.md §1, 37113; §4 "Sign").
  for (uint16_t p = 0; p < 3; ++p) {
    const auto &phase = r.phase[p];
    const double export_w = -phase.power_w;
    bank_.set_i32_scaled(static_cast<uint16_t>(37101 + 2 * p), phase.voltage_v, 10);
    bank_.set_i32_scaled(static_cast<uint16_t>(37107 + 2 * p),
                         std::copysign(phase.current_a, export_w), 100);
    bank_.set_i32_scaled(static_cast<uint16_t>(37126 + 2 * p), phase.voltage_v * std::sqrt(3.0),
                         10);
    bank_.set_i32_scaled(static_cast<uint16_t>(37132 + 2 * p), export_w, 1);
  }
  bank_.set_i32_scaled(37113, -r.power_w, 1);
  bank_.set_i32(37115, 0);
  bank_.set_i16_scaled(37117, 1.0, 1000);
  bank_.set_i16_scaled(37118, r.frequency_hz, 100);
  bank_.set_i32_scaled(37119, r.export_wh / 1000.0, 100);
  bank_.set_i32_scaled(37121, r.import_wh / 1000.0, 100);
  bank_.set_i32(37123, 0);
  bank_.set_u16(37125, 1);  // three-phase
  bank_.set_u16(37138, 1);  // meter type check: match
}

void Sun2000Device::encode_battery(const Inverter &inv) {
  if (!inv.battery) return;  // 47000 = 0: no battery
  const auto &b = *inv.battery;
  const auto &s = b.settings;
  const auto &c = b.controls;
  const uint16_t running = std::abs(b.state.power_w) > 0.5 ? 2 : 1;  // running / standby
  bank_.set_u16(47000, 2);                                           // LUNA2000
  bank_.set_u16(47089, 0);
  bank_.set_i16(47004, 0);
  bank_.set_u32_scaled(37758, s.capacity_wh, 1);
  bank_.set_u16_scaled(37760, b.soc_pct(), 10);
  bank_.set_u16(37762, running);
  bank_.set_u16_scaled(37763, s.bus_voltage_v, 10);
  bank_.set_i16_scaled(37764, b.state.power_w / s.bus_voltage_v, 10);
  bank_.set_i32_scaled(37765, b.state.power_w, 1);
  bank_.set_u32_scaled(37780, b.state.charged_total_wh / 1000.0, 100);
  bank_.set_u32_scaled(37782, b.state.discharged_total_wh / 1000.0, 100);
  bank_.set_u32_scaled(37784, b.state.charged_today_wh / 1000.0, 100);
  bank_.set_u32_scaled(37786, b.state.discharged_today_wh / 1000.0, 100);
  bank_.set_u16(37000, running);
  bank_.set_i32_scaled(37001, b.state.power_w, 1);
  bank_.set_u16_scaled(37004, b.soc_pct(), 10);
  bank_.set_u16(37006, working_mode_b(c));
  bank_.set_u32_scaled(37007, s.max_charge_w, 1);
  bank_.set_u32_scaled(37009, s.max_discharge_w, 1);
  bank_.set_i16_scaled(37022, 25.0, 10);
  bank_.set_u32_scaled(37046, s.max_charge_w, 1);
  bank_.set_u32_scaled(37048, s.max_discharge_w, 1);
  bank_.set_string(37052, 10, s.serial);
  // Read-back of the writable settings.
  bank_.set_u32_scaled(47075, c.max_charge_w, 1);
  bank_.set_u32_scaled(47077, c.max_discharge_w, 1);
  bank_.set_i32(47079, 0);
  bank_.set_u16_scaled(47081, c.charge_cutoff_soc_pct, 10);
  bank_.set_u16_scaled(47082, c.discharge_cutoff_soc_pct, 10);
  bank_.set_u16_scaled(47083, c.forcible_duration_min, 1);
  const double forced_w = c.forcible == ForcibleCommand::kCharge      ? c.forcible_charge_w
                          : c.forcible == ForcibleCommand::kDischarge ? -c.forcible_discharge_w
                                                                      : 0.0;
  bank_.set_i32_scaled(47084, forced_w, 1);
  bank_.set_u16(47086, static_cast<uint16_t>(c.mode));
  bank_.set_u16(47087, c.grid_charge_enabled ? 1 : 0);
  bank_.set_u16(47100, static_cast<uint16_t>(c.forcible));
  bank_.set_u16_scaled(47101, c.forcible_target_soc_pct, 10);
  bank_.set_u16(47246, c.forcible_by_target_soc ? 1 : 0);
  bank_.set_u32_scaled(47247, c.forcible_charge_w, 1);
  bank_.set_u32_scaled(47249, c.forcible_discharge_w, 1);
}

void Sun2000Device::refresh(const House &house, const MeterView &meter) {
  const auto &inv = house.inverters()[index_];
  encode_status(inv, house.now_ms());
  encode_measurements(house, inv);
  encode_controls(inv);
  encode_meter(inv, meter);
  encode_battery(inv);
}

bool Sun2000Device::writable(const Inverter &inv, uint16_t address, uint16_t count) const {
  for (uint32_t a = address; a < uint32_t{address} + count; ++a) {
    const auto reg = static_cast<uint16_t>(a);
    if (!inside(kInverterWritable, reg, 1) && !(inv.battery && inside(kBatteryWritable, reg, 1)))
      return false;
  }
  return true;
}

// Reads the control registers back out of the image after a write; the values are validated
// here so a rejected write can be undone.
ModbusException Sun2000Device::decode_controls(House &house, Inverter &inv, uint16_t address,
                                               uint16_t count) {
  auto &c = inv.controls;
  const double pct = bank_.i16(40125) / 10.0;
  const double derating_w = bank_.u32(40126);
  const uint16_t grid_mode = bank_.u16(47415);
  const double grid_pct = bank_.i16(47418) / 10.0;
  if (pct < 0 || pct > 100 || derating_w > inv.settings.rated_w || grid_pct < 0 || grid_pct > 100)
    return ModbusException::kIllegalDataValue;
  if (grid_mode != 0 && grid_mode != 1 && (grid_mode < 5 || grid_mode > 7))
    return ModbusException::kIllegalDataValue;
  if (inv.battery) {
    const uint16_t mode = bank_.u16(47086), command = bank_.u16(47100);
    const bool soc_ok =
        bank_.u16(47081) <= 1000 && bank_.u16(47082) <= 1000 && bank_.u16(47101) <= 1000;
    if (mode > 5 || command > 2 || bank_.u16(47246) > 1 || bank_.u16(47087) > 1 || !soc_ok)
      return ModbusException::kIllegalDataValue;
  }
  c.derating_pct = pct;
  c.derating_w = derating_w;
  c.grid_mode = static_cast<GridPointMode>(grid_mode);
  c.grid_limit_w = bank_.i32(47416);
  c.grid_limit_pct = grid_pct;
  if (touches(address, count, 40200)) c.running = true;
  if (touches(address, count, 40201)) c.running = false;
  if (!inv.battery) return ModbusException::kNone;
  auto &b = inv.battery->controls;
  b.max_charge_w = bank_.u32(47075);
  b.max_discharge_w = bank_.u32(47077);
  b.charge_cutoff_soc_pct = bank_.u16(47081) / 10.0;
  b.discharge_cutoff_soc_pct = bank_.u16(47082) / 10.0;
  b.forcible_duration_min = bank_.u16(47083);
  b.mode = static_cast<StorageMode>(bank_.u16(47086));
  b.grid_charge_enabled = bank_.u16(47087) != 0;
  b.forcible_target_soc_pct = bank_.u16(47101) / 10.0;
  b.forcible_by_target_soc = bank_.u16(47246) == 1;
  b.forcible_charge_w = bank_.u32(47247);
  b.forcible_discharge_w = bank_.u32(47249);
  // The command register is written last and starts (or stops) the sequence (protocols.md §2).
  if (touches(address, count, 47100)) {
    b.forcible = static_cast<ForcibleCommand>(bank_.u16(47100));
    house.start_forcible(*inv.battery);
  }
  return ModbusException::kNone;
}

ModbusException Sun2000Device::write(House &house, uint16_t address,
                                     const std::vector<uint16_t> &values) {
  auto &inv = house.inverters()[index_];
  const auto count = static_cast<uint16_t>(values.size());
  if (!writable(inv, address, count)) return ModbusException::kIllegalDataAddress;
  const auto previous = bank_.read(address, count);
  bank_.write(address, values);
  const auto result = decode_controls(house, inv, address, count);
  if (result != ModbusException::kNone) bank_.write(address, previous);
  return result;
}

void Sun2000Device::note_master_frame(House &house) {
  house.note_master_frame(house.inverters()[index_]);
}

bool Sun2000Device::booting(const House &house) const {
  return house.inverters()[index_].rebooting(house.now_ms());
}

void Sun2000Device::reboot(House &house, double seconds) {
  house.reboot(house.inverters()[index_], seconds);
  for (const auto &[first, count] : kStoredOnly)
    bank_.write(first, std::vector<uint16_t>(count, 0));
}

ModbusException ModbusDevice::check_read(uint16_t address, uint16_t count) const {
  if (count == 0 || count > 125) return ModbusException::kIllegalDataValue;
  return inside(readable(), address, count) ? ModbusException::kNone
                                            : ModbusException::kIllegalDataAddress;
}

}  // namespace hearth::sim
