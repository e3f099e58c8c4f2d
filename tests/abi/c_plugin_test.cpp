// The plain-C plugin (c_plugin/c_counter.c, built with -std=c99 -pedantic -Werror), loaded from
// its .so by the fake host: a C compiler and plugin.h are all a plugin needs.
#include "abi_test_support.hpp"

namespace {

using hearth::abi_test::expect_no_violations;
using hearth::abi_test::test_plugin;
using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;

class CPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(host_.load_library(test_plugin("c-counter")), nullptr) << host_.load_error();
  }
  void TearDown() override { expect_no_violations(host_); }
  FakeHost host_;
};

TEST_F(CPluginTest, CountsOnItsTimerWithTheDefaultParameters) {
  FakeDevice &counter = host_.create_device("counter", "c-counter");
  ASSERT_EQ(counter.create_status(), HEARTH_OK) << counter.last_error();
  ASSERT_EQ(counter.start(), HEARTH_OK);
  EXPECT_TRUE(counter.online());
  EXPECT_EQ(counter.capabilities.count("x-test-counter"), 1u);
  host_.advance_ms(1000);  // period defaults to 100ms
  const auto &count = counter.point("count");
  ASSERT_EQ(count.publications.size(), 10u);
  EXPECT_EQ(count.last().value.as.i, 10);
}

TEST_F(CPluginTest, ResetCommandCarriesItsIntegerArgument) {
  FakeDevice &counter =
      host_.create_device("counter", "c-counter", {{"step", 5}, {"period", "1s"}});
  ASSERT_EQ(counter.start(), HEARTH_OK);
  host_.advance_ms(3000);
  EXPECT_EQ(counter.point("count").last().value.as.i, 15);
  hearth_value seven{};
  seven.type = HEARTH_VALUE_INT;
  seven.as.i = 7;
  const uint64_t id = counter.command("x-test-counter", "reset", {{"value", seven}});
  EXPECT_EQ(counter.command_record(id).status, HEARTH_OK);
  EXPECT_EQ(counter.command_record(id).message, "reset");
  host_.advance_ms(1000);
  EXPECT_EQ(counter.point("count").last().value.as.i, 12);
}

TEST_F(CPluginTest, UnknownCommandFailsWithItsSetErrorMessage) {
  FakeDevice &counter = host_.create_device("counter", "c-counter");
  ASSERT_EQ(counter.start(), HEARTH_OK);
  const auto &record = counter.command_record(counter.command("x-test-counter", "explode"));
  EXPECT_EQ(record.status, HEARTH_E_NOT_SUPPORTED);
  EXPECT_EQ(record.message, "c-counter: unknown command 'explode'");
}

TEST_F(CPluginTest, KeepsItsCountInTheStoreAcrossDestroyAndCreate) {
  FakeDevice &first = host_.create_device("counter", "c-counter", {{"step", 2}});
  ASSERT_EQ(first.start(), HEARTH_OK);
  host_.advance_ms(500);
  first.destroy();
  FakeDevice &second = host_.create_device("counter", "c-counter", {{"step", 2}});
  ASSERT_EQ(second.start(), HEARTH_OK);
  host_.advance_ms(100);
  EXPECT_EQ(second.point("count").last().value.as.i, 12);
}

TEST_F(CPluginTest, RefusesAHostOfAnotherMajorWithALoggedReason) {
  const hearth_plugin_entry_fn entry = hearth::abi_test::entry_of(test_plugin("c-counter"));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry(2u << 16, host_.api()), nullptr);
  EXPECT_TRUE(host_.logged("c-counter: needs host ABI 1.0 or a newer 1.x"));
}

}  // namespace
