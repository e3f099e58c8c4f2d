// Plugins run through the serialising host (serialising/serialising_host.hpp): every call crosses
// as bytes, and what the plugin is handed dies with the call. Good plugins work unchanged; a
// plugin that keeps a pointer reads poison, or under ASan with freed buffers, dies.
#include "serialising_host.hpp"

#include <memory>

#include "abi_test_support.hpp"

namespace {

using hearth::abi_test::entry_of;
using hearth::abi_test::expect_no_violations;
using hearth::abi_test::SerialisingHost;
using hearth::abi_test::test_plugin;
using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;

constexpr int64_t kPoisonWord = 0xA5A5;

class SerialisingHostTest : public ::testing::Test {
 protected:
  void load(const std::string &path) {
    const hearth_plugin_entry_fn entry = entry_of(path);
    ASSERT_NE(entry, nullptr) << path;
    serialiser_ = std::make_unique<SerialisingHost>(entry, SerialisingHost::Poison::kPattern);
    ASSERT_NE(host_.load(serialiser_->entry()), nullptr) << host_.load_error();
  }
  void TearDown() override { expect_no_violations(host_); }
  // Declared first so it outlives the host: the host's devices use its wrapped descriptors.
  std::unique_ptr<SerialisingHost> serialiser_;
  FakeHost host_;
};

TEST_F(SerialisingHostTest, ExampleMeterWorksWhenEveryCallCrossesAsBytes) {
  load(EXAMPLE_METER_PLUGIN);
  // -1500 W as I32, 10 and 20 energy counts, 230.1 V, 50.00 Hz.
  host_.modbus().set_holding(3, 0, {0xFFFF, 0xFA24, 0, 10, 0, 20, 2301, 5000});
  FakeDevice &meter = host_.create_device("grid", "example-modbus-meter",
                                          {{"unit", 3}, {"poll_interval", "500ms"}});
  ASSERT_EQ(meter.create_status(), HEARTH_OK) << meter.last_error();
  ASSERT_EQ(meter.start(), HEARTH_OK) << meter.last_error();
  host_.advance_ms(1000);
  EXPECT_EQ(meter.point("power_w").publications.size(), 3u);
  EXPECT_EQ(meter.point("power_w").last().number(), -1500.0);
  EXPECT_EQ(meter.point("energy_export_wh").last().number(), 200.0);
  EXPECT_EQ(meter.point("frequency_hz").last().number(), 50.0);
  EXPECT_TRUE(meter.online());
  EXPECT_EQ(meter.capabilities.count("grid_meter"), 1u);

  host_.modbus().set_silent(3, true);
  host_.advance_ms(5000);
  EXPECT_FALSE(meter.online());
  EXPECT_NE(meter.health_reason().find("HEARTH_E_TIMEOUT"), std::string::npos);
  EXPECT_GT(serialiser_->host_calls(), 50u);
  EXPECT_GT(serialiser_->plugin_calls(), 5u);  // create, start, Modbus completions
}

TEST_F(SerialisingHostTest, PlainCPluginWorksWhenEveryCallCrossesAsBytes) {
  load(test_plugin("c-counter"));
  FakeDevice &counter = host_.create_device("counter", "c-counter", {{"step", 3}});
  ASSERT_EQ(counter.start(), HEARTH_OK);
  host_.advance_ms(300);
  EXPECT_EQ(counter.point("count").last().value.as.i, 9);
  hearth_value four{};
  four.type = HEARTH_VALUE_INT;
  four.as.i = 4;
  const uint64_t id = counter.command("x-test-counter", "reset", {{"value", four}});
  EXPECT_EQ(counter.command_record(id).status, HEARTH_OK);
  EXPECT_EQ(counter.point("count").last().value.as.i, 4);
  const auto stored = host_.kv("counter").at("count");
  ASSERT_EQ(stored.size(), sizeof(int64_t));
}

TEST_F(SerialisingHostTest, APluginThatKeepsAModbusResultReadsPoison) {
  load(test_plugin("bad-keeps-pointer"));
  host_.modbus().set_holding(1, 0, {1234});
  FakeDevice &bad = host_.create_device("bad", "bad-keeps-pointer");
  ASSERT_EQ(bad.start(), HEARTH_OK);
  host_.run_pending();
  EXPECT_EQ(bad.point("seen").last().value.as.i, 1234);  // inside the callback: valid
  host_.advance_ms(100);
  EXPECT_EQ(bad.point("seen").last().value.as.i, kPoisonWord);  // kept: the poison shows
}

TEST_F(SerialisingHostTest, APluginThatKeepsACommandReadsPoison) {
  load(test_plugin("bad-keeps-pointer"));
  host_.modbus().set_holding(1, 0, {1});
  FakeDevice &bad = host_.create_device("bad", "bad-keeps-pointer");
  ASSERT_EQ(bad.start(), HEARTH_OK);
  host_.run_pending();
  bad.command("test", "ping");
  EXPECT_EQ(bad.point("seen").last().value.as.i, 'p');
  host_.modbus().set_holding(1, 0, {2});
  host_.advance_ms(100);
  const auto &seen = bad.point("seen").publications;
  // The tick reads the kept registers first, then the kept command: both poisoned.
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[seen.size() - 1].value.as.i, SerialisingHost::kPoisonByte);
  EXPECT_EQ(seen[seen.size() - 2].value.as.i, kPoisonWord);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(SerialisingHostDeathTest, UnderAsanAKeptPointerIsAHeapUseAfterFree) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        SerialisingHost serialiser(entry_of(test_plugin("bad-keeps-pointer")),
                                   SerialisingHost::Poison::kFree);
        FakeHost host;
        host.load(serialiser.entry());
        host.modbus().set_holding(1, 0, {1234});
        FakeDevice &bad = host.create_device("bad", "bad-keeps-pointer");
        bad.start();
        host.advance_ms(100);
      },
      // The 2-byte read of a kept register, in the plugin's timer callback.
      "heap-use-after-free.*READ of size 2.*tick");
}
#endif

}  // namespace
