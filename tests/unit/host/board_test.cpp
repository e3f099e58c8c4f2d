// The HAL wired into the runtime (sim backend): LEDs follow alarms, the RST button becomes a bus
// event, ripple control publishes the allowed PV share, plugins reach only granted channels.
#include <gtest/gtest.h>
#include <hearth/hal/sim.hpp>
#include <hearth/host/board.hpp>

namespace hearth::host {
namespace {

using namespace std::chrono_literals;

class BoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hearth-board-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    runtime_ = std::make_unique<Runtime>(
        RuntimeOptions{.state_dir = dir_ / "state", .notify_service_manager = false});
  }
  void TearDown() override {
    board_.reset();
    runtime_.reset();
    std::filesystem::remove_all(dir_);
  }
  void make_board(std::optional<hal::RippleControlSettings> ripple = std::nullopt) {
    auto hal = hal::make_sim_hal(hal::HalSettings{});
    sim_ = hal.get();
    board_ = std::make_unique<Board>(*runtime_, std::move(hal), std::move(ripple));
    board_->start();
  }
  bool run_until(const std::function<bool()> &pred, std::chrono::milliseconds timeout = 5s) {
    auto guard = boost::asio::make_work_guard(runtime_->io());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      runtime_->io().run_for(5ms);
    }
    return true;
  }
  std::optional<hearth_value> point(const std::string &name) {
    const auto id = runtime_->points().find(name);
    if (!id) return std::nullopt;
    const auto sample = runtime_->points().get(*id);
    if (!sample.has_value) return std::nullopt;
    return sample.value;
  }
  int64_t now() const { return runtime_->clock().mono_ns(); }

  std::filesystem::path dir_;
  std::unique_ptr<Runtime> runtime_;
  hal::SimHal *sim_ = nullptr;
  std::unique_ptr<Board> board_;
};

TEST_F(BoardTest, RunLedIsOnAndTheAlarmLedFollowsTheHighestSeverity) {
  make_board();
  EXPECT_TRUE(sim_->sim_led(hal::LedId::kRun).level());
  EXPECT_FALSE(sim_->sim_led(hal::LedId::kAlarm).level());

  runtime_->alarms().raise("inverter-1", 7, HEARTH_SEVERITY_CRITICAL, "test", 0);
  EXPECT_TRUE(sim_->sim_led(hal::LedId::kAlarm).level());  // steady red at once

  runtime_->alarms().clear("inverter-1", 7, 0);
  runtime_->alarms().raise("inverter-1", 8, HEARTH_SEVERITY_MAJOR, "test", 0);
  sim_->sim_led(hal::LedId::kAlarm).clear_history();
  // Major: 0.5 s on / 0.5 s off, driven by the board's timer on the core loop.
  ASSERT_TRUE(run_until([&] { return sim_->sim_led(hal::LedId::kAlarm).history().size() >= 2; }));
  const auto edges = sim_->sim_led(hal::LedId::kAlarm).history();
  const int64_t period_ns = edges[1].mono_ns - edges[0].mono_ns;
  const int64_t slack_ns = std::getenv("HEARTH_SANITIZED") ? 200'000'000 : 50'000'000;
  EXPECT_NEAR(static_cast<double>(period_ns), 500e6, static_cast<double>(slack_ns));
  EXPECT_NE(edges[0].level, edges[1].level);
}

TEST_F(BoardTest, AButtonHeldTwoSecondsWakesTheAccessPointOnTheBus) {
  make_board();
  const int64_t released = now();
  sim_->sim_button().press(released - 2'000'000'000);
  sim_->sim_button().release(released);
  ASSERT_TRUE(run_until([&] { return point("box/button_event").has_value(); }));
  EXPECT_STREQ(point("box/button_event")->as.s, "wake-access-point");
}

TEST_F(BoardTest, RippleControlPublishesTheTableLevelAndAlarmsOnAnUndefinedPattern) {
  hal::RippleControlSettings ripple;
  ripple.inputs = {"DI1", "DI2"};
  ripple.levels_pct = {{"00", 100}, {"10", 60}, {"01", 30}};
  ripple.debounce_ns = 50'000'000;
  make_board(ripple);
  EXPECT_DOUBLE_EQ(point("box/ripple_allowed_pv_pct")->as.d, 0.0);  // fail-safe until stable
  ASSERT_TRUE(run_until([&] { return point("box/ripple_allowed_pv_pct")->as.d == 100.0; }));

  sim_->sim_input("DI1").set_level(true, now());
  ASSERT_TRUE(run_until([&] { return point("box/ripple_allowed_pv_pct")->as.d == 60.0; }));

  sim_->sim_input("DI2").set_level(true, now());  // "11": not in the table
  ASSERT_TRUE(run_until([&] { return runtime_->alarms().find("box", kAlarmRippleUndefinedPattern); }));
  EXPECT_DOUBLE_EQ(point("box/ripple_allowed_pv_pct")->as.d, 60.0);  // keeps the last level

  sim_->sim_input("DI1").set_level(false, now());  // "01"
  ASSERT_TRUE(run_until([&] { return point("box/ripple_allowed_pv_pct")->as.d == 30.0; }));
  EXPECT_EQ(runtime_->alarms().find("box", kAlarmRippleUndefinedPattern), nullptr);
}

TEST_F(BoardTest, RippleSettingsComeFromTheEnergySection) {
  const auto energy = YAML::Load(R"(
ripple_control:
  inputs: [DI1, DI2]
  levels: { "00": 100, "11": 0 }
  undefined: fail-safe
  debounce: 2s
  fail_safe_pct: 10
)");
  const auto settings = ripple_settings_from(energy);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->inputs, (std::vector<std::string>{"DI1", "DI2"}));
  EXPECT_EQ(settings->levels_pct.at("11"), 0.0);
  EXPECT_EQ(settings->undefined, hal::UndefinedPatternPolicy::kFailSafe);
  EXPECT_EQ(settings->debounce_ns, 2'000'000'000);
  EXPECT_EQ(settings->fail_safe_pct, 10.0);
  EXPECT_FALSE(ripple_settings_from(YAML::Load("mode: tou")));
}

TEST_F(BoardTest, OutputsAndInputsReachOnlyGrantedDevices) {
  make_board();
  EXPECT_TRUE(board_->set_digital_output("DO1", true));
  EXPECT_TRUE(sim_->sim_output("DO1").level());
  EXPECT_FALSE(board_->set_digital_output("DO9", true));
  sim_->sim_input("DI2").set_level(true, now());
  EXPECT_EQ(board_->digital_input("DI2"), true);
  EXPECT_EQ(board_->digital_input("DI7"), std::nullopt);
}

}  // namespace
}  // namespace hearth::host
