// The physics of hearth-sim, in process: energy balance, first-order response of the derating,
// battery SOC with efficiency and limits, forcible charge/discharge, grid-point limitation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "hearth/sim/devices.hpp"
#include "hearth/sim/house.hpp"
#include "hearth/sim/scenario.hpp"

namespace hearth::sim {
namespace {

const std::filesystem::path kRepoRoot = HEARTH_SOURCE_DIR;

Scenario scenario_from(const std::string &yaml) {
  return parse_scenario(yaml, "test.yaml", kRepoRoot);
}

House house_from(const Scenario &s) {
  return House(s, make_pv_profile(s), make_load_profile(s));
}

const char *kTwoHybrids = R"(
time: {start: 2024-06-25T00:00:00Z, step_ms: 1000}
profiles: {load_annual_kwh: 5000}
inverters:
  - {name: inv1, rated_w: 8000, pv_kwp: 9, battery: {capacity_wh: 10000, max_charge_w: 4000, max_discharge_w: 4000, efficiency: 0.9, initial_soc_pct: 10}}
  - {name: inv2, unit: 2, rated_w: 5000, pv_kwp: 5, battery: {capacity_wh: 5000, max_charge_w: 2500, max_discharge_w: 2500, efficiency: 0.9, initial_soc_pct: 8}}
meter: {wiring: rtu}
)";

std::string replace_once(std::string text, const std::string &from, const std::string &to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test scenario lacks " + from);
  return text.replace(at, from.size(), to);
}

double relative_error(double a, double b, double scale) {
  return std::abs(a - b) / scale;
}

// grid = load + battery charge - PV output, integrated: import - export must equal
// load + charge - discharge - PV within 0.1 %.
void expect_energy_balance(const House &house) {
  const auto &e = house.energy();
  const double grid_wh = e.import_wh - e.export_wh;
  const double expected_wh = e.load_wh + e.battery_charge_wh - e.battery_discharge_wh - e.pv_wh;
  // Relative to all energy that flowed (a day of only grid charging has no load and no PV).
  const double scale = e.load_wh + e.pv_wh + e.battery_charge_wh + e.battery_discharge_wh +
                       e.import_wh + e.export_wh;
  EXPECT_LT(relative_error(grid_wh, expected_wh, scale), 0.001)
      << "grid " << grid_wh << " Wh, expected " << expected_wh << " Wh";
  // The meter counters the DTSU666 serves are the same integrals.
  EXPECT_DOUBLE_EQ(house.meter().import_wh, e.import_wh);
  EXPECT_DOUBLE_EQ(house.meter().export_wh, e.export_wh);
  double yield_wh = 0;
  for (const auto &inv : house.inverters()) yield_wh += inv.state.total_yield_wh;
  EXPECT_LT(relative_error(yield_wh, e.pv_wh, scale), 0.001);
}

void expect_soc_follows_efficiency(const Battery &battery, double initial_soc_pct) {
  const double eta = std::sqrt(battery.settings.round_trip_efficiency);
  const double expected_wh = initial_soc_pct / 100.0 * battery.settings.capacity_wh +
                             battery.state.charged_total_wh * eta -
                             battery.state.discharged_total_wh / eta;
  EXPECT_NEAR(battery.state.soc_wh, expected_wh, 1e-6 * battery.settings.capacity_wh);
}

TEST(SimPhysics, EnergyBalanceClosesOverABuiltInDay) {
  const auto s = scenario_from(kTwoHybrids);
  auto house = house_from(s);
  house.advance(86'400'000);
  const auto &e = house.energy();
  // The day must exercise everything the balance covers.
  EXPECT_GT(e.pv_wh, 50'000);
  EXPECT_GT(e.export_wh, 1'000);
  EXPECT_GT(e.import_wh, 100);
  EXPECT_GT(e.battery_charge_wh, 1'000);
  EXPECT_GT(e.battery_discharge_wh, 1'000);
  EXPECT_NEAR(e.load_wh, 5'000'000.0 / 365.0, 0.001 * e.load_wh);  // the built-in day: annual / 365
  expect_energy_balance(house);
  expect_soc_follows_efficiency(*house.inverters()[0].battery, 10);
  expect_soc_follows_efficiency(*house.inverters()[1].battery, 8);
}

// The same house at the default 100 ms step through the morning ramp (batteries empty, then
// charging, derating by one inverter's cap).
TEST(SimPhysics, EnergyBalanceClosesAtTheFineStep) {
  auto s = scenario_from(replace_once(kTwoHybrids, "step_ms: 1000", "step_ms: 100"));
  s.time.start_utc_s += 2 * 3600;  // 04:00 local, before sunrise
  auto house = house_from(s);
  for (auto &inv : house.inverters())  // empty: the house imports until the sun is up
    inv.battery->state.soc_wh =
        inv.battery->settings.min_soc_pct / 100.0 * inv.battery->settings.capacity_wh;
  house.inverters()[0].controls.derating_w = 3000;
  house.advance(3 * 3'600'000);
  EXPECT_GT(house.energy().import_wh, 100);
  EXPECT_GT(house.energy().battery_charge_wh, 100);
  expect_energy_balance(house);
}

TEST(SimPhysics, EnergyBalanceClosesOverADayOfTheDataProfiles) {
  const auto yaml = replace_once(
      kTwoHybrids, "profiles: {load_annual_kwh: 5000}",
      "profiles: {pv_csv: ../shared/data/derived/de_pv_national_2024_15min_utc.csv, "
      "load_csv: ../shared/data/derived/bdew_h25_2024_15min_utc.csv, load_annual_kwh: 4000}");
  const auto s = scenario_from(yaml);
  if (s.profiles.pv_csv.empty() || s.profiles.load_csv.empty())
    GTEST_SKIP() << "../shared/data not present";
  auto house = house_from(s);
  ASSERT_TRUE(house.pv_profile().from_data());
  // 2024-06-25 is the sunniest day of the national profile: 1 kWp yields about 6.4 kWh.
  EXPECT_NEAR(house.pv_profile().energy_wh(s.time.start_utc_s * 1000,
                                           s.time.start_utc_s * 1000 + 86'400'000),
              950.0 * 0.00670937 * 1000.0, 1.0);
  house.advance(86'400'000);
  EXPECT_GT(house.energy().export_wh, 1'000);
  expect_energy_balance(house);
}

TEST(SimPhysics, DataProfilesScaleToTheYear) {
  Scenario s = scenario_from(
      "profiles: {pv_csv: ../shared/data/derived/de_pv_national_2024_15min_utc.csv, "
      "load_csv: ../shared/data/derived/bdew_h25_2024_15min_utc.csv, pv_yield_kwh_per_kwp: 950, "
      "load_annual_kwh: 4000}\n");
  if (s.profiles.pv_csv.empty() || s.profiles.load_csv.empty())
    GTEST_SKIP() << "../shared/data not present";
  const int64_t year_start_ms = parse_utc_iso8601("2023-12-31T23:00:00Z") * 1000;
  const int64_t year_ms = 366LL * 86'400'000;
  // pv_share_of_year is printed with 9 decimals: its sum is 1 within a few ppm.
  EXPECT_NEAR(make_pv_profile(s).energy_wh(year_start_ms, year_start_ms + year_ms), 950'000.0,
              10.0);
  EXPECT_NEAR(make_load_profile(s).energy_wh(year_start_ms, year_start_ms + year_ms), 4'000'000.0,
              1.0);
}

TEST(SimPhysics, BuiltInDaysHaveTheirEnergy) {
  const auto s = scenario_from("time: {utc_offset_min: 60}\nprofiles: {load_annual_kwh: 3650}\n");
  EXPECT_FALSE(make_pv_profile(s).from_data());
  EXPECT_NEAR(make_load_profile(s).energy_wh(0, 86'400'000), 10'000.0, 0.01);
  const auto pv = make_pv_profile(s);
  EXPECT_EQ(pv.power_w(parse_utc_iso8601("2024-06-25T00:00:00Z") * 1000), 0.0);    // night
  EXPECT_GT(pv.power_w(parse_utc_iso8601("2024-06-25T12:00:00Z") * 1000), 600.0);  // noon, per kWp
}

const char *kOneInverterNoBattery = R"(
time: {start: 2024-06-25T11:00:00Z, step_ms: 100}
inverters:
  - {name: inv1, rated_w: 10000, pv_kwp: 12, response_time_s: 1.0}
)";

TEST(SimPhysics, DeratingFollowsAFirstOrderResponse) {
  auto house = house_from(scenario_from(kOneInverterNoBattery));
  Sun2000Device device(house.inverters()[0], 0, 0);
  MeterReading reading;
  device.refresh(house, {reading, true});
  house.advance(1000);
  auto &inv = house.inverters()[0];
  const double start_w = inv.state.ac_power_w;
  ASSERT_GT(start_w, 7000.0);
  ASSERT_EQ(device.write(house, 40126, {0, 2000}),
            ModbusException::kNone);  // U32 W, high word first
  EXPECT_EQ(inv.derating_cap_w(house.now_ms()), 2000.0);
  house.advance(1000);  // one time constant
  const double expected_w = 2000.0 + (start_w - 2000.0) * std::exp(-1.0);
  EXPECT_NEAR(inv.state.ac_power_w, expected_w, 0.01 * (start_w - 2000.0));
  house.advance(4000);  // five time constants in all
  EXPECT_NEAR(inv.state.ac_power_w, 2000.0, 0.01 * (start_w - 2000.0));
  // The percentage register caps at % of Pmax; the lower of the two caps wins.
  ASSERT_EQ(device.write(house, 40125, {150}), ModbusException::kNone);  // 15.0 %, gain 10
  house.advance(10000);
  EXPECT_NEAR(inv.state.ac_power_w, 1500.0, 1.0);
}

TEST(SimPhysics, TimeConstantComesFromTheScenario) {
  const auto yaml =
      replace_once(kOneInverterNoBattery, "response_time_s: 1.0", "response_time_s: 4.0");
  auto house = house_from(scenario_from(yaml));
  auto &inv = house.inverters()[0];
  const double start_w = inv.state.ac_power_w;
  inv.controls.derating_w = 0.0;
  house.advance(4000);
  EXPECT_NEAR(inv.state.ac_power_w, start_w * std::exp(-1.0), 0.01 * start_w);
}

const char *kHybridWithMeter = R"(
time: {start: 2024-06-25T11:00:00Z, step_ms: 100}
inverters:
  - {name: inv1, rated_w: 10000, pv_kwp: 10, battery: {capacity_wh: 10000, max_charge_w: 5000, max_discharge_w: 5000, efficiency: 0.81, initial_soc_pct: 50}}
meter: {wiring: behind_inverter, inverter: inv1}
)";

TEST(SimPhysics, ForcibleDischargeByDurationEndsAndReadsBackZero) {
  auto house = house_from(scenario_from(kHybridWithMeter));
  Sun2000Device device(house.inverters()[0], 0, 0);
  MeterReading reading;
  device.refresh(house, {reading, true});
  ASSERT_EQ(device.write(house, 47249, {0, 3000}), ModbusException::kNone);
  ASSERT_EQ(device.write(house, 47246, {0}), ModbusException::kNone);
  ASSERT_EQ(device.write(house, 47083, {2}), ModbusException::kNone);  // minutes
  ASSERT_EQ(device.write(house, 47100, {2}), ModbusException::kNone);  // discharge
  house.advance(60'000);
  auto &battery = *house.inverters()[0].battery;
  EXPECT_NEAR(battery.state.power_w, -3000.0, 1e-6);
  house.advance(61'000);
  EXPECT_EQ(battery.controls.forcible, ForcibleCommand::kStop);
  device.refresh(house, {reading, true});
  EXPECT_EQ(device.bank().u16(47100), 0);
  // Two minutes at 3 kW out of the battery, 0.9 one-way efficiency: 111.1 Wh of SOC.
  EXPECT_NEAR(battery.state.discharged_total_wh, 100.0, 0.5);
  expect_soc_follows_efficiency(battery, 50);
  expect_energy_balance(house);
}

TEST(SimPhysics, ForcibleChargeByTargetSocStopsThere) {
  auto house = house_from(scenario_from(kHybridWithMeter));
  house.set_irradiance_factor(0.0);  // all charge comes from the grid
  house.set_load_override_w(0.0);    // and self-consumption has nothing to do after the target
  Sun2000Device device(house.inverters()[0], 0, 0);
  MeterReading reading;
  device.refresh(house, {reading, true});
  ASSERT_EQ(device.write(house, 47247, {0, 5000}), ModbusException::kNone);
  ASSERT_EQ(device.write(house, 47101, {520}), ModbusException::kNone);  // 52.0 %
  ASSERT_EQ(device.write(house, 47246, {1}), ModbusException::kNone);
  ASSERT_EQ(device.write(house, 47100, {1}), ModbusException::kNone);
  house.advance(5000);                // five time constants
  EXPECT_GT(house.grid_w(), 4900.0);  // charging from the grid shows as import
  EXPECT_LT(house.inverters()[0].state.ac_power_w, -4900.0);
  house.advance(600'000);
  auto &battery = *house.inverters()[0].battery;
  EXPECT_EQ(battery.controls.forcible, ForcibleCommand::kStop);
  EXPECT_NEAR(battery.soc_pct(), 52.0, 0.01);
  expect_energy_balance(house);
}

TEST(SimPhysics, DischargeStopsAtTheCutOffSoc) {
  auto house = house_from(scenario_from(kHybridWithMeter));
  house.set_irradiance_factor(0.0);
  house.set_load_override_w(4000);
  auto &battery = *house.inverters()[0].battery;
  battery.controls.discharge_cutoff_soc_pct = 45.0;
  house.advance(10'000);
  EXPECT_LT(battery.state.power_w, -3900.0);  // self-consumption covers the load
  house.advance(3'600'000);
  EXPECT_NEAR(battery.soc_pct(), 45.0, 0.01);
  EXPECT_NEAR(battery.state.power_w, 0.0, 1e-9);
  EXPECT_NEAR(house.grid_w(), 4000.0, 1e-6);
  expect_soc_follows_efficiency(battery, 50);
}

TEST(SimPhysics, ZeroExportAtTheGridPointCurtailsTheInverter) {
  auto house = house_from(scenario_from(kHybridWithMeter));
  auto &inv = house.inverters()[0];
  inv.battery->controls.mode = StorageMode::kFullyFedToGrid;  // battery idle
  house.set_load_override_w(1500);
  house.advance(2000);
  ASSERT_LT(house.grid_w(), -3000.0);
  inv.controls.grid_mode = GridPointMode::kZeroExport;
  house.advance(10'000);
  EXPECT_NEAR(house.grid_w(), 0.0, 5.0);
  inv.controls.grid_mode = GridPointMode::kLimitedW;
  inv.controls.grid_limit_w = 2000;
  house.advance(10'000);
  EXPECT_NEAR(house.grid_w(), -2000.0, 5.0);
}

TEST(SimPhysics, CommLossDeratesWhenConfigured) {
  const auto yaml =
      replace_once(kOneInverterNoBattery, "response_time_s: 1.0",
                   "response_time_s: 1.0, comm_loss: {timeout_s: 10, derate_pct: 30}");
  auto house = house_from(scenario_from(yaml));
  auto &inv = house.inverters()[0];
  house.advance(9'000);
  EXPECT_FALSE(inv.state.comm_loss_active);
  house.note_master_frame(inv);
  house.advance(9'000);
  EXPECT_FALSE(inv.state.comm_loss_active);
  house.advance(2'000);
  EXPECT_TRUE(inv.state.comm_loss_active);
  house.advance(10'000);
  EXPECT_NEAR(inv.state.ac_power_w, 3000.0, 1.0);
  house.note_master_frame(inv);
  house.advance(10'000);
  EXPECT_FALSE(inv.state.comm_loss_active);
  EXPECT_GT(inv.state.ac_power_w, 7000.0);
}

TEST(SimPhysics, RebootResetsControlsAndStopsOutput) {
  auto house = house_from(scenario_from(kOneInverterNoBattery));
  auto &inv = house.inverters()[0];
  inv.controls.derating_w = 2500;
  house.advance(10'000);
  house.reboot(inv, 5.0);
  EXPECT_EQ(inv.controls.derating_w, 10000.0);
  house.advance(4'000);
  EXPECT_EQ(inv.state.ac_power_w, 0.0);
  house.advance(10'000);
  EXPECT_GT(inv.state.ac_power_w, 7000.0);
}

TEST(SimPhysics, LoadAndPvOverridesRampLinearlyAndHold) {
  auto house = house_from(scenario_from(kOneInverterNoBattery));
  auto &inv = house.inverters()[0];
  inv.controls.derating_w = 10000.0;
  house.set_load_override_w(1000.0);
  house.set_pv_override_w(inv, 2000.0);  // a step: the next step sees it
  house.advance(100);
  EXPECT_DOUBLE_EQ(house.load_w(), 1000.0);
  EXPECT_DOUBLE_EQ(inv.state.pv_available_w, 2000.0);
  house.set_pv_override_w(inv, 8000.0, 10.0);
  house.set_load_override_w(4000.0, 2.0);
  house.advance(1000);  // the step computed at 0.9 s into both ramps
  EXPECT_NEAR(inv.state.pv_available_w, 2000.0 + 6000.0 * 0.09, 1e-6);
  EXPECT_NEAR(house.load_w(), 1000.0 + 3000.0 * 0.45, 1e-6);
  EXPECT_EQ(house.load_override_w(), std::optional<double>(4000.0));
  house.advance(10'000);
  EXPECT_DOUBLE_EQ(inv.state.pv_available_w, 8000.0);
  EXPECT_DOUBLE_EQ(house.load_w(), 4000.0);
  // Back to the profile: midday PV of 12 kWp, far from the override.
  house.set_pv_override_w(inv, std::nullopt);
  house.set_load_override_w(std::nullopt);
  house.advance(100);
  EXPECT_GT(inv.state.pv_available_w, 8500.0);
  EXPECT_FALSE(house.load_override_w().has_value());
}

}  // namespace
}  // namespace hearth::sim
