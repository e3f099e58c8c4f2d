// A whole day of a house with PV, a battery, an EV charger, an SG Ready heat pump and a heating
// rod, in 5 s cycles: no load breaks its minimum times, the battery stays within its SOC bounds,
// and the PV is used at home (the figures are printed for the notes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <random>

#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

constexpr int64_t kStepMs = 5000;
constexpr int kStepsPerDay = 24 * 3600 * 1000 / kStepMs;

// Clear-sky PV of a 10 kWp roof from 06:00 to 20:00, peaking at 8 kW, with passing clouds.
double pv_at(int step, std::mt19937 &random) {
  const double hour = step * kStepMs / 3.6e6;
  if (hour < 6 || hour > 20) return 0;
  const double clear_w = 8000 * std::sin(std::numbers::pi * (hour - 6) / 14);
  std::uniform_real_distribution<double> cloud(0, 1);
  return clear_w * (cloud(random) < 0.1 ? 0.4 : 1.0);
}

TEST(SunnyDay, LoadsKeepTheirMinimumTimesAndTheBatteryItsBounds) {
  DispatchSettings settings = settings_in("UTC");
  settings.surplus_priority = {"inverter-1/battery", "wallbox", "heatpump", "rod"};
  for (const char *id : {"wallbox", "heatpump", "rod"}) {
    SurplusLoadSettings load;
    load.id = id;
    settings.loads.push_back(load);  // 300 s minimum on and off
  }
  Dispatcher dispatcher(settings);
  SiteModel site(kSaturdayNoonUtcMs - 12 * 3'600'000);  // midnight UTC
  site.integrate_soc = true;
  site.add_battery("inverter-1", 30, 3000, 10'000);
  site.add_load("wallbox", LoadKind::kEvCharger).phases = 1;
  site.add_load("heatpump", LoadKind::kSgReady, 1200);
  site.add_load("rod", LoadKind::kSwitchable, 2000);
  std::mt19937 random(11);
  std::uniform_real_distribution<double> house_noise_w(-150, 150);

  std::map<std::string, std::vector<int>> changes;
  std::map<std::string, bool> on;
  double pv_wh = 0, export_wh = 0, import_wh = 0, soc_min = 100, soc_max = 0;
  for (int step = 0; step < kStepsPerDay; ++step) {
    site.pv_w = pv_at(step, random);
    site.house_w = 400 + house_noise_w(random);
    site.cycle(dispatcher, kStepMs);
    for (const auto &load : site.loads) {
      if (load.on != on[load.id]) changes[load.id].push_back(step);
      on[load.id] = load.on;
    }
    const double grid_w = site.grid_power_w();
    pv_wh += site.pv_w * kStepMs / 3.6e6;
    (grid_w < 0 ? export_wh : import_wh) += std::abs(grid_w) * kStepMs / 3.6e6;
    soc_min = std::min(soc_min, site.battery("inverter-1").soc_pct);
    soc_max = std::max(soc_max, site.battery("inverter-1").soc_pct);
  }
  for (const auto &[id, steps] : changes) {
    for (size_t i = 1; i < steps.size(); ++i) {
      EXPECT_GE((steps[i] - steps[i - 1]) * kStepMs, 300'000) << id << " change " << i;
    }
  }
  // One 5 s step of 3 kW moves 10 kWh by 0.04 %.
  EXPECT_GE(soc_min, 10 - 0.05);
  EXPECT_LE(soc_max, 100 + 0.05);
  const double self_used_pct = 100 * (pv_wh - export_wh) / pv_wh;
  std::printf(
      "sunny day: PV %.1f kWh, exported %.1f kWh, imported %.1f kWh, PV used at home %.0f %%, "
      "SOC %.0f..%.0f %%, switchings: wallbox %zu, heat pump %zu, rod %zu\n",
      pv_wh / 1000, export_wh / 1000, import_wh / 1000, self_used_pct, soc_min, soc_max,
      changes["wallbox"].size(), changes["heatpump"].size(), changes["rod"].size());
  EXPECT_GT(self_used_pct, 85);
  EXPECT_FALSE(changes["wallbox"].empty());  // the surplus was worth starting the car for
}

}  // namespace
}  // namespace hearth::energy::testing
