// Ripple control (protocols.md §10): table lookup, debouncing, undefined patterns under both
// policies, start-up, and the refusal of a missing table.
#include <gtest/gtest.h>

#include <hearth/hal/ripple_control.hpp>
#include <hearth/hal/sim.hpp>
#include <vector>

namespace hearth::hal {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 100 * kS;

RippleControlSettings two_input_settings() {
  RippleControlSettings settings;
  settings.inputs = {"DI1", "DI2"};
  settings.levels_pct = {{"00", 100.0}, {"10", 60.0}, {"01", 30.0}};  // "11" left undefined
  settings.debounce_ns = 1 * kS;
  settings.fail_safe_pct = 0.0;
  return settings;
}

class RippleControlTest : public ::testing::Test {
 protected:
  void make(RippleControlSettings settings) {
    ripple_ = std::make_unique<RippleControl>(
        std::move(settings), [this](const RippleLevel &level) { levels_.push_back(level); },
        [this](const UndefinedPatternCondition &c) { conditions_.push_back(c); });
  }
  // Runs the debounce timer like the core: fires at each deadline up to `until`.
  void run_until(int64_t until) {
    while (auto deadline = ripple_->next_deadline_mono_ns()) {
      if (*deadline > until) break;
      ripple_->update(*deadline);
    }
    ripple_->update(until);
  }

  std::unique_ptr<RippleControl> ripple_;
  std::vector<RippleLevel> levels_;
  std::vector<UndefinedPatternCondition> conditions_;
};

TEST_F(RippleControlTest, StartsAtTheFailSafeLevelThenFollowsTheTable) {
  make(two_input_settings());
  ripple_->start({false, false}, kT0);
  ASSERT_EQ(levels_.size(), 1u);
  EXPECT_EQ(levels_[0].source, RippleLevelSource::kStartup);
  EXPECT_EQ(levels_[0].allowed_pv_pct, 0.0);
  EXPECT_EQ(levels_[0].valid_from_mono_ns, kT0);
  EXPECT_EQ(ripple_->next_deadline_mono_ns(), kT0 + 1 * kS);
  run_until(kT0 + 1 * kS);
  ASSERT_EQ(levels_.size(), 2u);
  EXPECT_EQ(levels_[1].source, RippleLevelSource::kTable);
  EXPECT_EQ(levels_[1].pattern, "00");
  EXPECT_EQ(levels_[1].allowed_pv_pct, 100.0);
  EXPECT_EQ(levels_[1].valid_from_mono_ns, kT0 + 1 * kS);

  ripple_->on_input("DI1", true, kT0 + 10 * kS);
  run_until(kT0 + 20 * kS);
  ASSERT_EQ(levels_.size(), 3u);
  EXPECT_EQ(levels_[2].pattern, "10");
  EXPECT_EQ(levels_[2].allowed_pv_pct, 60.0);
  EXPECT_EQ(levels_[2].valid_from_mono_ns, kT0 + 11 * kS);

  // Pattern characters follow the order of `inputs`: DI2 alone is "01".
  ripple_->on_input("DI1", false, kT0 + 30 * kS);
  ripple_->on_input("DI2", true, kT0 + 30 * kS);
  run_until(kT0 + 40 * kS);
  EXPECT_EQ(ripple_->level().pattern, "01");
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 30.0);
  EXPECT_TRUE(conditions_.empty());
}

TEST_F(RippleControlTest, AGlitchShorterThanTheDebounceChangesNothing) {
  make(two_input_settings());
  ripple_->start({true, false}, kT0);
  run_until(kT0 + 2 * kS);
  const auto before = levels_.size();
  ripple_->on_input(1, true, kT0 + 5 * kS);  // "11" for 999 ms
  ripple_->on_input(1, false, kT0 + 5 * kS + 999 * kMs);
  run_until(kT0 + 10 * kS);
  EXPECT_EQ(levels_.size(), before);
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 60.0);
  EXPECT_TRUE(conditions_.empty());
  EXPECT_EQ(ripple_->glitches(), 1u);
}

