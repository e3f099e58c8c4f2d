// The front-panel LED patterns of the reference product (emma-functions.md, "Front panel"),
// driven by a ManualClock with the exact edge times asserted on the sim LED's history.
#include <gtest/gtest.h>
#include <hearth/plugin.h>

#include <hearth/hal/front_panel.hpp>
#include <hearth/hal/led_pattern.hpp>
#include <hearth/hal/sim.hpp>
#include <vector>

namespace hearth::hal {
namespace {

constexpr int64_t kMs = kNsPerMs;

class LedPatternTest : public ::testing::Test {
 protected:
  LedPatternTest() : led_("alarm", clock_) {}

  // Runs the driver like the core does: one timer, armed for the next edge, until `until`.
  void run_until(LedDriver &driver, int64_t until_mono_ns) {
    while (auto next = driver.next_edge_mono_ns()) {
      if (*next > until_mono_ns) break;
      clock_.advance_ns(*next - clock_.mono_ns());
      driver.update(clock_.mono_ns());
    }
    clock_.advance_ns(until_mono_ns - clock_.mono_ns());
    driver.update(clock_.mono_ns());
  }

  // The edges after the driver's initial "off", relative to t0.
  std::vector<std::pair<bool, int64_t>> edges_since(int64_t t0) const {
    std::vector<std::pair<bool, int64_t>> out;
    for (const auto &edge : led_.history()) out.emplace_back(edge.level, edge.mono_ns - t0);
    return out;
  }

  ManualClock clock_;
  SimOutputLine led_;
};

using Edges = std::vector<std::pair<bool, int64_t>>;

TEST_F(LedPatternTest, MajorAlarmBlinksHalfSecondFromTheMomentItIsRaisedAndStopsAtOnce) {
  AlarmLed alarm(led_);
  clock_.advance_ms(123);  // t0 is not a multiple of the period: the phase starts at the raise
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_MAJOR, t0);
  EXPECT_EQ(alarm.next_edge_mono_ns(), t0 + 500 * kMs);
  run_until(alarm, t0 + 2200 * kMs);
  alarm.set_highest_severity(0, clock_.mono_ns());
  EXPECT_EQ(edges_since(t0), (Edges{{true, 0},
                                    {false, 500 * kMs},
                                    {true, 1000 * kMs},
                                    {false, 1500 * kMs},
                                    {true, 2000 * kMs},
                                    {false, 2200 * kMs}}));
  EXPECT_FALSE(alarm.next_edge_mono_ns().has_value());
}

TEST_F(LedPatternTest, WarningAndMinorAreOneSecondOnFourSecondsOff) {
  for (int32_t severity : {HEARTH_SEVERITY_WARNING, HEARTH_SEVERITY_MINOR}) {
    SCOPED_TRACE(severity);
    led_.clear_history();
    AlarmLed alarm(led_);
    const int64_t t0 = clock_.mono_ns();
    alarm.set_highest_severity(severity, t0);
    run_until(alarm, t0 + 10'999 * kMs);
    EXPECT_EQ(edges_since(t0), (Edges{{true, 0},
                                      {false, 1000 * kMs},
                                      {true, 5000 * kMs},
                                      {false, 6000 * kMs},
                                      {true, 10'000 * kMs}}));
    alarm.set_highest_severity(0, clock_.mono_ns());
  }
}

TEST_F(LedPatternTest, CriticalIsSteadyWithNoTimerNeeded) {
  AlarmLed alarm(led_);
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_CRITICAL, t0);
  EXPECT_FALSE(alarm.next_edge_mono_ns().has_value());
  clock_.advance_ms(60'000);
  alarm.update(clock_.mono_ns());
  EXPECT_EQ(edges_since(t0), (Edges{{true, 0}}));
}

TEST_F(LedPatternTest, RepeatingTheSameSeverityDoesNotRestartThePhase) {
  AlarmLed alarm(led_);
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_MAJOR, t0);
  clock_.advance_ms(300);
  alarm.set_highest_severity(HEARTH_SEVERITY_MAJOR, clock_.mono_ns());
  EXPECT_EQ(alarm.next_edge_mono_ns(), t0 + 500 * kMs);
  // Warning -> minor is the same pattern too: the blink goes on undisturbed.
  alarm.set_highest_severity(HEARTH_SEVERITY_WARNING, clock_.mono_ns());
  const int64_t t1 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_MINOR, t1 + 200 * kMs);
  EXPECT_EQ(alarm.next_edge_mono_ns(), t1 + 1000 * kMs);
}

TEST_F(LedPatternTest, EscalationRestartsThePhaseAtTheChange) {
  AlarmLed alarm(led_);
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_WARNING, t0);
  run_until(alarm, t0 + 1200 * kMs);  // in the off phase
  alarm.set_highest_severity(HEARTH_SEVERITY_MAJOR, clock_.mono_ns());
  run_until(alarm, t0 + 2300 * kMs);
  EXPECT_EQ(edges_since(t0), (Edges{{true, 0},
                                    {false, 1000 * kMs},
                                    {true, 1200 * kMs},
                                    {false, 1700 * kMs},
                                    {true, 2200 * kMs}}));
}

TEST_F(LedPatternTest, CommLedNormalAndInterruptedRates) {
  CommLed comm(led_);
  const int64_t t0 = clock_.mono_ns();
  comm.set_state(CommState::kNormal, t0);
  run_until(comm, t0 + 2500 * kMs);
  comm.set_state(CommState::kInterrupted, clock_.mono_ns());
  run_until(comm, t0 + 3000 * kMs);
  comm.set_state(CommState::kNone, clock_.mono_ns());
  EXPECT_EQ(edges_since(t0), (Edges{{true, 0},
                                    {false, 1000 * kMs},
                                    {true, 2000 * kMs},
                                    // interrupted from 2500: 125 ms on, 125 ms off
                                    {false, 2625 * kMs},
                                    {true, 2750 * kMs},
                                    {false, 2875 * kMs},
                                    {true, 3000 * kMs},
                                    {false, 3000 * kMs}}));
}

TEST_F(LedPatternTest, RunLedIsSteadyWhileRunning) {
  RunLed run(led_);
  const int64_t t0 = clock_.mono_ns();
  run.set_running(true, t0);
  EXPECT_TRUE(led_.level());
  EXPECT_FALSE(run.next_edge_mono_ns().has_value());
  run.set_running(false, t0 + 5 * kMs);
  EXPECT_FALSE(led_.level());
}

TEST_F(LedPatternTest, ALateTimerCatchesUpWithoutShiftingThePattern) {
  AlarmLed alarm(led_);
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_MAJOR, t0);
  clock_.advance_ms(1730);  // the core stalled over three edges
  alarm.update(clock_.mono_ns());
  EXPECT_FALSE(led_.level());  // 1730 ms is in the off half of the second period
  EXPECT_EQ(alarm.next_edge_mono_ns(), t0 + 2000 * kMs);
  // An early timer changes nothing and keeps the next edge.
  alarm.update(t0 + 1900 * kMs);
  EXPECT_EQ(alarm.next_edge_mono_ns(), t0 + 2000 * kMs);
}

TEST_F(LedPatternTest, TheLedIsWrittenOnlyOnLevelChanges) {
  AlarmLed alarm(led_);
  const uint64_t writes_after_init = led_.write_count();
  const int64_t t0 = clock_.mono_ns();
  alarm.set_highest_severity(HEARTH_SEVERITY_CRITICAL, t0);
  for (int i = 1; i <= 10; ++i) alarm.update(t0 + i * 100 * kMs);
  EXPECT_EQ(led_.write_count(), writes_after_init + 1);
}

TEST(LedPatterns, MatchTheReferenceProductTable) {
  EXPECT_EQ(alarm_led_pattern(0), BlinkPattern::off());
  EXPECT_EQ(alarm_led_pattern(HEARTH_SEVERITY_WARNING),
            BlinkPattern::blink(1000 * kMs, 4000 * kMs));
  EXPECT_EQ(alarm_led_pattern(HEARTH_SEVERITY_MINOR), BlinkPattern::blink(1000 * kMs, 4000 * kMs));
  EXPECT_EQ(alarm_led_pattern(HEARTH_SEVERITY_MAJOR), BlinkPattern::blink(500 * kMs, 500 * kMs));
  EXPECT_EQ(alarm_led_pattern(HEARTH_SEVERITY_CRITICAL), BlinkPattern::steady());
  EXPECT_EQ(comm_led_pattern(CommState::kNone), BlinkPattern::off());
  EXPECT_EQ(comm_led_pattern(CommState::kNormal), BlinkPattern::blink(1000 * kMs, 1000 * kMs));
  EXPECT_EQ(comm_led_pattern(CommState::kInterrupted), BlinkPattern::blink(125 * kMs, 125 * kMs));
}

TEST(LedPatterns, RejectSeveritiesOutsideTheAbi) {
  EXPECT_THROW(alarm_led_pattern(-1), std::out_of_range);
  EXPECT_THROW(alarm_led_pattern(HEARTH_SEVERITY_CRITICAL + 1), std::out_of_range);
  EXPECT_THROW(BlinkPattern::blink(0, 5), std::invalid_argument);
}

}  // namespace
}  // namespace hearth::hal

