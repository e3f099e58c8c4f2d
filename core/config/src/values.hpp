// Converting one YAML value by a parameter description (hearth_param_desc), and range checks.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "hearth/config/config.hpp"

namespace hearth::config::detail {

// The value, or nullopt with `problem` saying what is wrong ("expected a whole number, got 'x'").
std::optional<ParamValue> convert_value(const YAML::Node &node, const hearth_param_desc &desc,
                                        std::string &problem);

// What is wrong with a converted value against the description's min/max, if anything.
std::optional<std::string> range_problem(const ParamValue &value, const hearth_param_desc &desc);

// Deterministic text of a value, for fingerprints: 5, 1.5, true, "text", ["a", "b"].
std::string canonical_text(const ParamValue &value);

// A number as an integrator would write it: 32, 1.5, 0.001.
std::string format_number(double value);

}  // namespace hearth::config::detail
