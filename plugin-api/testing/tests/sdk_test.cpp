// hearth/plugin.hpp and the fake host, tested together through the probe plugin linked into this
// binary (sdk_probe_plugin.cpp): exceptions become statuses, callbacks run where they should and
// are freed, and the fake host enforces the ABI rules.
#include <gtest/gtest.h>

#include <cstring>
#include <hearth/plugin.hpp>
#include <hearth/testing/fake_host.hpp>
#include <thread>

extern "C" const hearth_plugin_desc *hearth_plugin_entry(uint32_t, const hearth_host_api *);

namespace {

using hearth::testing::FakeDevice;
using hearth::testing::FakeHost;
using hearth::testing::Params;

hearth_value text_value(const char *s) {
  return hearth::make_value(s);
}

class SdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(host_.load(&hearth_plugin_entry), nullptr) << host_.load_error();
  }
  FakeDevice &probe(Params extra = {}) {
    Params params{{"tags", std::vector<std::string>{"a", "b"}}};
    for (auto &[k, v] : extra) params.insert_or_assign(k, v);
    FakeDevice &d = host_.create_device("probe", "sdk-probe", params);
    EXPECT_EQ(d.create_status(), HEARTH_OK) << d.last_error();
    EXPECT_EQ(d.start(), HEARTH_OK) << d.last_error();
    return d;
  }
  std::vector<std::string> rules() const {
    std::vector<std::string> out;
    for (const auto &v : host_.violations()) out.push_back(v.rule);
    return out;
  }
  FakeHost host_;
};

TEST_F(SdkTest, DescriptorCarriesTheDriversAndTheirParameterTables) {
  const hearth_plugin_desc *desc = hearth_plugin_entry(HEARTH_ABI_VERSION, host_.api());
  ASSERT_NE(desc, nullptr);
  EXPECT_EQ(desc->struct_size, sizeof(hearth_plugin_desc));
  EXPECT_EQ(desc->abi_version, HEARTH_ABI_VERSION);
  EXPECT_EQ(desc->min_host_abi, HEARTH_ABI_VERSION);
  EXPECT_STREQ(desc->id, "sdk-probe");
  ASSERT_EQ(desc->driver_count, 3u);
  EXPECT_STREQ(desc->drivers[1].name, "sdk-probe");
  ASSERT_EQ(desc->drivers[1].param_count, 5u);
  EXPECT_STREQ(desc->drivers[1].params[3].name, "tags");
  EXPECT_EQ(desc->drivers[1].params[3].type, HEARTH_PARAM_LIST);
  EXPECT_EQ(desc->drivers[0].params[0].flags, HEARTH_PARAM_REQUIRED);
  // The same static descriptor on every call.
  EXPECT_EQ(hearth_plugin_entry(HEARTH_ABI_VERSION, host_.api()), desc);
}

TEST(SdkEntryTest, RefusesAnotherMajorAndAnOlderHostWithALoggedReason) {
  // The next major, and 0.0 (an older host, of another major too since 1.0 is the first 1.x).
  for (uint32_t offered : {uint32_t{(HEARTH_ABI_MAJOR + 1u) << 16}, uint32_t{0}}) {
    FakeHost::Options options;
    options.abi_version = offered;
    FakeHost host(options);
    EXPECT_EQ(host.load(&hearth_plugin_entry), nullptr);
    EXPECT_EQ(host.load_error(), "the entry function returned NULL");
    ASSERT_EQ(host.logs().size(), 1u);
    EXPECT_NE(host.logs()[0].message.find("sdk-probe"), std::string::npos)
        << host.logs()[0].message;
    EXPECT_EQ(host.logs()[0].level, HEARTH_LOG_ERROR);
  }
}

struct FailureCase {
  const char *where;
  const char *kind;
  int32_t status;
  const char *message;
};
void PrintTo(const FailureCase &c, std::ostream *out) {
  *out << c.where << "/" << c.kind;
}

