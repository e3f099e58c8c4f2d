// The energy section: limits, fail-safe, surplus priority and ripple control.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(ConfigTest, EnergyValuesAreChecked) {
  EXPECT_THAT(
      errors_of(R"(energy:
  mode: eco
  feed_in_limit_w: 0
  feed_in_limit_pct: 70
  import_limit: { w: -5, hours: "17-21" }
  fail_safe: { meter_timeout_s: 10 }
  surplus_prio: []
)"),
      ElementsAre(
          at(2, 9, "energy.mode: 'eco' is not one of: self-consumption, tou, cost-optimal"),
          at(4, 22, "energy.feed_in_limit_pct: set feed_in_limit_w or feed_in_limit_pct, not both"),
          at(5, 22, "energy.import_limit.w: -5 W is below the minimum of 0 W"),
          at(5, 33,
             "energy.import_limit.hours: '17-21' is not a time window; write HH:MM-HH:MM, "
             "e.g. 17:00-21:00"),
          at(6, 33, "energy.fail_safe.meter_timeout_s: 10 s is above the maximum of 5 s"),
          at(7, 3, "energy: unknown key 'surplus_prio'; did you mean 'surplus_priority'?")));
}

TEST_F(ConfigTest, ImportLimitHoursAcceptClockWindowsOnly) {
  for (const char *hours : {"17:00-21:00", "22:00-06:00", "00:00-24:00"}) {
    EXPECT_THAT(
        errors_of(std::string("energy: { import_limit: { w: 8000, hours: \"") + hours + "\" } }\n"),
        IsEmpty())
        << hours;
  }
  for (const char *hours :
       {"25:00-26:00", "17:60-18:00", "17:00-17:00", "24:30-01:00", "5:00-6:00", "17:00 - 21:00"}) {
    EXPECT_EQ(
        errors_of(std::string("energy: { import_limit: { w: 8000, hours: \"") + hours + "\" } }\n")
            .size(),
        1u)
        << hours;
  }
}

TEST_F(ConfigTest, PercentFeedInNeedsTheInstalledPvPower) {
  write("main.yaml", R"(energy:
  feed_in_limit_pct: 70
site: { name: X, grid: single-phase, fuse_a: 40, location: { lat: 1, lon: 2, timezone: UTC } }
)");
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(2, 22,
                             "energy.feed_in_limit_pct: is a percentage of "
                             "site.pv_installed_wp, which is not set")));
}

TEST_F(ConfigTest, SurplusPriorityNamesExistingDevicesOrTheirBattery) {
  EXPECT_THAT(errors_of(R"(devices:
  - { id: inverter-1, driver: huawei-sun2000 }
  - { id: wallbox, driver: huawei-charger }
energy:
  surplus_priority: [inverter-1/battery, wallbx, inverter-1/pv, wallbox, wallbox]
)"),
              ElementsAre(at(5, 42,
                             "energy.surplus_priority[1]: unknown device 'wallbx'; did you mean "
                             "'wallbox'?"),
                          at(5, 50,
                             "energy.surplus_priority[2]: 'inverter-1/pv': only '<device>/battery' "
                             "names a part of a device"),
                          at(5, 74, "energy.surplus_priority[4]: 'wallbox' is listed twice")));
}

TEST_F(ConfigTest, RippleControlWithoutLevelsIsRefused) {
  EXPECT_THAT(errors_of(R"(energy:
  ripple_control:
    inputs: [DI1, DI2]
)"),
              ElementsAre(at(3, 5,
                             "energy.ripple_control: ripple control needs a levels table "
                             "from the grid operator's wiring; there is no default")));
}

TEST_F(ConfigTest, RippleControlLevelsAreChecked) {
  EXPECT_THAT(
      errors_of(R"(energy:
  ripple_control:
    inputs: [DI1, DI2]
    levels: { "00": 100, "1": 60, "0x": 30, "11": 120, "00": 0 }
    undefined: full-power
)"),
      ElementsAre(at(4, 26,
                     "energy.ripple_control.levels: pattern '1' has length 1; it needs one digit "
                     "per input (2)"),
                  at(4, 35, "energy.ripple_control.levels: pattern '0x' may contain only 0 and 1"),
                  at(4, 51, "energy.ripple_control.levels.11: 120 % is above the maximum of 100 %"),
                  at(4, 56,
                     "energy.ripple_control.levels: duplicate key '00' (first at " +
                         path("main.yaml") + ":4:15)"),
                  at(5, 16,
                     "energy.ripple_control.undefined: 'full-power' is not one of: "
                     "keep-last-and-alarm, fail-safe")));
}

TEST_F(ConfigTest, RippleControlInputsAreDistinctDigitalInputs) {
  EXPECT_THAT(errors_of(R"(energy:
  ripple_control:
    inputs: [DI1, DI5, DI1]
    levels: { "000": 100 }
)"),
              ElementsAre(at(3, 19,
                             "energy.ripple_control.inputs[1]: 'DI5' is not a DI channel; "
                             "the box has DI1, DI2, DI3, DI4"),
                          at(3, 24, "energy.ripple_control.inputs[2]: DI1 is listed twice")));
  EXPECT_THAT(
      errors_of("energy: { ripple_control: { inputs: [], levels: { \"0\": 1 } } }\n"),
      ElementsAre(at(1, 37, "energy.ripple_control.inputs: has 0 items; at least 1 needed")));
}

TEST_F(ConfigTest, RippleControlTableReachesTheEnergyNodeWithDefaults) {
  write("main.yaml", std::string(R"(energy:
  ripple_control:
    inputs: [DI1, DI2, DI3, DI4]
    levels: { "1000": 100, "0100": 60, "0010": 30, "0001": 0 }
)") + kSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  const YAML::Node &ripple = result.config.energy["ripple_control"];
  EXPECT_EQ(ripple["levels"]["0010"].as<double>(), 30.0);
  EXPECT_EQ(ripple["undefined"].as<std::string>(), "keep-last-and-alarm");
  EXPECT_EQ(ripple["debounce"].as<std::string>(), "1s");
  EXPECT_EQ(ripple["fail_safe_pct"].as<double>(), 0.0);
}

}  // namespace
}  // namespace hearth::config::testing
