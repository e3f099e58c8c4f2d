#pragma once
// Sharing one battery power among several batteries (README.md, "Batteries").
#include <span>
#include <vector>

#include "hearth/energy/dispatch_settings.hpp"

namespace hearth::energy {

// Splits power_w (≥ 0) over batteries that can each take at most limits_w[i] (≥ 0): in
// proportion to their limits, or filling them in the given order. The sum of the result is
// min(power_w, Σ limits_w).
std::vector<double> share_power(double power_w, std::span<const double> limits_w,
                                BatterySharing sharing);

}  // namespace hearth::energy
