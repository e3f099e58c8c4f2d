// The example meter plugin, loaded from its .so into the fake host: what a vendor's unit tests
// look like. Modbus answers are scripted; time moves only when the test says so.
#include <gtest/gtest.h>

#include <hearth/testing/fake_host.hpp>

namespace {

using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;
using hearth::testing::Params;

constexpr int32_t kUnit = 7;

// Registers for power (I32), import and export energy (U32, counts), voltage and frequency.
std::vector<uint16_t> block(int32_t power_w, uint32_t import_counts, uint32_t export_counts,
                            uint16_t decivolts, uint16_t centihertz) {
  const auto p = static_cast<uint32_t>(power_w);
  return {static_cast<uint16_t>(p >> 16),
          static_cast<uint16_t>(p & 0xffff),
          static_cast<uint16_t>(import_counts >> 16),
          static_cast<uint16_t>(import_counts & 0xffff),
          static_cast<uint16_t>(export_counts >> 16),
          static_cast<uint16_t>(export_counts & 0xffff),
          decivolts,
          centihertz};
}

class ExampleMeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(host_.load_library(EXAMPLE_METER_PLUGIN), nullptr) << host_.load_error();
    host_.modbus().set_holding(kUnit, 100, block(-1500, 123456, 7890, 2301, 4998));
  }
  FakeDevice &start_meter(Params extra = {}) {
    Params params{{"unit", kUnit}, {"first_register", 100}};
    for (auto &[k, v] : extra) params.insert_or_assign(k, v);
    FakeDevice &meter = host_.create_device("grid", "example-modbus-meter", params);
    EXPECT_EQ(meter.create_status(), HEARTH_OK) << meter.last_error();
    EXPECT_EQ(meter.start(), HEARTH_OK) << meter.last_error();
    return meter;
  }
  void TearDown() override {
    for (const auto &v : host_.violations()) ADD_FAILURE() << v.device << ": " << v.rule;
  }
  FakeHost host_;
};

TEST_F(ExampleMeterTest, DescribesItselfAndItsParameters) {
  FakeDevice &meter = start_meter();
  EXPECT_EQ(meter.points.size(), 5u);
  EXPECT_EQ(meter.point("power_w").unit, "W");
  EXPECT_EQ(meter.point("energy_import_wh").unit, "Wh");
  EXPECT_EQ(meter.point("power_w").max_age_ms, 3000u);  // three default poll intervals
  EXPECT_EQ(meter.capabilities.count("grid_meter"), 1u);
}

