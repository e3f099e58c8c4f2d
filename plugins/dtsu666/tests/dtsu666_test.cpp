// dtsu666 loaded from its .so into the fake host, against a scripted meter (protocols.md §4).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <hearth/plugin.hpp>
#include <hearth/testing/fake_host.hpp>

namespace {

using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;
using hearth::testing::Params;

constexpr int32_t kUnit = 11;

std::vector<uint16_t> f32(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return {static_cast<uint16_t>(bits >> 16), static_cast<uint16_t>(bits & 0xffff)};
}

class Dtsu666Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(host_.load_library(DTSU666_PLUGIN), nullptr) << host_.load_error();
    set_all(0x2000, 0x52, 0.0f);
    set_all(0x401E, 0x16, 0.0f);
  }
  void TearDown() override {
    for (const auto &v : host_.violations()) ADD_FAILURE() << v.device << ": " << v.rule;
  }
  void set(uint32_t address, float value) {
    host_.modbus().set_holding(kUnit, address, f32(value));
  }
  void set_all(uint32_t address, uint32_t count, float value) {
    for (uint32_t a = address; a < address + count; a += 2) set(a, value);
  }
  FakeDevice &start(Params extra = {}) {
    Params params{{"unit", kUnit}};
    for (auto &[k, v] : extra) params.insert_or_assign(k, v);
    FakeDevice &meter = host_.create_device("grid", "dtsu666", params);
    EXPECT_EQ(meter.create_status(), HEARTH_OK) << meter.last_error();
    EXPECT_EQ(meter.start(), HEARTH_OK) << meter.last_error();
    return meter;
  }
  FakeHost host_;
};

TEST_F(Dtsu666Test, PublishesFloatsInEngineeringUnitsWithImportPositive) {
  set(0x2006, 231.4f);
  set(0x200C, 5.25f);
  set(0x2012, -3210.5f);  // CHINT: negative Pt is export
  set(0x2014, -1000.0f);
  set(0x202A, 0.98f);
  set(0x2044, 50.02f);
  set(0x401E, 1234.5f);  // kWh
  set(0x4028, 678.25f);
  FakeDevice &meter = start();
  host_.advance_ms(10);
  EXPECT_TRUE(meter.online());
  EXPECT_EQ(meter.capabilities.count("grid_meter"), 1u);
  EXPECT_DOUBLE_EQ(meter.point("power_w").last().number(), -3210.5);
  EXPECT_DOUBLE_EQ(meter.point("power_l1_w").last().number(), -1000.0);
  EXPECT_NEAR(meter.point("voltage_l1_v").last().number(), 231.4, 1e-4);
  EXPECT_NEAR(meter.point("current_l1_a").last().number(), 5.25, 1e-6);
  EXPECT_NEAR(meter.point("power_factor").last().number(), 0.98, 1e-6);
  EXPECT_NEAR(meter.point("frequency_hz").last().number(), 50.02, 1e-4);
  EXPECT_DOUBLE_EQ(meter.point("import_wh").last().number(), 1234500.0);
  EXPECT_DOUBLE_EQ(meter.point("export_wh").last().number(), 678250.0);
}

TEST_F(Dtsu666Test, AppliesTheChintScalingAndAnExportPositiveSign) {
  set(0x2006, 2314.0f);   // 0.1 V
  set(0x200C, 5250.0f);   // mA
  set(0x2012, 32105.0f);  // 0.1 W, export positive on this meter
  set(0x2044, 50.0f);     // frequency is never scaled
  FakeDevice &meter = start({{"scale", "chint"}, {"power_sign", "export-positive"}});
  host_.advance_ms(10);
  EXPECT_NEAR(meter.point("voltage_l1_v").last().number(), 231.4, 1e-9);
  EXPECT_NEAR(meter.point("current_l1_a").last().number(), 5.25, 1e-9);
  EXPECT_NEAR(meter.point("power_w").last().number(), -3210.5, 1e-9);
  EXPECT_EQ(meter.point("frequency_hz").last().number(), 50.0);
}

TEST_F(Dtsu666Test, ReadsPowerFastAtMeterPriorityAndTheRestInCappedBlocks) {
  FakeDevice &meter = start({{"max_block_registers", 41}});
  host_.advance_ms(5000);
  size_t power_reads = 0;
  const auto &requests = host_.modbus().requests();
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto &r = requests[i].request;
    EXPECT_LE(r.count, 41u);
    if (r.address == 0x2012 && r.count == 8) {
      ++power_reads;
      // The first read is the probe that brings the meter online; the polls are METER reads.
      EXPECT_EQ(r.priority, i == 0 ? HEARTH_PRIO_POLL : HEARTH_PRIO_METER) << i;
    }
  }
  EXPECT_EQ(power_reads, 1u + 11u);  // the probe, then every 500 ms from 0 to 5 s
  EXPECT_EQ(meter.point("power_w").max_age_ms, 1500u);
  EXPECT_EQ(meter.point("import_wh").max_age_ms, 180000u);
}

TEST_F(Dtsu666Test, MarksANotANumberInvalid) {
  set(0x2012, std::nanf(""));
  FakeDevice &meter = start();
  host_.advance_ms(10);
  EXPECT_EQ(meter.point("power_w").last().quality, HEARTH_QUALITY_INVALID);
}

TEST_F(Dtsu666Test, GoesOfflineWithTheReasonAndRecoversWithBackoff) {
  FakeDevice &meter = start({{"retry_min", "1s"}});
  host_.advance_ms(10);
  ASSERT_TRUE(meter.online());
  host_.modbus().set_exception(kUnit, 0x2012, 4);
  host_.advance_ms(1500);
  EXPECT_FALSE(meter.online());
  EXPECT_NE(meter.health_reason().find("exception 4"), std::string::npos) << meter.health_reason();
  EXPECT_NE(meter.health_reason().find("unit 11"), std::string::npos) << meter.health_reason();
  EXPECT_TRUE(meter.alarm_active(1));
  const size_t published = meter.point("power_w").publications.size();
  host_.advance_ms(3000);
  EXPECT_EQ(meter.point("power_w").publications.size(), published);
  host_.modbus().clear_exception(kUnit, 0x2012);
  host_.advance_ms(8000);
  EXPECT_TRUE(meter.online());
  EXPECT_FALSE(meter.alarm_active(1));
  EXPECT_GT(meter.point("power_w").publications.size(), published);
}

TEST_F(Dtsu666Test, RefusesAnUnknownScale) {
  FakeDevice &meter = host_.create_device("m", "dtsu666", {{"unit", kUnit}, {"scale", "x10"}});
  EXPECT_EQ(meter.create_status(), HEARTH_E_INVALID);
  EXPECT_NE(meter.last_error().find("unscaled|chint"), std::string::npos) << meter.last_error();
}

}  // namespace
