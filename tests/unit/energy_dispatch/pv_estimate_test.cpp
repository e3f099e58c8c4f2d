// The curtailed-PV estimate: an uncapped inverter as the reference, probing, the limits layer's
// own figure, and what does not count as capped.
#include "hearth/energy/pv_estimate.hpp"

#include <gtest/gtest.h>

#include "site_model.hpp"

namespace hearth::energy::testing {
namespace {

TEST(PvEstimate, UncappedInvertersAreTakenAsMeasured) {
  SiteSnapshot snapshot;
  snapshot.inverters = {make_inverter("a", 3000, 5000), make_inverter("b", 2000, 5000, 4000)};
  const PvEstimate estimate = estimate_pv_available(snapshot, {});
  EXPECT_EQ(estimate.capped_inverters, 0);  // b is below its cap: not held back
  EXPECT_DOUBLE_EQ(estimate.available_w, 5000);
  EXPECT_EQ(estimate.method, "uncapped");
}

TEST(PvEstimate, CappedInverterFollowsTheReferenceYieldPerPeakWatt) {
  SiteSnapshot snapshot;
  snapshot.inverters = {make_inverter("capped", 1000, 8000, 1000),
                        make_inverter("free", 2400, 5000)};
  PvEstimateSettings settings;
  settings.peak_wp = {{"capped", 10'000}, {"free", 4000}};  // 0.6 W per Wp on the free one
  const PvEstimate estimate = estimate_pv_available(snapshot, settings);
  EXPECT_EQ(estimate.capped_inverters, 1);
  EXPECT_EQ(estimate.method, "reference");
  // 6000 W by yield, but never above the capped inverter's rating of 8000 W.
  EXPECT_DOUBLE_EQ(estimate.available_w, 2400 + 6000);
  settings.peak_wp["capped"] = 20'000;
  EXPECT_DOUBLE_EQ(estimate_pv_available(snapshot, settings).available_w, 2400 + 8000);
}

TEST(PvEstimate, WithoutAReferenceAProbeAmountOrNothing) {
  SiteSnapshot snapshot;
  snapshot.inverters = {make_inverter("a", 1950, 5000, 2000)};  // within 100 W of its cap
  PvEstimateSettings settings;
  EXPECT_EQ(estimate_pv_available(snapshot, settings).method, "at cap");
  EXPECT_DOUBLE_EQ(estimate_pv_available(snapshot, settings).available_w, 1950);
  settings.probe_w = 500;
  EXPECT_EQ(estimate_pv_available(snapshot, settings).method, "probe");
  EXPECT_DOUBLE_EQ(estimate_pv_available(snapshot, settings).available_w, 2450);
  settings.enabled = false;
  EXPECT_DOUBLE_EQ(estimate_pv_available(snapshot, settings).available_w, 1950);
}

TEST(PvEstimate, LimitsLayerFigureWinsWhenHigher) {
  SiteSnapshot snapshot;
  snapshot.inverters = {make_inverter("a", 1000, 5000, 1000)};
  snapshot.pv_available_w = 4200;
  const PvEstimate estimate = estimate_pv_available(snapshot, {});
  EXPECT_DOUBLE_EQ(estimate.available_w, 4200);
  EXPECT_EQ(estimate.method, "limits layer");
}

TEST(PvEstimate, OfflineInvertersAreLeftOut) {
  SiteSnapshot snapshot;
  snapshot.inverters = {make_inverter("a", 1000, 5000, 1000), make_inverter("b", 3000, 5000)};
  snapshot.inverters[1].online = false;
  const PvEstimate estimate = estimate_pv_available(snapshot, {});
  EXPECT_DOUBLE_EQ(estimate.output_w, 1000);
  EXPECT_EQ(estimate.method, "at cap");
}

}  // namespace
}  // namespace hearth::energy::testing
