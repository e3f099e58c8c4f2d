#include "hearth/energy/pv_estimate.hpp"

#include <algorithm>
#include <vector>

namespace hearth::energy {
namespace {

bool is_capped(const InverterState &inverter, const PvEstimateSettings &settings) {
  return inverter.limit_w && inverter.ac_power_w >= *inverter.limit_w - settings.at_cap_tolerance_w;
}

double peak_wp_of(const InverterState &inverter, const PvEstimateSettings &settings) {
  const auto it = settings.peak_wp.find(inverter.id);
  return it != settings.peak_wp.end() ? it->second : inverter.rated_w;
}

}  // namespace

PvEstimate estimate_pv_available(const SiteSnapshot &snapshot, const PvEstimateSettings &settings) {
  PvEstimate estimate;
  std::vector<const InverterState *> capped;
  double reference_w = 0;
  double reference_wp = 0;
  for (const auto &inverter : snapshot.inverters) {
    if (!inverter.online) continue;
    estimate.output_w += std::max(0.0, inverter.ac_power_w);
    if (is_capped(inverter, settings)) {
      capped.push_back(&inverter);
    } else if (peak_wp_of(inverter, settings) > 0) {
      reference_w += std::max(0.0, inverter.ac_power_w);
      reference_wp += peak_wp_of(inverter, settings);
    }
  }
  estimate.capped_inverters = static_cast<int>(capped.size());
  estimate.available_w = estimate.output_w;
  estimate.method = "uncapped";
  if (settings.enabled && !capped.empty()) {
    const bool have_reference = reference_wp > 0;
    estimate.method = have_reference ? "reference" : settings.probe_w > 0 ? "probe" : "at cap";
    for (const InverterState *inverter : capped) {
      const double rated_w = inverter->rated_w > 0 ? inverter->rated_w : inverter->ac_power_w;
      const double guess_w = have_reference
                                 ? reference_w / reference_wp * peak_wp_of(*inverter, settings)
                                 : inverter->ac_power_w + settings.probe_w;
      estimate.available_w += std::max(0.0, std::min(guess_w, rated_w) - inverter->ac_power_w);
    }
  }
  if (snapshot.pv_available_w > estimate.available_w) {
    estimate.available_w = snapshot.pv_available_w;
    estimate.method = "limits layer";
  }
  return estimate;
}

}  // namespace hearth::energy
