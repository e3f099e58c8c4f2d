#pragma once
// Power profiles over a year: the PV and household-load curves that drive the simulated house.
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::sim {

// A year of equal intervals (15 min in ../shared/data/derived) holding a power in W per interval.
// Times outside the year wrap around by day of year, so any date maps onto the profile year.
class PowerProfile {
 public:
  // Reads a CSV "utc_start,...": takes column `column` as energy per interval and converts it to
  // power: value * energy_scale_wh / interval_h. Throws std::runtime_error with file:line.
  static PowerProfile from_csv(const std::string &path, const std::string &column,
                               double energy_scale_wh);
  // Built-in days, used when the data files are absent: one shape repeated every day.
  static PowerProfile clear_sky_pv(double peak_w_per_kwp, int32_t utc_offset_min);
  static PowerProfile household_day(double annual_kwh, int32_t utc_offset_min);

  // Mean power over [t, t + dt) in W, so integrating with any step keeps the energy of the profile
  // (piecewise constant per interval).
  double power_w(int64_t utc_ms) const;
  double energy_wh(int64_t from_utc_ms, int64_t to_utc_ms) const;
  bool from_data() const { return from_data_; }
  const std::string &origin() const { return origin_; }

 private:
  int64_t first_utc_s_ = 0;
  int64_t interval_s_ = 900;
  std::vector<double> power_w_;
  bool from_data_ = false;
  std::string origin_;
  size_t index_of(int64_t utc_ms) const;
};

}  // namespace hearth::sim
