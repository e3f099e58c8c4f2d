#pragma once
// The PV the site could produce now when inverters are capped (README.md, "Curtailed PV").
// A capped inverter's output says only "at least this much"; surplus loads need to know more to
// start, since starting them is what lets the limits layer raise the cap.
#include <string>

#include "hearth/energy/dispatch_settings.hpp"
#include "hearth/energy/site_snapshot.hpp"

namespace hearth::energy {

struct PvEstimate {
  double output_w = 0;     // what the online inverters deliver now
  double available_w = 0;  // the estimate (≥ output_w, ≥ the snapshot's pv_available_w)
  int capped_inverters = 0;
  std::string method;  // "uncapped", "reference", "probe", "at cap", "limits layer"
};

// An inverter is capped when its limit is set and its output is within the tolerance of it.
// Each capped inverter is estimated from the uncapped online inverters' yield per Wp of peak
// power (peak_wp, default rated_w), at most its rated power; with no uncapped inverter, at its
// output plus probe_w. The snapshot's own pv_available_w (the limits layer's view) wins when
// higher.
PvEstimate estimate_pv_available(const SiteSnapshot &snapshot, const PvEstimateSettings &settings);

}  // namespace hearth::energy
