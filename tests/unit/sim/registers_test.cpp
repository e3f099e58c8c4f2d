// Register encoding of the simulated devices (protocols.md §1, §2, §4), the frame codec, the
// scenario reader and the CT model, in process.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "hearth/sim/ct_channel.hpp"
#include "hearth/sim/devices.hpp"
#include "hearth/sim/modbus_frames.hpp"
#include "hearth/sim/scenario.hpp"
#include "hearth/sim/simulator.hpp"

namespace hearth::sim {
namespace {

Scenario scenario_from(const std::string &yaml) {
  return parse_scenario(yaml, "test.yaml", ".");
}

const char *kHybrid = R"(
time: {start: 2024-06-25T11:00:00Z}
inverters:
  - {name: inv1, model: SUN2000-10KTL-M1, serial: HV123, unit: 3, rated_w: 10000, pv_kwp: 10,
     battery: {capacity_wh: 10000, max_charge_w: 5000, max_discharge_w: 5000, initial_soc_pct: 42.3}}
meter: {wiring: behind_inverter, inverter: inv1}
)";

struct Fixture {
  Scenario scenario = scenario_from(kHybrid);
  House house{scenario, make_pv_profile(scenario), make_load_profile(scenario)};
  Sun2000Device inverter{house.inverters()[0], 0, scenario.time.start_utc_s};
  void refresh(bool meter_online = true) { inverter.refresh(house, {house.meter(), meter_online}); }
};

TEST(SimRegisters, IdentificationStringsAndU32) {
  Fixture f;
  f.refresh();
  const auto &bank = f.inverter.bank();
  // "SU" "N2" ... ASCII, two characters per register, NUL padded.
  EXPECT_EQ(bank.u16(30000), ('S' << 8) | 'U');
  EXPECT_EQ(bank.u16(30015), ('H' << 8) | 'V');
  EXPECT_EQ(bank.u16(30016), ('1' << 8) | '2');
  EXPECT_EQ(bank.u16(30017), ('3' << 8) | 0);
  EXPECT_EQ(bank.u16(30024), 0);
  EXPECT_EQ(bank.u16(30075), 0);  // Pmax 10000 W, U32: high word first
  EXPECT_EQ(bank.u16(30076), 10000);
}

TEST(SimRegisters, NegativePowersAreTwosComplementHighWordFirst) {
  Fixture f;
  f.house.set_irradiance_factor(0.0);
  f.house.set_load_override_w(3210);
  f.house.advance(20'000);
  f.refresh();
  const auto &bank = f.inverter.bank();
  const auto &battery = *f.house.inverters()[0].battery;
  ASSERT_NEAR(battery.state.power_w, -3210.0, 0.01);  // discharging for the house
  // 37765 I32 W, + charge / - discharge (protocols.md §2): -3210 = 0xFFFF F376.
  EXPECT_EQ(bank.u16(37765), 0xFFFF);
  EXPECT_EQ(bank.u16(37766), 0xF376);
  EXPECT_EQ(bank.i32(37001), -3210);
  // SOC U16 gain 10.
  EXPECT_EQ(bank.u16(37760), static_cast<uint16_t>(std::lround(battery.soc_pct() * 10)));
  // Inverter AC output is positive (the battery feeds the house through it).
  EXPECT_EQ(bank.i32(32080), std::lround(f.house.inverters()[0].state.ac_power_w));
  EXPECT_GT(bank.i32(32080), 3000);
}

TEST(SimRegisters, MeterBehindInverterHasExportPositive) {
  Fixture f;
  f.house.inverters()[0].battery->controls.mode = StorageMode::kFullyFedToGrid;
  f.house.set_load_override_w(1000);
  f.house.advance(20'000);
  f.refresh();
  const auto &bank = f.inverter.bank();
  ASSERT_LT(f.house.grid_w(), -3000.0);  // exporting
  EXPECT_EQ(bank.u16(37100), 1);
  EXPECT_EQ(bank.i32(37113), std::lround(-f.house.grid_w()));  // 37113: + export
  EXPECT_GT(bank.i32(37113), 3000);
  EXPECT_EQ(bank.i32(37119), std::lround(f.house.energy().export_wh / 10.0));  // kWh, gain 100
  EXPECT_EQ(bank.i16(37118), 5000);                                            // Hz, gain 100
  f.refresh(false);
  EXPECT_EQ(bank.u16(37100), 0);  // meter offline
}

TEST(SimRegisters, WritesAreValidatedAndRejectedWritesLeaveNoTrace) {
  Fixture f;
  f.refresh();
  EXPECT_EQ(f.inverter.write(f.house, 32080, {0, 1}), ModbusException::kIllegalDataAddress);
  EXPECT_EQ(f.inverter.write(f.house, 40126, {0, 20000}), ModbusException::kIllegalDataValue);
  EXPECT_EQ(f.inverter.bank().u32(40126), 10000u);
  EXPECT_EQ(f.inverter.write(f.house, 40125, {1001}), ModbusException::kIllegalDataValue);
  EXPECT_EQ(f.inverter.write(f.house, 47415, {4}), ModbusException::kIllegalDataValue);
  EXPECT_EQ(f.inverter.write(f.house, 47415, {6}), ModbusException::kNone);
  EXPECT_EQ(f.inverter.write(f.house, 47416, {0xFFFF, 0xFC18}), ModbusException::kNone);  // -1000
  EXPECT_EQ(f.house.inverters()[0].controls.grid_limit_w, -1000.0);
  EXPECT_EQ(f.inverter.write(f.house, 47086, {9}), ModbusException::kIllegalDataValue);
  EXPECT_EQ(f.inverter.write(f.house, 47086, {4}), ModbusException::kNone);
  EXPECT_EQ(f.house.inverters()[0].battery->controls.mode, StorageMode::kFullyFedToGrid);
}

TEST(SimRegisters, BatteryRegistersNeedABattery) {
  auto s = scenario_from("inverters: [{name: inv1}]\n");
  House house(s, make_pv_profile(s), make_load_profile(s));
  Sun2000Device inverter(house.inverters()[0], 0, 0);
  inverter.refresh(house, {house.meter(), true});
  EXPECT_EQ(inverter.bank().u16(47000), 0);  // no battery
  EXPECT_EQ(inverter.write(house, 47100, {1}), ModbusException::kIllegalDataAddress);
  EXPECT_EQ(inverter.bank().u16(37100), 0);  // no meter on RS485-2
}

float float_at(const RegisterBank &bank, uint16_t address) {
  const uint32_t bits = bank.u32(address);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

TEST(SimRegisters, Dtsu666FloatsAreBigEndianWithImportPositive) {
  auto s = scenario_from("inverters: [{name: inv1, pv_kwp: 0}]\nmeter: {unit: 11}\n");
  House house(s, make_pv_profile(s), make_load_profile(s));
  house.set_load_override_w(2400);
  house.advance(1000);
  Dtsu666Device meter(s.meter);
  meter.refresh(house, {house.meter(), true});
  const auto &bank = meter.bank();
  EXPECT_EQ(float_at(bank, 0x2012), 2400.0f);  // Pt, + import (protocols.md §4)
  EXPECT_EQ(float_at(bank, 0x2014), 800.0f);
  EXPECT_EQ(bank.u16(0x2012), 0x4516);  // 2400.0f = 0x45160000: high word first (ABCD)
  EXPECT_EQ(bank.u16(0x2013), 0x0000);
  EXPECT_EQ(float_at(bank, 0x401E), static_cast<float>(house.energy().import_wh / 1000.0));
  EXPECT_EQ(float_at(bank, 2126), 2400.0f);  // Huawei block
  EXPECT_EQ(meter.check_read(0x2000, 0x34), ModbusException::kNone);
  EXPECT_EQ(meter.check_read(0x3000, 2), ModbusException::kIllegalDataAddress);

  auto chint = s;
  chint.meter.scale = MeterScale::kChint;
  Dtsu666Device scaled(chint.meter);
  scaled.refresh(house, {house.meter(), true});
  EXPECT_EQ(float_at(scaled.bank(), 0x2012), 24000.0f);  // 0.1 W
}

TEST(SimFrames, CrcMatchesTheModbusSpecExample) {
  const uint8_t request[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
  EXPECT_EQ(crc16_modbus(request, sizeof request), 0xCDC5);  // sent as C5 CD
  const auto frame = frame_rtu(1, Bytes(request + 1, request + 6));
  EXPECT_EQ(frame, (Bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD}));
  EXPECT_TRUE(rtu_crc_ok(frame.data(), frame.size()));
  auto broken = frame;
  break_crc(broken);
  EXPECT_FALSE(rtu_crc_ok(broken.data(), broken.size()));
  EXPECT_EQ(rtu_request_length(frame.data(), 1), 0u);
  EXPECT_EQ(rtu_request_length(frame.data(), frame.size()), 8u);
  const uint8_t write_multiple[] = {0x01, 0x10, 0x9C, 0xBE, 0x00, 0x02, 0x04};
  EXPECT_EQ(rtu_request_length(write_multiple, sizeof write_multiple), 13u);
}

TEST(SimFrames, RepliesAndExceptions) {
  Fixture f;
  f.refresh();
  const uint8_t read_pmax[] = {0x03, 0x75, 0x7B, 0x00, 0x02};  // 30075, 2 registers
  auto reply = reply_pdu(f.inverter, f.house, read_pmax, sizeof read_pmax);
  EXPECT_EQ(reply, (Bytes{0x03, 0x04, 0x00, 0x00, 0x27, 0x10}));  // 10000 W
  const uint8_t read_hole[] = {0x03, 0x7D, 0x00, 0x00, 0x02};     // 32000: mapped
  EXPECT_EQ(reply_pdu(f.inverter, f.house, read_hole, 5).size(), 6u);
  const uint8_t read_unmapped[] = {0x03, 0x88, 0xB8, 0x00, 0x02};  // 35000
  EXPECT_EQ(reply_pdu(f.inverter, f.house, read_unmapped, 5), (Bytes{0x83, 0x02}));
  const uint8_t input_registers[] = {0x04, 0x7D, 0x00, 0x00, 0x02};
  EXPECT_EQ(reply_pdu(f.inverter, f.house, input_registers, 5), (Bytes{0x84, 0x01}));
  // 0x10 to 40126 (0x9CBE), two registers: 0x00000BB8 = 3000 W.
  const uint8_t write[] = {0x10, 0x9C, 0xBE, 0x00, 0x02, 0x04, 0x00, 0x00, 0x0B, 0xB8};
  EXPECT_EQ(reply_pdu(f.inverter, f.house, write, sizeof write),
            (Bytes{0x10, 0x9C, 0xBE, 0x00, 0x02}));
  EXPECT_EQ(f.house.inverters()[0].controls.derating_w, 3000.0);
  auto malformed = reply;
  make_malformed(malformed);
  EXPECT_EQ(malformed[1], 6);  // claims 3 registers, carries 2
}

TEST(SimFrames, ReadDeviceIdentification) {
  Fixture f;
  const uint8_t basic[] = {0x2B, 0x0E, 0x01, 0x00};
  const auto reply = reply_pdu(f.inverter, f.house, basic, sizeof basic);
  ASSERT_GE(reply.size(), 7u);
  EXPECT_EQ(reply[6], 3);  // vendor, product code, revision
  EXPECT_EQ(std::string(reply.begin() + 9, reply.begin() + 15), "HUAWEI");
  const uint8_t huawei[] = {0x2B, 0x0E, 0x04, 0x87};
  const auto device_list = reply_pdu(f.inverter, f.house, huawei, sizeof huawei);
  const std::string text(device_list.begin() + 9, device_list.end());
  EXPECT_EQ(text, "1=SUN2000-10KTL-M1;2=V100R001C00SPC100;4=HV123;5=3");
  const uint8_t missing[] = {0x2B, 0x0E, 0x04, 0x42};
  EXPECT_EQ(reply_pdu(f.inverter, f.house, missing, sizeof missing), (Bytes{0xAB, 0x02}));
}

TEST(SimScenario, DemoScenarioLoads) {
  const auto s =
      load_scenario(std::string(HEARTH_SOURCE_DIR) + "/configs/sim/demo.yaml", HEARTH_SOURCE_DIR);
  ASSERT_EQ(s.inverters.size(), 2u);
  EXPECT_TRUE(s.inverters[0].battery && s.inverters[1].battery);
  EXPECT_EQ(s.meter.wiring, MeterWiring::kOwnRtuBus);
  EXPECT_EQ(s.meter.unit, 11);
  EXPECT_EQ(s.endpoints.port_base, 15020);
  EXPECT_EQ(s.endpoints.pty_dir, "/tmp/hearth-sim");
  EXPECT_EQ(format_utc_iso8601(s.time.start_utc_s), "2024-06-25T10:30:00Z");
}

TEST(SimScenario, EveryShippedScenarioLoads) {
  int count = 0;
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(HEARTH_SOURCE_DIR) + "/configs/sim")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_scenario(entry.path(), HEARTH_SOURCE_DIR)) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 3);
}

void expect_error(const std::string &yaml, const std::string &fragment) {
  try {
    scenario_from(yaml);
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const ScenarioError &e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SimScenario, ErrorsNameFileLineAndKey) {
  expect_error("time:\n  sped: 3\n", "test.yaml:2: unknown key 'sped'");
  expect_error("inverters:\n  - {name: a, unit: 300}\n", "test.yaml:2: unit id must be 1..247");
  expect_error("time: {start: yesterday}\n", "test.yaml:1: time 'yesterday'");
  expect_error("inverters: [{name: a}, {name: a, unit: 2}]\n", "duplicate inverter a");
  expect_error("inverters: [{name: a}, {name: b}, {name: c}, {name: d}]\n", "at most 3 inverters");
  expect_error("inverters: [{name: a}]\nmeter: {wiring: behind_inverter, inverter: x}\n",
               "meter behind unknown inverter 'x'");
  expect_error("inverters: [{name: a, battery: {efficiency: 1.5}}]\n", "'efficiency' 0..1");
  expect_error("inverters: [{name: a, rated_w: many}]\n", "bad value for 'rated_w'");
}

TEST(SimScenario, MissingProfilesFallBackToBuiltIns) {
  const auto s = scenario_from("profiles: {pv_csv: ../nowhere/pv.csv}\n");
  EXPECT_TRUE(s.profiles.pv_csv.empty());
  EXPECT_FALSE(make_pv_profile(s).from_data());
}

double rms(const std::vector<double> &samples) {
  double sum = 0;
  for (double x : samples) sum += x * x;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

TEST(SimCt, GainErrorAndSkewShowInTheSamples) {
  PhaseReading phase{230.0, 10.0, 2300.0};
  CtChannel exact({1, 0.0, 0.0});
  CtChannel skewed({1, 0.02, 500.0});
  // 10 whole cycles at 50 Hz, 4 kHz.
  const auto a = exact.sample(phase, 50.0, 0, 800, 4000.0);
  const auto b = skewed.sample(phase, 50.0, 0, 800, 4000.0);
  EXPECT_NEAR(rms(a.voltage_v), 230.0, 0.01);
  EXPECT_NEAR(rms(a.current_a), 10.0, 0.01);
  EXPECT_NEAR(rms(b.current_a), 10.2, 0.01);
  EXPECT_EQ(b.current_skew_ns, 500'000);
  // The current of the skewed channel leads by 500 us = 9 degrees at 50 Hz: p = V I cos(9 deg).
  double p = 0;
  for (size_t k = 0; k < b.voltage_v.size(); ++k) p += b.voltage_v[k] * b.current_a[k];
  p /= static_cast<double>(b.voltage_v.size());
  EXPECT_NEAR(p, 230.0 * 10.2 * std::cos(2 * M_PI * 50.0 * 500e-6), 0.5);
}

TEST(SimCt, SimulatorSamplesTheGridPointPerChannel) {
  Simulator sim(
      scenario_from("inverters: [{name: inv1, pv_kwp: 0}]\n"
                    "ct_channels: [{phase: 1, gain_error: 0.05}, {phase: 3, skew_us: 100}]\n"));
  sim.with_house([](House &house) {
    house.set_load_override_w(6900);
    house.advance(1000);
    return 0;
  });
  const auto blocks = sim.sample_ct(0, 800, 4000.0);
  ASSERT_EQ(blocks.size(), 2u);
  const double phase_a =
      sim.with_house([](House &house) { return house.meter().phase[0].current_a; });
  EXPECT_NEAR(phase_a, 2300.0 / 227.7, 1e-9);  // 2.3 kW per phase, voltage sag 1 V/kW
  EXPECT_NEAR(rms(blocks[0].current_a), phase_a * 1.05, 0.01);
  EXPECT_EQ(blocks[1].current_skew_ns, 100'000);
}

}  // namespace
}  // namespace hearth::sim
