// energy.ripple_control: inputs, the operator's levels table, the policy for unknown patterns.
#pragma once

#include <vector>

#include "yaml_nodes.hpp"

namespace hearth::config::detail {

// Levels are percentages of the installed PV power, so it must be set.
void check_ripple_control(const Located &ripple, double pv_installed_wp,
                          std::vector<Error> &errors);

// Writes undefined, debounce and fail_safe_pct when absent (nothing unless `ripple` is a map).
void fill_ripple_control_defaults(YAML::Node ripple);

}  // namespace hearth::config::detail