class SdkFailureTest : public SdkTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(SdkFailureTest, ExceptionsBecomeStatusesWithTheirMessage) {
  const FailureCase c = GetParam();
  FakeDevice &d =
      host_.create_device("f", "sdk-failing", {{"fail_in", c.where}, {"throw", c.kind}});
  int32_t status = d.create_status();
  if (std::string(c.where) != "create") {
    ASSERT_EQ(status, HEARTH_OK);
    status = d.start();
  }
  if (std::string(c.where) == "command") {
    ASSERT_EQ(status, HEARTH_OK);
    const auto &record = d.command_record(d.command("x", "anything"));
    EXPECT_EQ(record.call_status, c.status);
    EXPECT_EQ(record.status, c.status);
    EXPECT_EQ(record.message, c.message);
    return;
  }
  EXPECT_EQ(status, c.status);
  EXPECT_EQ(d.last_error(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    AllBoundaries, SdkFailureTest,
    ::testing::Values(FailureCase{"create", "hearth", HEARTH_E_IO, "link is down (create)"},
                      FailureCase{"create", "std", HEARTH_E_INTERNAL, "bug in create"},
                      FailureCase{"create", "alloc", HEARTH_E_NO_MEMORY, "out of memory"},
                      FailureCase{"start", "other", HEARTH_E_INTERNAL, "unknown exception"},
                      FailureCase{"start", "std", HEARTH_E_INTERNAL, "bug in start"},
                      FailureCase{"command", "hearth", HEARTH_E_IO, "link is down (command)"}),
    [](const ::testing::TestParamInfo<FailureCase> &param_info) {
      return std::string(param_info.param.where) + "_" + param_info.param.kind;
    });

TEST_F(SdkTest, AnExceptionFromStopIsLoggedNotPropagated) {
  FakeDevice &d = host_.create_device("f", "sdk-failing", {{"fail_in", "stop"}, {"throw", "std"}});
  ASSERT_EQ(d.start(), HEARTH_OK);
  d.stop();
  EXPECT_EQ(d.state(), FakeDevice::State::kStopped);
  EXPECT_TRUE(host_.logged("stop: uncaught exception: bug in stop"));
}

TEST_F(SdkTest, TypedParametersArriveWithDefaultsFilledIn) {
  FakeDevice &d =
      probe({{"ratio", 2.5}, {"label", "hall"}, {"tags", std::vector<std::string>{"x", "y", "z"}}});
  EXPECT_EQ(d.point("ratio").last().number(), 2.5);  // enabled defaults to true
  EXPECT_EQ(d.point("label").last().text(), "hall/3");
  FakeDevice &off = host_.create_device("p2", "sdk-probe",
                                        {{"enabled", false}, {"tags", std::vector<std::string>{}}});
  ASSERT_EQ(off.start(), HEARTH_OK);
  EXPECT_EQ(off.point("ratio").last().number(), -0.5);
  EXPECT_EQ(off.point("label").last().text(), "probe/0");
}

TEST_F(SdkTest, ListParameterBoundsAreChecked) {
  FakeDevice &d = host_.create_device(
      "p", "sdk-probe", {{"tags", std::vector<std::string>{"1", "2", "3", "4", "5"}}});
  EXPECT_EQ(d.create_status(), HEARTH_E_INVALID);
  EXPECT_NE(d.last_error().find("'tags': 5 is above the maximum 4"), std::string::npos)
      << d.last_error();
}

TEST_F(SdkTest, CapabilityLimitsAreCopiedOut) {
  FakeDevice &d = probe();
  const auto &limits = d.capabilities.at("switchable_load");
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_STREQ(limits[0].name, "rated_w");
  EXPECT_EQ(limits[0].value.as.d, 2300.0);
  EXPECT_EQ(limits[1].value.type, HEARTH_VALUE_INT);
}

TEST_F(SdkTest, FakeHostAcceptsOnlyKnownOrVendorCapabilities) {
  FakeDevice &d = probe();
  EXPECT_EQ(host_.api()->capability_register(d.handle(), "counter", nullptr, 0), HEARTH_E_INVALID);
  EXPECT_EQ(host_.api()->capability_register(d.handle(), "x-acme-counter", nullptr, 0), HEARTH_OK);
  EXPECT_EQ(host_.api()->capability_register(d.handle(), "battery", nullptr, 0), HEARTH_OK);
  EXPECT_EQ(d.capabilities.size(), 3u);  // switchable_load from start(), and these two
}

TEST_F(SdkTest, PeriodicTimerCanCancelItselfAndIsThenFreed) {
  FakeDevice &d = probe({{"period", "100ms"}});
  EXPECT_EQ(d.active_timers(), 1u);
  host_.advance_ms(1000);
  const auto &ticks = d.point("ticks").publications;
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[2].value.as.i, 3);
  EXPECT_EQ(ticks[2].published_mono_ns - ticks[0].published_mono_ns, 200'000'000);
  EXPECT_EQ(d.active_timers(), 0u);
}

TEST_F(SdkTest, PostFromAnotherThreadRunsOnTheCoreThread) {
  FakeDevice &d = probe();
  d.command("switchable_load", "post_from_thread", {{"note", text_value("posted")}});
  EXPECT_FALSE(d.has_point("ran_on_core_thread") &&
               !d.point("ran_on_core_thread").publications.empty());
  host_.run_pending();
  ASSERT_EQ(d.point("ran_on_core_thread").publications.size(), 1u);
  EXPECT_EQ(d.point("ran_on_core_thread").last().number(), 1.0);
}

TEST_F(SdkTest, WorkRunsOffTheCoreThreadAndCompletesOnIt) {
  FakeDevice &d = probe();
  const uint64_t id = d.command("switchable_load", "work");
  EXPECT_FALSE(d.command_record(id).status.has_value());
  host_.run_pending();
  EXPECT_EQ(d.command_record(id).status, HEARTH_OK);
  EXPECT_EQ(d.point("ran_on_core_thread").last().number(), 1.0);
}

TEST_F(SdkTest, ModbusResultDecodesBigEndianWordsAndLogsAnOutOfRangeRead) {
  FakeDevice &d = probe();
  // 3.5f = 0x40600000; -2 as I32 = 0xFFFFFFFE (protocols.md conventions: high word first).
  host_.modbus().set_holding(1, 0, {0x4060, 0x0000, 0xFFFF, 0xFFFE});
  d.command("switchable_load", "decode", {{"note", text_value("")}});
  host_.run_pending();
  EXPECT_EQ(d.point("ratio").last().number(), 3.5);
  EXPECT_EQ(d.point("ticks").last().number(), -2.0);
  EXPECT_TRUE(host_.logged("Modbus completion: uncaught exception: Modbus answer has 4 registers"));
}

TEST_F(SdkTest, KvGrowsItsBufferForLongValues) {
  FakeDevice &d = probe();
  d.command("switchable_load", "kv", {{"note", text_value("")}});
  EXPECT_EQ(d.point("label").last().text(), "1000-");
  EXPECT_EQ(host_.kv("probe").at("big").size(), 1000u);
}

TEST_F(SdkTest, CommandCompletesLaterFromATimerWithItsMessage) {
  FakeDevice &d = probe();
  const uint64_t id =
      d.command("switchable_load", "later", {{"delay_ms", hearth::make_value(250)}});
  host_.advance_ms(200);
  EXPECT_FALSE(d.command_record(id).status.has_value());
  host_.advance_ms(100);
  EXPECT_EQ(d.command_record(id).status, HEARTH_OK);
  EXPECT_EQ(d.command_record(id).message, "done late");
}

TEST_F(SdkTest, MissingArgumentAndUnknownParameterFailTheCommandWithTheirNames) {
  FakeDevice &d = probe();
  const auto &missing = d.command_record(d.command("switchable_load", "plain"));
  EXPECT_EQ(missing.status, HEARTH_E_INVALID);
  EXPECT_EQ(missing.message, "command 'plain': argument 'note' missing");
  const auto &unknown = d.command_record(d.command("switchable_load", "unknown_param"));
  EXPECT_EQ(unknown.status, HEARTH_E_NOT_FOUND);
  EXPECT_NE(unknown.message.find("'nope'"), std::string::npos) << unknown.message;
}

TEST_F(SdkTest, HostCompletesACommandAtItsDeadlineAndIgnoresTheLateAnswer) {
  FakeDevice &d = probe();
  const uint64_t id =
      d.command("switchable_load", "later", {{"delay_ms", hearth::make_value(500)}}, 300);
  host_.advance_ms(1000);
  EXPECT_EQ(d.command_record(id).status, HEARTH_E_TIMEOUT);
  EXPECT_TRUE(d.command_record(id).completed_by_host);
  EXPECT_EQ(d.command_record(id).plugin_completions, 1);
  EXPECT_TRUE(host_.violations().empty());
}

TEST_F(SdkTest, FakeHostRecordsADoubleCompletion) {
  FakeDevice &d = probe();
  const uint64_t id = d.command("switchable_load", "twice");
  EXPECT_EQ(d.command_record(id).plugin_completions, 2);
  // The refused second completion throws inside command(), whose error return is a third answer.
  ASSERT_EQ(rules().size(), 2u);
  EXPECT_EQ(rules()[0], "command " + std::to_string(id) + " completed twice");
  EXPECT_EQ(d.command_record(id).call_status, HEARTH_E_STATE);
}

TEST_F(SdkTest, FakeHostRefusesCoreThreadCallsFromOtherThreads) {
  FakeDevice &d = probe();
  int32_t status = 0;
  std::thread([&] {
    hearth_value v = hearth::make_value(int64_t{1});
    status = host_.api()->point_publish(d.handle(), 0, &v, 0, HEARTH_QUALITY_GOOD);
  }).join();
  EXPECT_EQ(status, HEARTH_E_WRONG_THREAD);
  ASSERT_EQ(rules().size(), 1u);
  EXPECT_EQ(rules()[0], "point_publish called from a thread other than the core thread");
}

TEST_F(SdkTest, FakeHostRefusesCallsAfterStopAndDropsTimers) {
  FakeDevice &d = probe();
  d.stop();
  host_.advance_ms(1000);
  EXPECT_TRUE(d.point("ticks").publications.empty());
  EXPECT_EQ(host_.api()->timer_start(
                d.handle(), 0, 0, [](void *) {}, nullptr),
            HEARTH_E_STATE);
  EXPECT_EQ(host_.api()->post(
                d.handle(), [](void *) {}, nullptr),
            HEARTH_E_STATE);
  EXPECT_EQ(rules().size(), 2u);
}

TEST_F(SdkTest, IoServicesReachTheHost) {
  host_.set_di("DI1", 1);
  const std::string long_text(300, 'x');  // longer than the SDK's first text buffer
  FakeDevice &io = host_.create_device("io-1", "sdk-io", {{"long_text", long_text}},
                                       {"link-1", {"DO1", "DI1", "CT1"}});
  ASSERT_EQ(io.start(), HEARTH_OK) << io.last_error();
  EXPECT_EQ(io.point("device_id").last().text(), "io-1");
  EXPECT_EQ(io.point("text_length").last().number(), 300.0);
  EXPECT_EQ(io.model, "M1");
  EXPECT_EQ(io.serial, "SN42");
  EXPECT_EQ(io.firmware, "");
  EXPECT_EQ(host_.do_level("DO1"), 1);
  EXPECT_EQ(io.point("di").last().number(), 1.0);
  ASSERT_EQ(io.failsafe_writes.size(), 1u);
  EXPECT_EQ(io.failsafe_writes[0].address, 40125u);

  host_.push_ct_block("CT1", 4000.0, {230, 231, 229, 230}, {1, 2, 3, 4});
  host_.run_pending();
  EXPECT_EQ(io.point("ct_samples").last().number(), 4.0);

  io.command("test", "write_fd");
  EXPECT_TRUE(io.point("fd_bytes").publications.empty());
  host_.run_pending();
  EXPECT_EQ(io.point("fd_bytes").last().number(), 3.0);

  const auto &refused = io.command_record(io.command("test", "read_as_failsafe"));
  EXPECT_EQ(refused.status, HEARTH_E_INVALID);  // only write functions are fail-safe writes
  EXPECT_EQ(io.failsafe_registrations, 1);
}

TEST_F(SdkTest, HalChannelsNotGrantedAreDenied) {
  FakeDevice &io = host_.create_device("io-2", "sdk-io", {}, {"link-1", {"DI1", "CT1"}});
  EXPECT_EQ(io.start(), HEARTH_E_DENIED);
  EXPECT_EQ(io.last_error(), "hal_do_set failed: HEARTH_E_DENIED");
}

}  // namespace
