// huawei-sun2000 loaded from its .so into the fake host, against a scripted SUN2000 + LUNA2000 +
// meter register map (protocols.md §1, §2). Time moves only when a test says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <hearth/plugin.hpp>
#include <hearth/testing/fake_host.hpp>
#include <string>

namespace {

using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;
using hearth::testing::ModbusRecord;
using hearth::testing::Params;

constexpr int32_t kUnit = 3;
constexpr uint32_t kPmaxW = 10000;

std::vector<uint16_t> u32(uint32_t v) {
  return {static_cast<uint16_t>(v >> 16), static_cast<uint16_t>(v & 0xffff)};
}
std::vector<uint16_t> i32(int32_t v) {
  return u32(static_cast<uint32_t>(v));
}
std::vector<uint16_t> ascii(const std::string &s, size_t registers) {
  std::vector<uint16_t> out(registers, 0);
  for (size_t i = 0; i < s.size() && i / 2 < registers; ++i)
    out[i / 2] |= static_cast<uint16_t>(static_cast<uint8_t>(s[i]) << (i % 2 ? 0 : 8));
  return out;
}

// A SUN2000-10KTL with a LUNA2000 and a meter, every register the driver reads defined.
class ScriptedInverter {
 public:
  explicit ScriptedInverter(hearth::testing::FakeModbus &bus) : bus_(bus) {
    zero(30000, 83);
    set(30000, ascii("SUN2000-10KTL-M1", 15));
    set(30015, ascii("HV2150012345", 10));
    set(30035, ascii("V100R001C00SPC100", 15));
    set(30073, u32(kPmaxW));
    set(30075, u32(kPmaxW));
    zero(32000, 120);
    set(32016, {6123, 812, 5980, 790});  // PV1 612.3 V 8.12 A, PV2 598.0 V 7.90 A
    set(32064, i32(9800));               // DC input power
    set(32069, {2301, 2312, 2289});      // phase voltages, gain 10
    set(32072, i32(13250));              // phase A current, gain 1000
    set(32080, i32(-1234));              // AC power: negative when charging from the grid
    set(32085, {4998});                  // grid frequency, gain 100
    set(32087, {453});                   // 45.3 degC
    set(32089, {0x0200});                // on-grid
    set(32091, u32(1719300000));         // startup time
    set(32106, u32(1234567));            // total yield 12345.67 kWh
    set(32114, u32(2345));               // daily yield 23.45 kWh
    zero(40122, 6);
    set(40125, {1000});
    set(40126, u32(kPmaxW));
    zero(37000, 60);
    set(37046, u32(5000));
    set(37048, u32(4500));
    zero(37758, 30);
    set(37758, u32(10000));
    set(37760, {555});       // SOC 55.5 %
    set(37762, {2});         // running
    set(37765, i32(-1500));  // discharging 1500 W
    set(37784, u32(120));    // charged today 1.2 kWh
    zero(47075, 15);
    set(47086, {2});  // max self-consumption
    zero(47100, 3);
    zero(47242, 9);
    zero(37100, 39);
    set(37100, {1});         // meter online
    set(37101, i32(2305));   // 230.5 V
    set(37107, i32(-1200));  // the inverter signs currents like the power: export
    set(37113, i32(2500));   // + export (Huawei): 2500 W fed in
    set(37118, {5001});
    set(37119, i32(-98765));  // export 987.65 kWh, signed negative by some firmwares
    set(37121, i32(45678));   // import 456.78 kWh
    set(37132, i32(900));
  }
  void set(uint32_t address, const std::vector<uint16_t> &values) {
    bus_.set_holding(kUnit, address, values);
  }
  void zero(uint32_t address, uint32_t count) { set(address, std::vector<uint16_t>(count, 0)); }
  uint32_t holding_u32(uint32_t address) const {
    return (uint32_t{*bus_.holding(kUnit, address)} << 16) | *bus_.holding(kUnit, address + 1);
  }

