// energy.tou and energy.dispatch: the dispatch layer's keys (core/energy/dispatch/README.md).
#pragma once

#include <vector>

#include "yaml_nodes.hpp"

namespace hearth::config::detail {

// Checks the keys hearth::energy::dispatch_settings_from reads; the defaults are those of
// hearth::energy::DispatchSettings.
void check_energy_dispatch(const Located &energy, const Config &config, std::vector<Error> &errors);

}  // namespace hearth::config::detail
