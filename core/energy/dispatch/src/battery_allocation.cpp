#include "hearth/energy/battery_allocation.hpp"

#include <algorithm>
#include <numeric>

namespace hearth::energy {

std::vector<double> share_power(double power_w, std::span<const double> limits_w,
                                BatterySharing sharing) {
  std::vector<double> shares(limits_w.size(), 0.0);
  const double total_limit_w = std::accumulate(limits_w.begin(), limits_w.end(), 0.0);
  if (power_w <= 0 || total_limit_w <= 0) return shares;
  double left_w = std::min(power_w, total_limit_w);
  for (size_t i = 0; i < limits_w.size(); ++i) {
    const double limit_w = std::max(0.0, limits_w[i]);
    // In proportion to the limits no battery can be asked for more than its own limit.
    shares[i] = sharing == BatterySharing::kProportional
                    ? std::min(power_w, total_limit_w) * limit_w / total_limit_w
                    : std::min(left_w, limit_w);
    left_w -= shares[i];
  }
  return shares;
}

}  // namespace hearth::energy
