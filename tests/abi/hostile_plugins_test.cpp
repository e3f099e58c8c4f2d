// The hostile plugins (hostile/, documented in README.md) behave as the loader's tests expect:
// each is loaded into the fake host and shows its one misbehaviour.
#include <thread>

#include "abi_test_support.hpp"

namespace {

using hearth::abi_test::hostile_plugin;
using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(HostilePluginsTest, NextMajorIsRefusedNamingBothVersions) {
  FakeHost host;
  EXPECT_EQ(host.load_library(hostile_plugin("hostile-major")), nullptr);
  EXPECT_TRUE(contains(host.load_error(), "built for ABI 2.0, the host offers 1.0"))
      << host.load_error();
}

TEST(HostilePluginsTest, TooNewMinHostAbiIsRefusedNamingBothVersions) {
  FakeHost host;
  EXPECT_EQ(host.load_library(hostile_plugin("hostile-too-new")), nullptr);
  EXPECT_TRUE(contains(host.load_error(), "needs host ABI 1.1, the host offers 1.0"))
      << host.load_error();
}

TEST(HostilePluginsTest, NoEntrySymbolIsRefused) {
  FakeHost host;
  EXPECT_EQ(host.load_library(hostile_plugin("hostile-no-entry")), nullptr);
  EXPECT_TRUE(contains(host.load_error(), "exports no hearth_plugin_entry")) << host.load_error();
}

TEST(HostilePluginsTest, NullEntryLogsItsReason) {
  FakeHost host;
  EXPECT_EQ(host.load_library(hostile_plugin("hostile-null-entry")), nullptr);
  EXPECT_EQ(host.load_error(), "the entry function returned NULL");
  EXPECT_TRUE(host.logged("hostile-null-entry: refusing this host on purpose"));
}

TEST(HostilePluginsTest, SecondPluginWithTheSameIdIsRefused) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-dup-a")), nullptr) << host.load_error();
  EXPECT_EQ(host.load_library(hostile_plugin("hostile-dup-b")), nullptr);
  EXPECT_EQ(host.load_error(), "duplicate plugin id 'hostile-dup'");
}

TEST(HostilePluginsTest, ThrowingDriverCodeBecomesInternalErrorsWithTheMessage) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-throws")), nullptr) << host.load_error();
  FakeDevice &in_create = host.create_device("a", "hostile-throws");
  EXPECT_EQ(in_create.create_status(), HEARTH_E_INTERNAL);
  EXPECT_EQ(in_create.last_error(), "hostile-throws: create throws on purpose");
  FakeDevice &in_start = host.create_device("b", "hostile-throws", {{"throw_in", "start"}});
  EXPECT_EQ(in_start.start(), HEARTH_E_INTERNAL);
  EXPECT_EQ(in_start.last_error(), "hostile-throws: start throws on purpose");
  FakeDevice &in_command = host.create_device("c", "hostile-throws", {{"throw_in", "command"}});
  ASSERT_EQ(in_command.start(), HEARTH_OK);
  const auto &record = in_command.command_record(in_command.command("test", "x"));
  EXPECT_EQ(record.status, HEARTH_E_INTERNAL);
  EXPECT_EQ(record.message, "hostile-throws: command throws on purpose");
}

TEST(HostilePluginsTest, ErrorsComeWithTheirSetErrorMessage) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-errors")), nullptr) << host.load_error();
  FakeDevice &in_create = host.create_device("a", "hostile-errors");
  EXPECT_EQ(in_create.create_status(), HEARTH_E_IO);
  EXPECT_EQ(in_create.last_error(), "hostile-errors: create fails on purpose");
  FakeDevice &in_start = host.create_device("b", "hostile-errors", {{"fail_in", "start"}});
  EXPECT_EQ(in_start.start(), HEARTH_E_IO);
  EXPECT_EQ(in_start.last_error(), "hostile-errors: start fails on purpose");
}