namespace hearth::hal {
namespace {

TEST(FrontPanel, OneTimerServesAllThreeLedsAtTheirExactEdges) {
  ManualClock clock;
  auto hal = make_sim_hal(HalSettings{.clock = &clock});
  FrontPanel panel(*hal);
  const int64_t t0 = clock.mono_ns();
  panel.run().set_running(true, t0);
  panel.alarm().set_highest_severity(HEARTH_SEVERITY_MAJOR, t0);
  clock.advance_ms(300);
  panel.comm().set_state(CommState::kInterrupted, clock.mono_ns());
  std::vector<int64_t> wakeups;
  while (auto next = panel.next_edge_mono_ns()) {
    if (*next > t0 + 1000 * kNsPerMs) break;
    clock.advance_ns(*next - clock.mono_ns());
    wakeups.push_back(clock.mono_ns() - t0);
    panel.update(clock.mono_ns());
  }
  const auto ms = [](int64_t v) { return v * kNsPerMs; };
  // comm toggles every 125 ms from 300 ms; alarm at 500 and 1000 ms.
  EXPECT_EQ(wakeups,
            (std::vector<int64_t>{ms(425), ms(500), ms(550), ms(675), ms(800), ms(925), ms(1000)}));
  EXPECT_TRUE(hal->sim_led(LedId::kRun).level());
  EXPECT_EQ(hal->sim_led(LedId::kRun).history().size(), 1u);
  EXPECT_EQ(hal->sim_led(LedId::kAlarm).history().size(), 3u);  // on, off at 500, on at 1000
  EXPECT_EQ(hal->sim_led(LedId::kComm).history().size(), 6u);   // on at 300, then 5 toggles
}

}  // namespace
}  // namespace hearth::hal