TEST_F(RippleControlTest, ContactsThatSwitchOneAfterTheOtherPassNoIntermediatePattern) {
  make(two_input_settings());
  ripple_->start({true, false}, kT0);
  run_until(kT0 + 2 * kS);
  // "10" -> "01" through a 300 ms "11" (undefined) while the receiver's relays move.
  ripple_->on_input(1, true, kT0 + 5 * kS);
  ripple_->on_input(0, false, kT0 + 5 * kS + 300 * kMs);
  run_until(kT0 + 10 * kS);
  EXPECT_TRUE(conditions_.empty());
  EXPECT_EQ(levels_.back().pattern, "01");
  EXPECT_EQ(levels_.back().valid_from_mono_ns, kT0 + 6 * kS + 300 * kMs);
}

TEST_F(RippleControlTest, UndefinedPatternKeepsTheLastLevelAndRaisesUntilAValidOne) {
  make(two_input_settings());  // default policy: keep-last-and-alarm
  ripple_->start({true, false}, kT0);
  run_until(kT0 + 2 * kS);
  ripple_->on_input(1, true, kT0 + 5 * kS);  // "11"
  run_until(kT0 + 10 * kS);
  ASSERT_EQ(conditions_.size(), 1u);
  EXPECT_TRUE(conditions_[0].active);
  EXPECT_EQ(conditions_[0].pattern, "11");
  EXPECT_EQ(conditions_[0].at_mono_ns, kT0 + 6 * kS);
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 60.0);
  EXPECT_EQ(ripple_->level().source, RippleLevelSource::kKeptLast);
  EXPECT_EQ(ripple_->level().valid_from_mono_ns, kT0 + 1 * kS);  // unchanged since "10"

  ripple_->on_input(0, false, kT0 + 20 * kS);  // "01"
  run_until(kT0 + 30 * kS);
  ASSERT_EQ(conditions_.size(), 2u);
  EXPECT_FALSE(conditions_[1].active);
  EXPECT_EQ(conditions_[1].at_mono_ns, kT0 + 21 * kS);
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 30.0);
  EXPECT_EQ(ripple_->level().source, RippleLevelSource::kTable);
}

TEST_F(RippleControlTest, UndefinedPatternUnderFailSafeUsesTheFailSafeLevel) {
  auto settings = two_input_settings();
  settings.undefined = UndefinedPatternPolicy::kFailSafe;
  settings.fail_safe_pct = 10.0;
  make(settings);
  ripple_->start({false, false}, kT0);
  run_until(kT0 + 2 * kS);
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 100.0);
  ripple_->on_input(0, true, kT0 + 5 * kS);
  ripple_->on_input(1, true, kT0 + 5 * kS);
  run_until(kT0 + 10 * kS);
  EXPECT_TRUE(ripple_->undefined_pattern_active());
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 10.0);
  EXPECT_EQ(ripple_->level().source, RippleLevelSource::kFailSafe);
  EXPECT_EQ(ripple_->level().valid_from_mono_ns, kT0 + 6 * kS);
}

TEST_F(RippleControlTest, AnUndefinedFirstPatternStaysAtTheStartupLevelUnderKeepLast) {
  auto settings = two_input_settings();
  settings.fail_safe_pct = 20.0;
  make(settings);
  ripple_->start({true, true}, kT0);
  run_until(kT0 + 5 * kS);
  ASSERT_EQ(conditions_.size(), 1u);
  EXPECT_TRUE(conditions_[0].active);
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 20.0);
  EXPECT_EQ(ripple_->level().source, RippleLevelSource::kStartup);
}

