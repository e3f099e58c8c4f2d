// The host runtime against real plugin libraries: the hostile plugins of tests/abi (each must be
// refused or disabled with a clear message while the rest keeps running) and the plain-C counter
// as the well-behaved neighbour.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <hearth/host/runtime.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>

namespace hearth::host {
namespace {

using namespace std::chrono_literals;


std::string site_yaml() {
  return "site: {name: test, grid: single-phase, fuse_a: 35, pv_installed_wp: 5000,\n"
         "       location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n";
}

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hearth-runtime-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    log_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000);
    spdlog::default_logger()->sinks().push_back(log_);
    RuntimeOptions options;
    options.state_dir = dir_ / "state";
    options.notify_service_manager = false;
    if (std::getenv("HEARTH_SANITIZED")) options.callback_budget = 3ms;  // ASan slows every call
    runtime_ = std::make_unique<Runtime>(options);
    runtime_->loader().load_directories({HEARTH_HOSTILE_DIR, HEARTH_ABI_PLUGIN_DIR});
  }
  void TearDown() override {
    runtime_.reset();
    auto &sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), log_), sinks.end());
    std::filesystem::remove_all(dir_);
  }

  config::Config load(const std::string &devices_yaml) {
    const auto file = dir_ / "site.yaml";
    std::ofstream(file) << site_yaml() << devices_yaml;
    LoaderCatalog catalog(runtime_->loader());
    auto result = config::load_file(file, catalog);
    EXPECT_TRUE(result.ok()) << config::format_errors(result.errors);
    return result.config;
  }

  // Runs the core loop until pred() holds; false after `timeout`.
  bool run_until(const std::function<bool()> &pred, std::chrono::milliseconds timeout = 5s) {
    auto guard = boost::asio::make_work_guard(runtime_->io());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      runtime_->io().run_for(5ms);
    }
    return true;
  }

  std::string health_reason(const std::string &device) {
    auto health = runtime_->health().get(device);
    return health ? health->reason : "";
  }
  bool running(const std::string &device) {
    auto found = runtime_->find_device(device);
    return found && found->state == DeviceState::Running;
  }
  bool logged(const std::string &needle) {
    for (const auto &line : log_->last_formatted()) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  int64_t counter_value() {
    const auto id = runtime_->points().find("counter/count");
    if (!id) return -1;
    const auto sample = runtime_->points().get(*id);
    return sample.value.type == HEARTH_VALUE_INT ? sample.value.as.i : -1;
  }

  std::filesystem::path dir_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(RuntimeTest, LoaderRefusesEachBrokenPluginWithItsReasonAndKeepsTheRest) {
  std::map<std::string, std::string> refused;
  for (const auto &refusal : runtime_->loader().refusals()) {
    refused[refusal.path.filename().string()] = refusal.reason;
  }
  EXPECT_EQ(refused["hostile-major.so"],
            "built for ABI 2.0, host has ABI 1.0 (another major version)");
  EXPECT_EQ(refused["hostile-too-new.so"], "needs host ABI 1.1 or newer, host has ABI 1.0");
  EXPECT_EQ(refused["hostile-no-entry.so"], "no 'hearth_plugin_entry' symbol exported");
  EXPECT_NE(refused["hostile-null-entry.so"].find("declined this host"), std::string::npos);
  EXPECT_TRUE(logged("hostile-null-entry: refusing this host on purpose"));
  EXPECT_NE(refused["hostile-dup-b.so"].find("duplicate plugin id 'hostile-dup'"),
            std::string::npos);
  EXPECT_EQ(refused.size(), 5u);
  for (const char *id : {"hostile-dup", "hostile-throws", "hostile-errors", "hostile-slow",
                         "hostile-wrong-thread", "hostile-late", "hostile-blocking", "c-counter"}) {
    EXPECT_NE(runtime_->loader().find_plugin(id), nullptr) << id;
  }
}

TEST_F(RuntimeTest, FailuresInCreateOrStartKeepTheDeviceDownWithThePluginsMessage) {
  runtime_->apply(load(R"(
devices:
  - { id: thrower, driver: hostile-throws }
  - { id: starter, driver: hostile-throws, params: { throw_in: start } }
  - { id: failer, driver: hostile-errors }
  - { id: counter, driver: c-counter, params: { period: 10ms } }
)"));
  EXPECT_FALSE(running("thrower"));
  EXPECT_NE(health_reason("thrower").find("hostile-throws: create throws on purpose"),
            std::string::npos)
      << health_reason("thrower");
  EXPECT_NE(health_reason("starter").find("hostile-throws: start throws on purpose"),
            std::string::npos)
      << health_reason("starter");
  EXPECT_NE(health_reason("failer").find("hostile-errors: create fails on purpose"),
            std::string::npos)
      << health_reason("failer");
  EXPECT_NE(runtime_->alarms().find("failer", kAlarmDeviceStartFailed), nullptr);
  // The neighbour runs on.
  EXPECT_TRUE(running("counter"));
  EXPECT_TRUE(run_until([&] { return counter_value() >= 3; }));
}

TEST_F(RuntimeTest, ADeviceThatKeepsOverrunningItsBudgetIsDisabledWithAnAlarm) {
  runtime_->apply(load(R"(
devices:
  - { id: slow, driver: hostile-slow, params: { busy_ms: 6, period: 10ms } }
  - { id: counter, driver: c-counter, params: { period: 10ms } }
)"));
  ASSERT_TRUE(run_until([&] { return !running("slow"); }));
  EXPECT_NE(health_reason("slow").find("disabled: overran its callback budget"),
            std::string::npos)
      << health_reason("slow");
  const auto *alarm = runtime_->alarms().find("slow", kAlarmDeviceDisabled);
  ASSERT_NE(alarm, nullptr);
  EXPECT_EQ(alarm->severity, HEARTH_SEVERITY_MAJOR);
  const int64_t before = counter_value();
  EXPECT_TRUE(run_until([&] { return counter_value() >= before + 3; }));
}

TEST_F(RuntimeTest, ACoreThreadFunctionCalledFromAPluginThreadIsRefusedAndDisablesTheDevice) {
  runtime_->apply(load(R"(
devices:
  - { id: rogue, driver: hostile-wrong-thread }
  - { id: counter, driver: c-counter, params: { period: 10ms } }
)"));
  ASSERT_TRUE(run_until([&] { return !running("rogue"); }));
  EXPECT_NE(health_reason("rogue").find("called point_publish from a thread of its own"),
            std::string::npos)
      << health_reason("rogue");
  EXPECT_TRUE(running("counter"));
}

TEST_F(RuntimeTest, CallbacksArrivingAfterStopAreDropped) {
  runtime_->apply(load(R"(
devices:
  - { id: late, driver: hostile-late, params: { late_ms: 20ms } }
)"));
  ASSERT_TRUE(running("late"));
  runtime_->apply(load("devices: []\n"));  // stops it; its thread posts 20 ms later
  EXPECT_FALSE(running("late"));
  ASSERT_TRUE(run_until([&] { return logged("hostile-late: post after stop returned"); }));
  // Give the dropped post and the 0 ms timer every chance to run.
  auto guard = boost::asio::make_work_guard(runtime_->io());
  runtime_->io().run_for(50ms);
  EXPECT_FALSE(logged("LATE CALLBACK DELIVERED"));
  void *library = ::dlopen(HEARTH_HOSTILE_DIR "/hostile-late.so", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(library, nullptr);
  auto deliveries = reinterpret_cast<int (*)()>(::dlsym(library, "hostile_late_deliveries"));
  ASSERT_NE(deliveries, nullptr);
  EXPECT_EQ(deliveries(), 0);
  ::dlclose(library);
}

TEST_F(RuntimeTest, ReloadRestartsOnlyChangedDevices) {
  runtime_->apply(load(R"(
devices:
  - { id: counter, driver: c-counter, params: { period: 10ms } }
  - { id: other, driver: c-counter, params: { period: 10ms } }
)"));
  auto counter = runtime_->find_device("counter");
  auto other = runtime_->find_device("other");
  runtime_->apply(load(R"(
devices:
  - { id: counter, driver: c-counter, params: { period: 10ms } }
  - { id: other, driver: c-counter, params: { period: 20ms } }
  - { id: third, driver: c-counter }
)"));
  EXPECT_EQ(runtime_->find_device("counter"), counter);  // unchanged: same instance, never stopped
  EXPECT_NE(runtime_->find_device("other"), other);
  EXPECT_TRUE(running("other"));
  EXPECT_TRUE(running("third"));
  EXPECT_EQ(other->state, DeviceState::Stopped);
}

// The watchdog: a plugin blocks the core thread; the registered fail-safe write must reach the
// wire within 1 s, executed by the watchdog thread on the link.
TEST_F(RuntimeTest, AStalledCoreLoopLeadsToTheFailsafeWritesOnTheWire) {
  auto peer = testing::ModbusPeer::tcp({"--units", "1"});
  const auto config = load(
      "links:\n  inverter-lan: { type: tcp, host: 127.0.0.1, port: " +
      std::to_string(peer->tcp_port()) +
      " }\n"
      "devices:\n"
      "  - { id: blocker, driver: hostile-blocking, link: inverter-lan, unit: 1,\n"
      "      params: { block_ms: 1500, period: 50ms, failsafe_register: 47415,"
      " failsafe_value: 0 } }\n");
  runtime_->apply(config);
  ASSERT_TRUE(run_until([&] { return runtime_->failsafe().entries().contains("blocker"); }));
  runtime_->start_services();
  const auto blocked_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return logged("blocking the core thread"); }));
  ASSERT_TRUE(peer->wait_for_requests(1, 3s));
  const auto write = peer->requests().front();
  EXPECT_EQ(write.function, 6);
  EXPECT_EQ(write.address, 47415u);
  ASSERT_EQ(write.values.size(), 1u);
  EXPECT_EQ(write.values[0], 0);
  const auto written_after = std::chrono::nanoseconds(write.received_ns) -
                             blocked_at.time_since_epoch();
  EXPECT_LT(written_after, std::getenv("HEARTH_SANITIZED") ? 2s : 1s);
  // When the loop runs again the stall is an alarm, then cleared.
  ASSERT_TRUE(run_until([&] { return runtime_->alarms().find("hearthd", kAlarmCoreStalled); }));
  EXPECT_TRUE(run_until([&] { return !runtime_->alarms().find("hearthd", kAlarmCoreStalled); }));
}

}  // namespace
}  // namespace hearth::host
