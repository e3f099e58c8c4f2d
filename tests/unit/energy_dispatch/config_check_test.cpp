// energy.tou and energy.dispatch in the YAML: located errors for every broken key, and a valid
// section reaching DispatchSettings unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_fixture.hpp"
#include "hearth/energy/dispatch_settings.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char *kDevices = R"(devices:
  - { id: inverter-1, driver: huawei-sun2000 }
  - { id: wallbox, driver: huawei-charger }
  - { id: boiler, driver: heating-rod }
)";

TEST_F(ConfigTest, ValidDispatchKeysPassAndReachTheSettings) {
  write("main.yaml", std::string(kDevices) + R"(energy:
  mode: tou
  surplus_priority: [inverter-1/battery, wallbox, boiler]
  tou:
    - { window: "02:00-06:00", days: weekdays, action: charge, grid_charge: true, power_w: 3000,
        target_soc_pct: 90 }
    - { window: "17:00-21:00", action: discharge, min_soc_pct: 20 }
    - { window: "22:00-01:00", days: [fri, sat], action: discharge }
  dispatch:
    soc_min_pct: 10
    soc_max_pct: 95
    battery_sharing: priority
    loads:
      wallbox: { start_w: 4500, stop_w: 2500, min_on_s: 600, min_off_s: 300 }
      boiler: { start_w: 2000 }
    reservations:
      - { load: wallbox, energy_wh: 20000, by: "07:00", days: weekdays }
      - { load: boiler, energy_wh: 3000, by: "06:00", margin_pct: 25 }
    pv_estimate: { probe_w: 300, peak_wp: { inverter-1: 9800 } }
)" + kSite);
  const LoadResult result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  const auto settings = energy::dispatch_settings_from(result.config.energy, "Europe/Berlin");
  EXPECT_EQ(settings.mode, energy::DispatchMode::kTou);
  EXPECT_EQ(settings.tou.size(), 3u);
  EXPECT_EQ(settings.loads.size(), 2u);
  EXPECT_EQ(settings.reservations.size(), 2u);
  EXPECT_EQ(settings.reservations[1].margin_pct, 25);
  EXPECT_EQ(settings.pv_estimate.peak_wp.at("inverter-1"), 9800);
}

TEST_F(ConfigTest, BrokenTouWindowsAreLocated) {
  EXPECT_THAT(
      errors_of(R"(energy:
  mode: tou
  tou:
    - { window: "2:00-6:00", action: charge }
    - { window: "17:00-21:00", action: discharge, grid_charge: true, days: funday }
    - { window: "18:00-19:00", action: charge, power_w: -1 }
    - { action: park }
)"),
      ElementsAre(
          at(4, 17,
             "energy.tou[0].window: '2:00-6:00' is not a time window; write HH:MM-HH:MM, e.g. "
             "02:00-06:00 or 22:00-06:00"),
          at(5, 64, "energy.tou[1].grid_charge: belongs to a charge window"),
          at(5, 76,
             "energy.tou[1].days: expected all, weekdays, weekends, a day (mon … sun) or a list "
             "of days"),
          at(6, 57, "energy.tou[2].power_w: -1 W is below the minimum of 0 W"),
          at(7, 7, "energy.tou[3]: missing required key 'window'"),
          at(7, 17, "energy.tou[3].action: 'park' is not one of: charge, discharge")));
}

TEST_F(ConfigTest, OverlappingTouWindowsAreRefusedAcrossMidnight) {
  // Friday's 22:00-02:00 runs into Saturday: a Saturday 01:00 window overlaps, a Friday one not.
  EXPECT_THAT(errors_of(R"(energy:
  tou:
    - { window: "22:00-02:00", days: fri, action: discharge }
    - { window: "01:00-03:00", days: fri, action: charge }
    - { window: "01:00-03:00", days: [sat], action: charge }
)"),
              ElementsAre(at(5, 7,
                             "energy.tou[2]: overlaps energy.tou[0]; windows that overlap would "
                             "leave the first to win silently")));
}

TEST_F(ConfigTest, BrokenDispatchKeysAreLocated) {
  EXPECT_THAT(
      errors_of(std::string(kDevices) + R"(energy:
  dispatch:
    soc_min_pct: 60
    soc_max_pct: 50
    battery_sharing: fair
    soc_min: 1
    loads:
      wallbx: { start_w: 4000 }
      boiler: { start_w: 1000, stop_w: 2000, min_on_s: -5 }
    reservations:
      - { load: boiler, energy_wh: 0, by: "6 am" }
      - { energy_wh: 1000, by: "24:00" }
    pv_estimate: { peak_wp: { inverter-9: 5000 } }
)"),
      ElementsAre(
          at(8, 18, "energy.dispatch.soc_max_pct: must be above soc_min_pct"),
          at(9, 22,
             "energy.dispatch.battery_sharing: 'fair' is not one of: proportional, priority"),
          at(10, 5, "energy.dispatch: unknown key 'soc_min'; did you mean 'soc_min_pct'?"),
          at(12, 7, "energy.dispatch.loads: unknown device 'wallbx'; did you mean 'wallbox'?"),
          at(13, 40,
             "energy.dispatch.loads.boiler.stop_w: must not be above start_w (the hysteresis "
             "would invert)"),
          at(13, 56, "energy.dispatch.loads.boiler.min_on_s: -5 s is below the minimum of 0 s"),
          at(15, 36,
             "energy.dispatch.reservations[0].energy_wh: 0 Wh is below the minimum of 1 Wh"),
          at(15, 43,
             "energy.dispatch.reservations[0].by: '6 am' is not a time of day; write HH:MM, e.g. "
             "07:00"),
          at(16, 9, "energy.dispatch.reservations[1]: missing required key 'load'"),
          at(16, 32,
             "energy.dispatch.reservations[1].by: '24:00' is not a time of day; write HH:MM, e.g. "
             "07:00"),
          at(17, 31,
             "energy.dispatch.pv_estimate.peak_wp: unknown device 'inverter-9'; did you mean "
             "'inverter-1'?")));
}

}  // namespace
}  // namespace hearth::config::testing