TEST_F(RippleControlTest, AOneHotFourRelayTableFromTheSimInputs) {
  // The classic German scheme (protocols.md §10): exactly one of K1..K4 closed.
  RippleControlSettings settings;
  settings.inputs = {"DI1", "DI2", "DI3", "DI4"};
  settings.levels_pct = {{"1000", 100}, {"0100", 60}, {"0010", 30}, {"0001", 0}};
  settings.debounce_ns = 2 * kS;
  make(settings);
  ManualClock clock(kT0);
  HalSettings hal_settings{.clock = &clock};
  hal_settings.digital_inputs = {{"DI1"}, {"DI2"}, {"DI3"}, {"DI4"}};
  auto hal = make_sim_hal(hal_settings);
  std::vector<bool> initial;
  for (const auto &input : hal->digital_inputs()) initial.push_back(input->level());
  ripple_->start(initial, kT0);
  hal->sim_input("DI3").set_level(true, kT0 + 5 * kS);
  for (const auto &input : hal->digital_inputs()) {
    for (const auto &edge : input->read_edges()) {
      ripple_->on_input(input->name(), edge.level, edge.mono_ns);
    }
  }
  run_until(kT0 + 10 * kS);
  EXPECT_EQ(ripple_->level().pattern, "0010");
  EXPECT_EQ(ripple_->level().allowed_pv_pct, 30.0);
  EXPECT_EQ(ripple_->level().valid_from_mono_ns, kT0 + 7 * kS);
  // "0000" (no relay closed) at start-up was undefined from kT0 + 2 s, cleared by "0010".
  ASSERT_EQ(conditions_.size(), 2u);
  EXPECT_EQ(conditions_[0].pattern, "0000");
  EXPECT_EQ(conditions_[0].at_mono_ns, kT0 + 2 * kS);
  EXPECT_FALSE(conditions_[1].active);
}

TEST_F(RippleControlTest, RefusesAMissingTable) {
  auto settings = two_input_settings();
  settings.levels_pct.clear();
  try {
    make(settings);
    FAIL() << "constructed without a table";
  } catch (const std::invalid_argument &error) {
    EXPECT_NE(std::string(error.what()).find("levels table is empty"), std::string::npos)
        << error.what();
  }
}

TEST(RippleControlSettingsCheck, NamesEveryProblem) {
  RippleControlSettings settings;
  settings.inputs = {"DI1", "DI1", "DI2", "DI3", "DI4"};
  settings.levels_pct = {{"1x", 50.0}, {"10000", 120.0}};
  settings.debounce_ns = -1;
  settings.fail_safe_pct = -5;
  const auto problems = validate_ripple_control_settings(settings);
  const auto mentions = [&](const char *text) {
    for (const auto &problem : problems) {
      if (problem.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(mentions("at most 4"));
  EXPECT_TRUE(mentions("DI1 is listed twice"));
  EXPECT_TRUE(mentions("\"1x\" must have one 0 or 1 per input"));
  EXPECT_TRUE(mentions("outside 0..100"));
  EXPECT_TRUE(mentions("negative debounce"));
  EXPECT_TRUE(mentions("fail-safe level"));
  EXPECT_TRUE(validate_ripple_control_settings(two_input_settings()).empty());
}

TEST(RippleControlSettingsCheck, PolicyNames) {
  EXPECT_EQ(parse_undefined_pattern_policy("fail-safe"), UndefinedPatternPolicy::kFailSafe);
  EXPECT_EQ(parse_undefined_pattern_policy("keep-last-and-alarm"),
            UndefinedPatternPolicy::kKeepLastAndAlarm);
  EXPECT_THROW(parse_undefined_pattern_policy("full-power"), std::invalid_argument);
}

TEST_F(RippleControlTest, UnknownInputsAreCountedNotApplied) {
  make(two_input_settings());
  ripple_->start({false, false}, kT0);
  EXPECT_FALSE(ripple_->on_input("DI7", true, kT0));
  EXPECT_FALSE(ripple_->on_input(5, true, kT0));
  EXPECT_EQ(ripple_->unknown_inputs(), 2u);
  EXPECT_THROW(ripple_->start({true}, kT0), std::invalid_argument);
}

}  // namespace
}  // namespace hearth::hal
