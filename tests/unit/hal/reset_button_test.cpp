// RST button classification by hold time (emma-functions.md, "Front panel") with debouncing.
#include <gtest/gtest.h>

#include <hearth/hal/reset_button.hpp>
#include <hearth/hal/sim.hpp>
#include <optional>
#include <tuple>
#include <vector>

namespace hearth::hal {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 5 * kS;

class ResetButtonTest : public ::testing::Test {
 protected:
  ResetButtonTest() : button_({}, [this](const ButtonEvent &event) { events_.push_back(event); }) {}

  // A clean press and release, then time enough for the release to settle.
  void hold_for(int64_t held_ns, int64_t from = kT0) {
    button_.on_edge(true, from);
    button_.on_edge(false, from + held_ns);
    button_.update(from + held_ns + 50 * kMs);
  }

  std::optional<ButtonAction> single_action() const {
    if (events_.size() != 1) return std::nullopt;
    return events_[0].action;
  }

  ResetButton button_;
  std::vector<ButtonEvent> events_;
};

struct HoldCase {
  int64_t held_ns;
  std::optional<ButtonAction> action;
};

// Each boundary hold, once with clean contacts and once with 8 ms of chatter at both ends.
class HoldBoundaries : public ResetButtonTest,
                       public ::testing::WithParamInterface<std::tuple<HoldCase, bool>> {
 protected:
  void hold_with_bounce(int64_t held_ns) {
    for (int64_t t : {0, 3, 5}) button_.on_edge(t != 3, kT0 + t * kMs);  // down, up, down
    const int64_t release = kT0 + held_ns;
    for (int64_t t : {0, 2, 8}) button_.on_edge(t == 2, release + t * kMs);  // up, down, up
    button_.update(release + 8 * kMs + 50 * kMs);
  }
};

TEST_P(HoldBoundaries, ClassifyAsTheReferenceProduct) {
  const auto [hold, bouncy] = GetParam();
  if (bouncy) {
    hold_with_bounce(hold.held_ns);
  } else {
    hold_for(hold.held_ns);
  }
  if (hold.action) {
    ASSERT_EQ(events_.size(), 1u);
    EXPECT_EQ(events_[0].action, *hold.action);
    EXPECT_EQ(events_[0].held_ns, hold.held_ns);
    EXPECT_EQ(events_[0].pressed_mono_ns, kT0);
    EXPECT_EQ(events_[0].released_mono_ns, kT0 + hold.held_ns);
  } else {
    EXPECT_TRUE(events_.empty());
    EXPECT_EQ(button_.ignored_holds(), 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    ResetButton, HoldBoundaries,
    ::testing::Combine(::testing::Values(HoldCase{990 * kMs, std::nullopt},
                                         HoldCase{1000 * kMs, ButtonAction::kWakeAccessPoint},
                                         HoldCase{3000 * kMs, ButtonAction::kWakeAccessPoint},
                                         HoldCase{3010 * kMs, std::nullopt},
                                         HoldCase{9990 * kMs, std::nullopt},
                                         HoldCase{10 * kS, ButtonAction::kResetPasswords},
                                         HoldCase{60 * kS, ButtonAction::kResetPasswords},
                                         HoldCase{60'010 * kMs, ButtonAction::kFactoryReset},
                                         HoldCase{600 * kS, ButtonAction::kFactoryReset}),
                       ::testing::Bool()));

TEST_F(ResetButtonTest, ClassifyBoundariesToTheNanosecond) {
  EXPECT_EQ(classify_button_hold(1 * kS - 1), std::nullopt);
  EXPECT_EQ(classify_button_hold(3 * kS + 1), std::nullopt);
  EXPECT_EQ(classify_button_hold(10 * kS - 1), std::nullopt);
  EXPECT_EQ(classify_button_hold(60 * kS + 1), ButtonAction::kFactoryReset);
}

TEST_F(ResetButtonTest, TheEventComesOnlyAfterTheReleaseHasSettled) {
  button_.on_edge(true, kT0);
  button_.on_edge(false, kT0 + 2 * kS);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(button_.next_deadline_mono_ns(), kT0 + 2 * kS + 50 * kMs);
  button_.update(kT0 + 2 * kS + 49 * kMs);
  EXPECT_TRUE(events_.empty());
  button_.update(kT0 + 2 * kS + 50 * kMs);
  EXPECT_EQ(single_action(), ButtonAction::kWakeAccessPoint);
  EXPECT_FALSE(button_.next_deadline_mono_ns().has_value());
}

TEST_F(ResetButtonTest, FactoryResetIsDecidedAtReleaseNotWhen60SecondsPass) {
  button_.on_edge(true, kT0);
  button_.update(kT0 + 61 * kS);
  EXPECT_TRUE(button_.pressed());
  EXPECT_TRUE(events_.empty());
  button_.on_edge(false, kT0 + 75 * kS);
  button_.update(kT0 + 76 * kS);
  EXPECT_EQ(single_action(), ButtonAction::kFactoryReset);
}

TEST_F(ResetButtonTest, BounceOnPressAndReleaseDoesNotChangeTheHoldTime) {
  // Contact chatter for 6 ms at each end; the hold is exactly 3 s from first touch to first lift.
  for (int64_t t : {0, 2, 4}) button_.on_edge(t % 4 == 0, kT0 + t * kMs);
  button_.on_edge(true, kT0 + 6 * kMs);
  const int64_t release = kT0 + 3 * kS;
  button_.on_edge(false, release);
  button_.on_edge(true, release + 2 * kMs);
  button_.on_edge(false, release + 5 * kMs);
  button_.update(release + 55 * kMs);
  ASSERT_EQ(single_action(), ButtonAction::kWakeAccessPoint);
  EXPECT_EQ(events_[0].held_ns, 3 * kS);
}

TEST_F(ResetButtonTest, AGlitchShorterThanTheDebounceIsNoPress) {
  button_.on_edge(true, kT0);
  button_.on_edge(false, kT0 + 49 * kMs);
  button_.update(kT0 + 200 * kMs);
  EXPECT_FALSE(button_.pressed());
  EXPECT_EQ(button_.glitches(), 1u);
  // A real 2 s hold afterwards still counts from its own press.
  hold_for(2 * kS, kT0 + 1 * kS);
  ASSERT_EQ(single_action(), ButtonAction::kWakeAccessPoint);
  EXPECT_EQ(events_[0].pressed_mono_ns, kT0 + 1 * kS);
}

TEST_F(ResetButtonTest, ABounceDuringTheHoldDoesNotEndIt) {
  button_.on_edge(true, kT0);
  button_.on_edge(false, kT0 + 5 * kS);  // a 30 ms lift in the middle of a 12 s hold
  button_.on_edge(true, kT0 + 5 * kS + 30 * kMs);
  button_.update(kT0 + 6 * kS);
  EXPECT_TRUE(button_.pressed());
  button_.on_edge(false, kT0 + 12 * kS);
  button_.update(kT0 + 13 * kS);
  ASSERT_EQ(single_action(), ButtonAction::kResetPasswords);
  EXPECT_EQ(events_[0].held_ns, 12 * kS);
}

TEST_F(ResetButtonTest, AnEdgeThatSettledBeforeTheNextIsNotLostWithoutUpdate) {
  // The core processed both edges late, in one batch, without a timer in between.
  button_.on_edge(true, kT0);
  button_.on_edge(false, kT0 + 1500 * kMs);
  button_.on_edge(true, kT0 + 4 * kS);
  button_.on_edge(false, kT0 + 5 * kS);
  button_.update(kT0 + 6 * kS);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].held_ns, 1500 * kMs);
  EXPECT_EQ(events_[1].held_ns, 1000 * kMs);
  EXPECT_EQ(events_[1].action, ButtonAction::kWakeAccessPoint);
}

TEST_F(ResetButtonTest, FedFromTheSimButtonLine) {
  ManualClock clock;
  auto hal = make_sim_hal(HalSettings{.clock = &clock});
  hal->sim_button().press(kT0);
  hal->sim_button().release(kT0 + 15 * kS);
  for (const auto &edge : hal->button().read_edges()) button_.on_edge(edge.level, edge.mono_ns);
  button_.update(kT0 + 16 * kS);
  EXPECT_EQ(single_action(), ButtonAction::kResetPasswords);
}

}  // namespace
}  // namespace hearth::hal