 private:
  hearth::testing::FakeModbus &bus_;
};

class Sun2000Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(host_.load_library(HUAWEI_SUN2000_PLUGIN), nullptr) << host_.load_error();
  }
  void TearDown() override {
    for (const auto &v : host_.violations()) ADD_FAILURE() << v.device << ": " << v.rule;
  }
  FakeDevice &start(Params extra = {}) {
    Params params{{"unit", kUnit}, {"battery", true}, {"meter", true}};
    for (auto &[k, v] : extra) params.insert_or_assign(k, v);
    FakeDevice &inverter = host_.create_device("inverter-1", "huawei-sun2000", params);
    EXPECT_EQ(inverter.create_status(), HEARTH_OK) << inverter.last_error();
    EXPECT_EQ(inverter.start(), HEARTH_OK) << inverter.last_error();
    return inverter;
  }
  std::vector<ModbusRecord> requests_at(uint32_t address, int32_t function) {
    std::vector<ModbusRecord> out;
    for (const auto &r : host_.modbus().requests())
      if (r.request.address == address && r.request.function == function) out.push_back(r);
    return out;
  }
  std::vector<ModbusRecord> writes() {
    std::vector<ModbusRecord> out;
    for (const auto &r : host_.modbus().requests())
      if (r.request.function == HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS ||
          r.request.function == HEARTH_MODBUS_WRITE_SINGLE_REGISTER)
        out.push_back(r);
    return out;
  }
  static bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
  }

  FakeHost host_;
  ScriptedInverter inverter_{host_.modbus()};
};

TEST_F(Sun2000Test, ReadsIdentityAndRegistersItsCapabilities) {
  FakeDevice &dev = start();
  host_.run_pending();
  EXPECT_EQ(dev.model, "SUN2000-10KTL-M1");
  EXPECT_EQ(dev.serial, "HV2150012345");
  EXPECT_EQ(dev.firmware, "V100R001C00SPC100");
  EXPECT_EQ(dev.point("rated_w").last().number(), 10000.0);
  EXPECT_EQ(dev.point("rated_w").max_age_ms, 0u);
  EXPECT_TRUE(dev.online());
  for (const char *capability : {"pv_inverter", "battery", "grid_meter"})
    EXPECT_EQ(dev.capabilities.count(capability), 1u) << capability;
  const auto &limits = dev.capabilities.at("pv_inverter");
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_STREQ(limits[0].name, "rated_w");
  EXPECT_EQ(limits[0].value.as.d, 10000.0);
}

