#include "table.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "suggest.hpp"
#include "values.hpp"

namespace hearth::config::detail {
namespace {

const hearth_param_desc *find_param(std::span<const hearth_param_desc> table,
                                    std::string_view key) {
  for (const auto &desc : table) {
    if (desc.name != nullptr && key == desc.name) return &desc;
  }
  return nullptr;
}

std::vector<std::string> known_keys(std::span<const hearth_param_desc> table,
                                    std::span<const std::string_view> nested) {
  std::vector<std::string> keys;
  for (const auto &desc : table) {
    if (desc.name != nullptr) keys.emplace_back(desc.name);
  }
  for (auto key : nested) keys.emplace_back(key);
  return keys;
}

// The default as YAML text: a list default is parsed, anything else is taken as it is written.
void apply_default(const Located &map, const hearth_param_desc &desc, Values &out,
                   std::vector<Error> &errors) {
  YAML::Node node;
  if (desc.type == HEARTH_PARAM_LIST) {
    try {
      node = YAML::Load(desc.default_value);
    } catch (const YAML::Exception &) {
      node = YAML::Node(std::string(desc.default_value));
    }
  } else {
    node = YAML::Node(std::string(desc.default_value));
  }
  std::vector<Error> problems;
  check_value(Located{node, map.file, join_path(map.path, desc.name), map.mark}, desc, out,
              problems);
  for (auto &problem : problems) {
    problem.rule =
        "the default '" + std::string(desc.default_value) + "' is invalid: " + problem.rule;
    errors.push_back(std::move(problem));
  }
}

}  // namespace

bool check_value(const Located &where, const hearth_param_desc &desc, Values &out,
                 std::vector<Error> &errors) {
  std::string problem;
  auto value = convert_value(where.node, desc, problem);
  if (!value) {
    add_error(errors, where.mark, where.path, problem);
    return false;
  }
  if (auto out_of_range = range_problem(*value, desc)) {
    add_error(errors, where.mark, where.path, *out_of_range);
    return false;
  }
  out[desc.name] = std::move(*value);
  return true;
}

std::map<std::string, Entry> check_table(const Located &map,
                                         std::span<const hearth_param_desc> table,
                                         std::span<const std::string_view> nested, Values &out,
                                         std::vector<Error> &errors) {
  std::map<std::string, Entry> nested_found;
  const bool absent = !map.node.IsDefined() || map.node.IsNull();
  if (!absent && !expect_map(map, errors)) return nested_found;

  std::set<std::string> present;
  for (auto &entry : entries_of(map, errors)) {
    present.insert(entry.key);
    if (const auto *desc = find_param(table, entry.key)) {
      check_value(entry.value, *desc, out, errors);
    } else if (std::find(nested.begin(), nested.end(), entry.key) != nested.end()) {
      nested_found.emplace(entry.key, std::move(entry));
    } else {
      add_error(errors, entry.key_mark, map.path,
                unknown_name_rule("key", entry.key, known_keys(table, nested)));
    }
  }
  for (const auto &desc : table) {
    if (desc.name == nullptr || present.contains(desc.name)) continue;
    if (desc.flags & HEARTH_PARAM_REQUIRED) {
      add_error(errors, map.mark, map.path,
                "missing required key '" + std::string(desc.name) + "'");
    } else if (desc.default_value != nullptr) {
      apply_default(map, desc, out, errors);
    }
  }
  return nested_found;
}

std::vector<hearth_param_desc> driver_params(const hearth_driver_desc &driver) {
  std::vector<hearth_param_desc> table;
  if (driver.params == nullptr || driver.param_count == 0) return table;
  const size_t stride = driver.params[0].struct_size;
  if (stride < offsetof(hearth_param_desc, min)) return table;  // not even type and flags
  const auto *bytes = reinterpret_cast<const unsigned char *>(driver.params);
  for (uint32_t i = 0; i < driver.param_count; ++i) {
    hearth_param_desc desc{};
    std::memcpy(&desc, bytes + i * stride, std::min(stride, sizeof desc));
    table.push_back(desc);
  }
  return table;
}

// Writes the table's defaults, as YAML text like the integrator's own values ("1s"), into the
// node the energy manager reads.
void fill_defaults(YAML::Node target, std::span<const hearth_param_desc> table) {
  if (!target.IsMap()) return;  // mistyped: already reported
  for (const auto &desc : table) {
    if (desc.default_value == nullptr) continue;
    if (!target[desc.name].IsDefined() || target[desc.name].IsNull()) {
      target[desc.name] = std::string(desc.default_value);
    }
  }
}

int64_t int_or(const Values &values, const std::string &key, int64_t fallback) {
  auto it = values.find(key);
  if (it == values.end()) return fallback;
  if (auto i = std::get_if<int64_t>(&it->second)) return *i;
  return fallback;
}

double double_or(const Values &values, const std::string &key, double fallback) {
  auto it = values.find(key);
  if (it == values.end()) return fallback;
  if (auto d = std::get_if<double>(&it->second)) return *d;
  if (auto i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string string_or(const Values &values, const std::string &key, std::string fallback) {
  auto it = values.find(key);
  if (it == values.end()) return fallback;
  if (auto s = std::get_if<std::string>(&it->second)) return *s;
  return fallback;
}

const std::vector<std::string> *list_of(const Values &values, const std::string &key) {
  auto it = values.find(key);
  if (it == values.end()) return nullptr;
  return std::get_if<std::vector<std::string>>(&it->second);
}

}  // namespace hearth::config::detail

namespace hearth::config {

void validate_params(const YAML::Node &params, const hearth_driver_desc &driver,
                     const std::string &file, std::map<std::string, ParamValue> &out,
                     std::vector<Error> &errors) {
  const detail::Located where{params, file, "params", detail::mark_of(params, file)};
  detail::check_table(where, detail::driver_params(driver), {}, out, errors);
}

}  // namespace hearth::config