TEST(HostilePluginsTest, SlowTimerCallbackOverrunsTheOneMillisecondBudget) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-slow")), nullptr) << host.load_error();
  FakeDevice &slow = host.create_device("slow", "hostile-slow");
  ASSERT_EQ(slow.start(), HEARTH_OK);
  host.advance_ms(30);  // three ticks of 5 ms busy time each
  EXPECT_EQ(slow.point("ticks").publications.size(), 3u);
  EXPECT_EQ(slow.slow_calls, 3);
  EXPECT_GE(slow.longest_call_ns, 5'000'000);
}

TEST(HostilePluginsTest, PublishFromItsOwnThreadIsRefusedWithWrongThread) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-wrong-thread")), nullptr)
      << host.load_error();
  FakeDevice &device = host.create_device("wt", "hostile-wrong-thread");
  ASSERT_EQ(device.start(), HEARTH_OK);
  ASSERT_TRUE(
      host.wait_until([&] { return !device.point("wrong_thread_status").publications.empty(); },
                      std::chrono::seconds(5)));
  EXPECT_EQ(device.point("wrong_thread_status").last().value.as.i, HEARTH_E_WRONG_THREAD);
  EXPECT_TRUE(device.point("value").publications.empty());
  ASSERT_EQ(host.violations().size(), 1u);
  EXPECT_EQ(host.violations()[0].rule,
            "point_publish called from a thread other than the core thread");
  device.stop();
}

TEST(HostilePluginsTest, LateTimerAndPostAfterStopAreNeverDelivered) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-late")), nullptr) << host.load_error();
  FakeDevice &late = host.create_device("late", "hostile-late", {{"late_ms", "10ms"}});
  ASSERT_EQ(late.start(), HEARTH_OK);
  late.stop();
  ASSERT_TRUE(host.wait_until([&] { return host.logged("hostile-late: post after stop returned"); },
                              std::chrono::seconds(5)));
  host.advance_ms(100);
  EXPECT_TRUE(host.logged("hostile-late: post after stop returned HEARTH_E_STATE"));
  EXPECT_FALSE(host.logged("LATE CALLBACK DELIVERED"));
  auto deliveries = reinterpret_cast<int (*)()>(
      dlsym(dlopen(hostile_plugin("hostile-late").c_str(), RTLD_NOW | RTLD_NOLOAD),
            "hostile_late_deliveries"));
  ASSERT_NE(deliveries, nullptr);
  EXPECT_EQ(deliveries(), 0);
}

TEST(HostilePluginsTest, BlockingRegistersItsFailsafeWriteAndStallsTheCallingThread) {
  FakeHost host;
  ASSERT_NE(host.load_library(hostile_plugin("hostile-blocking")), nullptr) << host.load_error();
  FakeDevice &blocking = host.create_device("blocker", "hostile-blocking",
                                            {{"block_ms", 20},
                                             {"failsafe_unit", 2},
                                             {"failsafe_register", 40125},
                                             {"failsafe_value", 0}});
  ASSERT_EQ(blocking.start(), HEARTH_OK);
  ASSERT_EQ(blocking.failsafe_writes.size(), 1u);
  const hearth_modbus_request &write = blocking.failsafe_writes[0];
  EXPECT_EQ(write.function, HEARTH_MODBUS_WRITE_SINGLE_REGISTER);
  EXPECT_EQ(write.unit, 2);
  EXPECT_EQ(write.address, 40125u);
  EXPECT_EQ(write.values[0], 0);
  EXPECT_EQ(write.priority, HEARTH_PRIO_SAFETY);
  const auto before = std::chrono::steady_clock::now();
  host.advance_ms(300);  // three firings; only the first blocks (block_count defaults to 1)
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(20));
  EXPECT_EQ(blocking.point("ticks").publications.size(), 3u);
  EXPECT_GE(blocking.longest_call_ns, 20'000'000);
  EXPECT_EQ(host.logs().size(), 1u);  // "blocking the core thread for 20 ms", once
}

}  // namespace