TEST_F(ExampleMeterTest, PublishesGridPowerWithImportPositiveAndScaledEnergy) {
  FakeDevice &meter = start_meter();
  host_.run_pending();
  const auto &power = meter.point("power_w").last();
  EXPECT_EQ(power.number(), -1500.0);  // the meter counts import positive: this is export
  EXPECT_EQ(power.quality, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(power.sampled_mono_ns, host_.now_mono_ns());
  EXPECT_EQ(meter.point("energy_import_wh").last().number(), 1234560.0);
  EXPECT_EQ(meter.point("energy_export_wh").last().number(), 78900.0);
  EXPECT_DOUBLE_EQ(meter.point("voltage_v").last().number(), 230.1);
  EXPECT_DOUBLE_EQ(meter.point("frequency_hz").last().number(), 49.98);
  EXPECT_TRUE(meter.online());
}

TEST_F(ExampleMeterTest, InvertsAMeterThatCountsExportPositive) {
  FakeDevice &meter = start_meter({{"power_sign", "export-positive"}});
  host_.run_pending();
  EXPECT_EQ(meter.point("power_w").last().number(), 1500.0);
}

TEST_F(ExampleMeterTest, PollsOncePerIntervalFromTheHoldingRegisterBlock) {
  start_meter({{"poll_interval", "250ms"}});
  host_.advance_ms(1000);
  const auto &requests = host_.modbus().requests();
  ASSERT_EQ(requests.size(), 5u);  // at 0, 250, 500, 750 and 1000 ms
  for (const auto &r : requests) {
    EXPECT_EQ(r.request.function, HEARTH_MODBUS_READ_HOLDING_REGISTERS);
    EXPECT_EQ(r.request.unit, kUnit);
    EXPECT_EQ(r.request.address, 100u);
    EXPECT_EQ(r.request.count, 8u);
    EXPECT_EQ(r.request.priority, HEARTH_PRIO_METER);
  }
  EXPECT_EQ(requests[4].submitted_mono_ns - requests[0].submitted_mono_ns, 1'000'000'000);
}

TEST_F(ExampleMeterTest, NeverHasTwoReadsInFlightOnASlowLink) {
  host_.modbus().set_latency_ms(1500);
  FakeDevice &meter = start_meter();
  host_.advance_ms(3000);
  // Reads at 0 (answered 1500), 2000 (answered 3500): the polls at 1000 and 3000 are skipped.
  EXPECT_EQ(host_.modbus().requests().size(), 2u);
  EXPECT_EQ(meter.point("power_w").publications.size(), 1u);
}

TEST_F(ExampleMeterTest, GoesOfflineWithAReasonAfterThreeTimeoutsAndRecovers) {
  FakeDevice &meter = start_meter();
  host_.run_pending();
  ASSERT_TRUE(meter.online());
  host_.modbus().set_silent(kUnit, true);
  host_.advance_ms(2000);  // two polls time out: not yet offline
  EXPECT_TRUE(meter.online());
  host_.advance_ms(2000);
  EXPECT_FALSE(meter.online());
  EXPECT_NE(meter.health_reason().find("HEARTH_E_TIMEOUT"), std::string::npos)
      << meter.health_reason();
  EXPECT_NE(meter.health_reason().find("unit 7"), std::string::npos) << meter.health_reason();
  EXPECT_TRUE(meter.alarm_active(1));
  const size_t published = meter.point("power_w").publications.size();

  host_.modbus().set_silent(kUnit, false);
  host_.advance_ms(2000);
  EXPECT_TRUE(meter.online());
  EXPECT_FALSE(meter.alarm_active(1));
  EXPECT_GT(meter.point("power_w").publications.size(), published);
  EXPECT_EQ(meter.alarms.at(1).raise_count, 1);
}

TEST_F(ExampleMeterTest, NamesTheModbusExceptionWhenOffline) {
  host_.modbus().set_exception(kUnit, 104, 2);
  FakeDevice &meter = start_meter({{"offline_after", 1}});
  host_.run_pending();
  EXPECT_FALSE(meter.online());
  EXPECT_NE(meter.health_reason().find("exception 2"), std::string::npos) << meter.health_reason();
  EXPECT_FALSE(meter.has_point("power_w") && !meter.point("power_w").publications.empty());
}

TEST_F(ExampleMeterTest, RefusesParametersOutsideTheTable) {
  FakeDevice &zero = host_.create_device("a", "example-modbus-meter", {{"unit", 0}});
  EXPECT_EQ(zero.create_status(), HEARTH_E_INVALID);
  EXPECT_NE(zero.last_error().find("below the minimum 1"), std::string::npos) << zero.last_error();
  FakeDevice &unitless = host_.create_device("b", "example-modbus-meter", {{"poll_interval", "5"}});
  EXPECT_EQ(unitless.create_status(), HEARTH_E_INVALID);
  FakeDevice &sign = host_.create_device("c", "example-modbus-meter", {{"power_sign", "up"}});
  EXPECT_NE(sign.last_error().find("import-positive|export-positive"), std::string::npos);
  FakeDevice &typo = host_.create_device("d", "example-modbus-meter", {{"untis", 3}});
  EXPECT_NE(typo.last_error().find("'untis' is not a parameter"), std::string::npos);
}

TEST_F(ExampleMeterTest, AnswersCommandsWithNotSupported) {
  FakeDevice &meter = start_meter();
  const uint64_t id = meter.command("grid_meter", "reset_energy");
  const auto &record = meter.command_record(id);
  EXPECT_EQ(record.status, HEARTH_E_NOT_SUPPORTED);
  EXPECT_NE(record.message.find("reset_energy"), std::string::npos);
}

TEST_F(ExampleMeterTest, StopsPollingWhenStoppedAndDropsTheAnswerInFlight) {
  host_.modbus().set_latency_ms(100);
  FakeDevice &meter = start_meter();
  host_.run_pending();  // the first read is on the wire
  ASSERT_EQ(host_.modbus().requests().size(), 1u);
  meter.stop();
  host_.advance_ms(5000);
  EXPECT_EQ(host_.modbus().requests().size(), 1u);
  EXPECT_TRUE(meter.point("power_w").publications.empty());
  meter.destroy();
  EXPECT_EQ(meter.state(), FakeDevice::State::kDestroyed);
}

}  // namespace
