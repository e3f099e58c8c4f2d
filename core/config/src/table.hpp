// Validating a YAML map against a table of parameter descriptions: the drivers' tables
// (plugin.h) and the core's own tables for site, links and energy use the same code.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/config/config.hpp"
#include "yaml_nodes.hpp"

namespace hearth::config::detail {

using Values = std::map<std::string, ParamValue>;

// Converts and range-checks one value by `desc`, stores it in out[desc.name], or reports why not.
bool check_value(const Located &where, const hearth_param_desc &desc, Values &out,
                 std::vector<Error> &errors);

// Checks every key of `map` against `table` (types, ranges, choices, required keys) and stores the
// values, with the table's defaults for absent keys, in `out`. Keys named in `nested` are not in
// the table but allowed: they are returned for the caller to check. Anything else is an unknown
// key. A null `map.node` is an absent map: required keys are reported at `map.mark`.
std::map<std::string, Entry> check_table(const Located &map,
                                         std::span<const hearth_param_desc> table,
                                         std::span<const std::string_view> nested, Values &out,
                                         std::vector<Error> &errors);

// Writes the table's defaults, as YAML text like an integrator's own values ("1s"), into a map
// for a later reader (the energy manager). Does nothing to a node that is not a map.
void fill_defaults(YAML::Node target, std::span<const hearth_param_desc> table);

// A driver's parameter table as this host's struct: the plugin's array is stepped by the
// struct_size of its first element, and fields the plugin's version did not have stay zero.
std::vector<hearth_param_desc> driver_params(const hearth_driver_desc &driver);

// Typed reads of a checked map; the fallback when the key is absent or invalid.
int64_t int_or(const Values &values, const std::string &key, int64_t fallback);
double double_or(const Values &values, const std::string &key, double fallback);
std::string string_or(const Values &values, const std::string &key, std::string fallback);
const std::vector<std::string> *list_of(const Values &values, const std::string &key);

}  // namespace hearth::config::detail