TEST_F(Sun2000Test, DecodesBigEndianWordsGainsAndHearthSigns) {
  FakeDevice &dev = start();
  host_.advance_ms(10);
  EXPECT_EQ(dev.point("power_w").last().number(), -1234.0);
  EXPECT_EQ(dev.point("pv_power_w").last().number(), 9800.0);
  EXPECT_DOUBLE_EQ(dev.point("pv1_voltage_v").last().number(), 612.3);
  EXPECT_DOUBLE_EQ(dev.point("pv2_current_a").last().number(), 7.90);
  EXPECT_DOUBLE_EQ(dev.point("ac_voltage_l2_v").last().number(), 231.2);
  EXPECT_DOUBLE_EQ(dev.point("ac_current_l1_a").last().number(), 13.25);
  EXPECT_DOUBLE_EQ(dev.point("ac_frequency_hz").last().number(), 49.98);
  EXPECT_DOUBLE_EQ(dev.point("temperature_degc").last().number(), 45.3);
  EXPECT_EQ(dev.point("state").last().text(), "on_grid");
  EXPECT_EQ(dev.point("daily_yield_wh").last().number(), 23450.0);
  EXPECT_EQ(dev.point("total_yield_wh").last().number(), 12345670.0);
  // Battery: + charge / - discharge, the same sign as Huawei's 37765 (§2).
  EXPECT_DOUBLE_EQ(dev.point("battery_soc_pct").last().number(), 55.5);
  EXPECT_EQ(dev.point("battery_power_w").last().number(), -1500.0);
  EXPECT_EQ(dev.point("battery_state").last().text(), "running");
  EXPECT_EQ(dev.point("battery_mode").last().text(), "max_self_consumption");
  EXPECT_EQ(dev.point("battery_charged_today_wh").last().number(), 1200.0);
  // Meter: Huawei's 37113 is + export; Hearth's grid power is + import.
  EXPECT_EQ(dev.point("grid_power_w").last().number(), -2500.0);
  EXPECT_EQ(dev.point("grid_power_l1_w").last().number(), -900.0);
  EXPECT_DOUBLE_EQ(dev.point("grid_current_l1_a").last().number(), 12.0);
  EXPECT_DOUBLE_EQ(dev.point("grid_voltage_l1_v").last().number(), 230.5);
  EXPECT_EQ(dev.point("grid_export_wh").last().number(), 987650.0);
  EXPECT_EQ(dev.point("grid_import_wh").last().number(), 456780.0);
  EXPECT_EQ(dev.point("grid_power_w").last().quality, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(dev.point("grid_power_w").last().sampled_mono_ns, host_.now_mono_ns() - 10'000'000);
}

TEST_F(Sun2000Test, ReadsEachGroupAtItsPriorityAndInterval) {
  FakeDevice &dev = start();
  host_.advance_ms(60'000);
  // Fast: AC power at METER priority every second; yields at POLL priority every 60 s.
  const auto fast = requests_at(32080, HEARTH_MODBUS_READ_HOLDING_REGISTERS);
  ASSERT_EQ(fast.size(), 61u);
  EXPECT_EQ(fast[0].request.priority, HEARTH_PRIO_METER);
  EXPECT_EQ(fast[0].request.count, 2u);
  EXPECT_EQ(fast[1].submitted_mono_ns - fast[0].submitted_mono_ns, 1'000'000'000);
  const auto yields = requests_at(32106, HEARTH_MODBUS_READ_HOLDING_REGISTERS);
  ASSERT_EQ(yields.size(), 2u);
  EXPECT_EQ(yields[0].request.priority, HEARTH_PRIO_POLL);
  EXPECT_EQ(dev.point("power_w").max_age_ms, 3000u);
  EXPECT_EQ(dev.point("grid_power_w").max_age_ms, 3000u);
  EXPECT_EQ(dev.point("pv_power_w").max_age_ms, 15000u);
  EXPECT_EQ(dev.point("daily_yield_wh").max_age_ms, 180000u);
  // Every request carries a deadline: a poll the link cannot start in time is dropped.
  EXPECT_EQ(fast[0].request.deadline_mono_ns, fast[0].submitted_mono_ns + 1'000'000'000);
}

TEST_F(Sun2000Test, ReadsInAsFewBlocksAsTheCapAllows) {
  start({{"max_block_registers", 41}});
  host_.advance_ms(10);
  size_t reads = 0;
  for (const auto &r : host_.modbus().requests()) {
    EXPECT_LE(r.request.count, 41u) << "read at " << r.request.address;
    ++reads;
  }
  // Identity 41 + 9 + 7; fast 3 blocks; normal: status, strings, measurements, limits, battery
  // (3) and meter (1); yields 1.
  EXPECT_EQ(requests_at(30000, HEARTH_MODBUS_READ_HOLDING_REGISTERS)[0].request.count, 41u);
  EXPECT_EQ(requests_at(30041, HEARTH_MODBUS_READ_HOLDING_REGISTERS)[0].request.count, 9u);
  EXPECT_EQ(requests_at(37100, HEARTH_MODBUS_READ_HOLDING_REGISTERS).back().request.count, 39u);
  EXPECT_EQ(reads, 3u + 3u + 8u + 1u);
}

TEST_F(Sun2000Test, WritesTheLimitInOneBlockAndReadsItBack) {
  FakeDevice &dev = start();
  host_.run_pending();
  const uint64_t id = dev.command("pv_inverter", "set_active_power_limit_w",
                                  {{"limit_w", hearth::make_value(3000.0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(id).status, HEARTH_OK) << dev.command_record(id).message;
  const auto written = writes();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].request.address, 40125u);
  EXPECT_EQ(written[0].request.count, 3u);
  EXPECT_EQ(written[0].request.priority, HEARTH_PRIO_CONTROL);
  EXPECT_EQ(written[0].request.values[0], 1000);  // the % cap back to 100.0 %
  EXPECT_EQ(inverter_.holding_u32(40126), 3000u);
  // The read-back after the write.
  const auto reads = requests_at(40125, HEARTH_MODBUS_READ_HOLDING_REGISTERS);
  EXPECT_TRUE(std::any_of(reads.begin(), reads.end(), [&](const ModbusRecord &r) {
    return r.request.priority == HEARTH_PRIO_CONTROL && r.id > written[0].id;
  }));

  const uint64_t pct = dev.command("pv_inverter", "set_active_power_limit_pct",
                                   {{"limit_pct", hearth::make_value(60.0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(pct).status, HEARTH_OK);
  EXPECT_EQ(*host_.modbus().holding(kUnit, 40125), 600);  // gain 10
  EXPECT_EQ(inverter_.holding_u32(40126), kPmaxW);
}

TEST_F(Sun2000Test, RefusesALimitOutsideItsRangeAndClampsToPmax) {
  FakeDevice &dev = start();
  host_.run_pending();
  const uint64_t negative = dev.command("pv_inverter", "set_active_power_limit_w",
                                        {{"limit_w", hearth::make_value(-1.0)}});
  EXPECT_EQ(dev.command_record(negative).status, HEARTH_E_INVALID);
  const uint64_t pct = dev.command("pv_inverter", "set_active_power_limit_pct",
                                   {{"limit_pct", hearth::make_value(101.0)}});
  EXPECT_EQ(dev.command_record(pct).status, HEARTH_E_INVALID);
  const uint64_t big = dev.command("pv_inverter", "set_active_power_limit_w",
                                   {{"limit_w", hearth::make_value(25000.0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(big).status, HEARTH_OK);
  EXPECT_EQ(inverter_.holding_u32(40126), kPmaxW);
}

TEST_F(Sun2000Test, WritesTheLimitAgainWhenARestartResetIt) {
  FakeDevice &dev = start();
  host_.run_pending();
  dev.command("pv_inverter", "set_active_power_limit_w", {{"limit_w", hearth::make_value(2000.0)}});
  host_.advance_ms(10);
  ASSERT_EQ(inverter_.holding_u32(40126), 2000u);
  // The inverter restarts: controls back to their defaults, a new startup time.
  inverter_.set(40126, u32(kPmaxW));
  inverter_.set(32091, u32(1719400000));
  host_.advance_ms(5000);  // the next normal cycle reads the limit block
  EXPECT_EQ(inverter_.holding_u32(40126), 2000u);
  EXPECT_TRUE(host_.logged("no longer in force"));
  EXPECT_TRUE(host_.logged("restarted"));
  EXPECT_EQ(writes().size(), 2u);
  host_.advance_ms(10'000);
  EXPECT_EQ(writes().size(), 2u);  // in force again: no further writes
}

TEST_F(Sun2000Test, GoesOfflineWithAReasonBacksOffAndRewritesTheLimitOnRecovery) {
  FakeDevice &dev = start({{"retry_min", "2s"}, {"retry_max", "8s"}});
  host_.run_pending();
  dev.command("pv_inverter", "set_active_power_limit_w", {{"limit_w", hearth::make_value(4000.0)}});
  host_.advance_ms(10);
  ASSERT_TRUE(dev.online());
  host_.modbus().set_silent(kUnit, true);
  host_.advance_ms(2500);  // fast reads time out after 1 s each: two failures, still online
  EXPECT_TRUE(dev.online());
  host_.advance_ms(2000);  // the third in a row
  EXPECT_FALSE(dev.online());
  EXPECT_TRUE(contains(dev.health_reason(), "HEARTH_E_TIMEOUT")) << dev.health_reason();
  EXPECT_TRUE(contains(dev.health_reason(), "unit 3")) << dev.health_reason();
  EXPECT_TRUE(dev.alarm_active(1));
  const size_t published = dev.point("power_w").publications.size();

  // While offline only the identity is probed, 2, 4, 8, 8 s apart.
  const size_t before = host_.modbus().requests().size();
  host_.advance_ms(30'000);
  EXPECT_EQ(dev.point("power_w").publications.size(), published);
  const auto probes = requests_at(30000, HEARTH_MODBUS_READ_HOLDING_REGISTERS);
  EXPECT_LE(host_.modbus().requests().size() - before, 2 * 5u);
  ASSERT_GE(probes.size(), 4u);
  const auto gap = [&](size_t i) {
    return (probes[i + 1].submitted_mono_ns - probes[i].submitted_mono_ns) / 1'000'000'000;
  };
  EXPECT_EQ(gap(probes.size() - 2), 9);  // 8 s backoff + 1 s timeout of the probe itself

  // It comes back after a restart: the limit is gone and is written again.
  inverter_.set(40126, u32(kPmaxW));
  host_.modbus().set_silent(kUnit, false);
  host_.advance_ms(9000);
  EXPECT_TRUE(dev.online());
  EXPECT_FALSE(dev.alarm_active(1));
  EXPECT_EQ(inverter_.holding_u32(40126), 4000u);
  EXPECT_GT(dev.point("power_w").publications.size(), published);
}

TEST_F(Sun2000Test, KeepsALimitCommandedWhileOfflineAndWritesItWhenItAnswers) {
  host_.modbus().set_silent(kUnit, true);
  FakeDevice &dev = start({{"retry_min", "1s"}});
  host_.advance_ms(1100);
  EXPECT_FALSE(dev.online());
  EXPECT_TRUE(contains(dev.health_reason(), "no valid answer from unit 3"));
  const uint64_t id = dev.command("pv_inverter", "set_active_power_limit_w",
                                  {{"limit_w", hearth::make_value(1500.0)}});
  EXPECT_EQ(dev.command_record(id).status, HEARTH_E_IO);
  host_.modbus().set_silent(kUnit, false);
  host_.advance_ms(3000);
  EXPECT_TRUE(dev.online());
  EXPECT_EQ(inverter_.holding_u32(40126), 1500u);
}

TEST_F(Sun2000Test, NamesTheExceptionOfAFailingBlockAndPublishesNothingFromIt) {
  FakeDevice &dev = start({{"offline_after", 1}});
  host_.run_pending();
  ASSERT_TRUE(dev.online());
  const size_t published = dev.point("power_w").publications.size();
  host_.modbus().set_exception(kUnit, 32080, 6);  // slave busy
  host_.advance_ms(1000);
  EXPECT_FALSE(dev.online());
  EXPECT_TRUE(contains(dev.health_reason(), "exception 6")) << dev.health_reason();
  EXPECT_TRUE(contains(dev.health_reason(), "32080")) << dev.health_reason();
  EXPECT_EQ(dev.point("power_w").publications.size(), published);
}

TEST_F(Sun2000Test, MarksMeterValuesInvalidWhenTheMeterIsOffline) {
  FakeDevice &dev = start();
  host_.run_pending();
  inverter_.set(37100, {0});
  host_.advance_ms(1000);
  EXPECT_EQ(dev.point("grid_power_w").last().quality, HEARTH_QUALITY_INVALID);
  EXPECT_TRUE(dev.alarm_active(2));
  EXPECT_EQ(dev.point("power_w").last().quality, HEARTH_QUALITY_GOOD);
  inverter_.set(37100, {1});
  host_.advance_ms(1000);
  EXPECT_EQ(dev.point("grid_power_w").last().quality, HEARTH_QUALITY_GOOD);
  EXPECT_FALSE(dev.alarm_active(2));
}

TEST_F(Sun2000Test, MapsAlarmBitsToHearthAlarmsWithSeverities) {
  FakeDevice &dev = start();
  inverter_.set(32008, {1u << 7 | 1u << 3});  // grid loss, and a bit without a name
  inverter_.set(32089, {0x0300});
  host_.advance_ms(10);
  ASSERT_TRUE(dev.alarm_active(2032));
  EXPECT_EQ(dev.alarms.at(2032).severity, HEARTH_SEVERITY_MAJOR);
  EXPECT_TRUE(contains(dev.alarms.at(2032).text, "grid loss"));
  ASSERT_TRUE(dev.alarm_active(10003));
  EXPECT_EQ(dev.alarms.at(10003).severity, HEARTH_SEVERITY_WARNING);
  EXPECT_TRUE(dev.alarm_active(4));  // shutdown on a fault
  EXPECT_EQ(dev.point("state").last().text(), "shutdown_fault");
  inverter_.set(32008, {0});
  host_.advance_ms(5000);
  EXPECT_FALSE(dev.alarm_active(2032));
  EXPECT_FALSE(dev.alarm_active(10003));
  EXPECT_EQ(dev.alarms.at(2032).raise_count, 1);
}

TEST_F(Sun2000Test, ChargesTheBatteryWithTheForcibleSequenceInOrder) {
  FakeDevice &dev = start({{"forcible_duration", "30min"}});
  host_.advance_ms(10);
  const uint64_t id =
      dev.command("battery", "set_power_w", {{"power_w", hearth::make_value(-2000.0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(id).status, HEARTH_OK) << dev.command_record(id).message;
  const auto written = writes();
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(written[0].request.address, 47246u);  // target mode, charge power, discharge power
  EXPECT_EQ(inverter_.holding_u32(47249), 2000u);
  EXPECT_EQ(inverter_.holding_u32(47247), 0u);
  EXPECT_EQ(written[1].request.address, 47083u);
  EXPECT_EQ(*host_.modbus().holding(kUnit, 47083), 30);
  EXPECT_EQ(written[2].request.address, 47100u);  // the command last
  EXPECT_EQ(*host_.modbus().holding(kUnit, 47100), 2);

  const uint64_t too_much =
      dev.command("battery", "set_power_w", {{"power_w", hearth::make_value(9000.0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(too_much).status, HEARTH_OK);
  EXPECT_TRUE(contains(dev.command_record(too_much).message, "clamped to 5000"));
  EXPECT_EQ(inverter_.holding_u32(47247), 5000u);
  const uint64_t stop = dev.command("battery", "set_power_w", {{"power_w", hearth::make_value(0)}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(stop).status, HEARTH_OK);
  EXPECT_EQ(*host_.modbus().holding(kUnit, 47100), 0);
}

TEST_F(Sun2000Test, SetsTheStorageModeByNameAndRefusesUnknownNames) {
  FakeDevice &dev = start();
  host_.advance_ms(10);
  const uint64_t id =
      dev.command("battery", "set_mode", {{"mode", hearth::make_value("fully_fed_to_grid")}});
  host_.advance_ms(10);
  EXPECT_EQ(dev.command_record(id).status, HEARTH_OK) << dev.command_record(id).message;
  EXPECT_EQ(*host_.modbus().holding(kUnit, 47086), 4);
  const uint64_t bad = dev.command("battery", "set_mode", {{"mode", hearth::make_value("turbo")}});
  EXPECT_EQ(dev.command_record(bad).status, HEARTH_E_INVALID);
  EXPECT_TRUE(contains(dev.command_record(bad).message, "max_self_consumption"));
}

TEST_F(Sun2000Test, RegistersFailSafeWritesCappedToTheFailSafeLimit) {
  FakeDevice &dev = start({{"failsafe_limit_w", 800}});
  host_.run_pending();
  ASSERT_EQ(dev.failsafe_writes.size(), 2u);
  const auto &cap = dev.failsafe_writes[0];
  EXPECT_EQ(cap.function, HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS);
  EXPECT_EQ(cap.unit, kUnit);
  EXPECT_EQ(cap.address, 40125u);
  EXPECT_EQ(cap.priority, HEARTH_PRIO_SAFETY);
  EXPECT_EQ(cap.values[0], 1000);
  EXPECT_EQ((uint32_t{cap.values[1]} << 16) | cap.values[2], 800u);
  EXPECT_EQ(dev.failsafe_writes[1].address, 47100u);  // forcible charge/discharge stopped
  EXPECT_EQ(dev.failsafe_writes[1].values[0], 0);
}

TEST_F(Sun2000Test, WithoutBatteryOrMeterReadsAndOffersNeitherAndRefusesBatteryCommands) {
  FakeDevice &dev = start({{"battery", false}, {"meter", false}});
  host_.advance_ms(5000);
  EXPECT_FALSE(dev.has_point("battery_soc_pct"));
  EXPECT_FALSE(dev.has_point("grid_power_w"));
  EXPECT_EQ(dev.capabilities.count("battery"), 0u);
  for (const auto &r : host_.modbus().requests()) {
    const uint32_t a = r.request.address;
    EXPECT_FALSE((a >= 37000 && a < 38000) || a >= 47000) << "battery or meter read at " << a;
  }
  const uint64_t id =
      dev.command("battery", "set_power_w", {{"power_w", hearth::make_value(100.0)}});
  EXPECT_EQ(dev.command_record(id).status, HEARTH_E_NOT_SUPPORTED);
}

TEST_F(Sun2000Test, RequiresAUnitId) {
  FakeDevice &dev = host_.create_device("x", "huawei-sun2000", {});
  EXPECT_EQ(dev.create_status(), HEARTH_E_INVALID);
  EXPECT_TRUE(contains(dev.last_error(), "unit")) << dev.last_error();
}

}  // namespace
