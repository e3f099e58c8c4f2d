#include "hearth/host/describe.hpp"

#include <fmt/format.h>

#include "hearth/host/plugin_loader.hpp"

namespace hearth::host {

namespace {

std::string text_or(const char *text, const char *fallback = "") {
  return text ? text : fallback;
}

std::string range_text(const hearth_param_desc &param) {
  const bool has_min = param.flags & HEARTH_PARAM_HAS_MIN;
  const bool has_max = param.flags & HEARTH_PARAM_HAS_MAX;
  if (!has_min && !has_max) return "";
  return fmt::format("{}..{}", has_min ? fmt::format("{:g}", param.min) : "",
                     has_max ? fmt::format("{:g}", param.max) : "");
}

nlohmann::json param_json(const hearth_param_desc &param) {
  nlohmann::json out{{"name", text_or(param.name)},
                     {"type", param_type_name(param.type)},
                     {"required", (param.flags & HEARTH_PARAM_REQUIRED) != 0},
                     {"help", text_or(param.help)}};
  if (param.default_value) out["default"] = param.default_value;
  if (param.flags & HEARTH_PARAM_HAS_MIN) out["min"] = param.min;
  if (param.flags & HEARTH_PARAM_HAS_MAX) out["max"] = param.max;
  if (param.choices) out["choices"] = param.choices;
  if (param.unit) out["unit"] = param.unit;
  return out;
}

}  // namespace

const char *param_type_name(int32_t type) {
  switch (type) {
    case HEARTH_PARAM_INT: return "int";
    case HEARTH_PARAM_DOUBLE: return "double";
    case HEARTH_PARAM_BOOL: return "bool";
    case HEARTH_PARAM_STRING: return "string";
    case HEARTH_PARAM_ENUM: return "enum";
    case HEARTH_PARAM_DURATION: return "duration";
    case HEARTH_PARAM_LIST: return "list";
    default: return "unknown";
  }
}

nlohmann::json describe_json(const hearth_plugin_desc &plugin) {
  nlohmann::json drivers = nlohmann::json::array();
  for (uint32_t d = 0; d < plugin.driver_count; ++d) {
    const auto &driver = driver_at(plugin, d);
    nlohmann::json params = nlohmann::json::array();
    for (uint32_t p = 0; p < driver.param_count; ++p) params.push_back(param_json(param_at(driver, p)));
    drivers.push_back({{"name", text_or(driver.name)},
                       {"device_class", text_or(driver.device_class)},
                       {"summary", text_or(driver.summary)},
                       {"params", params}});
  }
  return {{"id", text_or(plugin.id)},           {"version", text_or(plugin.version)},
          {"vendor", text_or(plugin.vendor)},   {"license", text_or(plugin.license)},
          {"summary", text_or(plugin.summary)}, {"abi", abi_version_text(plugin.abi_version)},
          {"drivers", drivers}};
}

std::string describe_text(const hearth_plugin_desc &plugin) {
  std::string out = fmt::format("{} {} ({}, {}) — {}\n", text_or(plugin.id),
                                text_or(plugin.version, "?"), text_or(plugin.vendor, "?"),
                                text_or(plugin.license, "?"), text_or(plugin.summary));
  for (uint32_t d = 0; d < plugin.driver_count; ++d) {
    const auto &driver = driver_at(plugin, d);
    out += fmt::format("\ndriver {} ({}): {}\n", text_or(driver.name),
                       text_or(driver.device_class), text_or(driver.summary));
    if (driver.param_count == 0) {
      out += "  (no parameters)\n";
      continue;
    }
    out += fmt::format("  {:<20} {:<9} {:<9} {:<12} {:<12} {:<6} {}\n", "parameter", "type",
                       "required", "default", "range", "unit", "help");
    for (uint32_t p = 0; p < driver.param_count; ++p) {
      const auto &param = param_at(driver, p);
      std::string help = text_or(param.help);
      if (param.choices) help += fmt::format(" (one of {})", param.choices);
      out += fmt::format("  {:<20} {:<9} {:<9} {:<12} {:<12} {:<6} {}\n", text_or(param.name),
                         param_type_name(param.type),
                         (param.flags & HEARTH_PARAM_REQUIRED) ? "yes" : "no",
                         text_or(param.default_value, "-"), range_text(param),
                         text_or(param.unit, ""), help);
    }
  }
  return out;
}

namespace {

// A table cell: '|' would end the cell and a line break the row.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += (c == '\n' ? ' ' : c);
    }
  }
  return out;
}

std::string param_row_markdown(const hearth_param_desc &param) {
  std::string help = text_or(param.help);
  if (param.choices) help += fmt::format(" One of: {}.", param.choices);
  const std::string fallback = param.default_value ? fmt::format("`{}`", param.default_value) : "";
  return fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", text_or(param.name),
                     param_type_name(param.type),
                     (param.flags & HEARTH_PARAM_REQUIRED) ? "yes" : "no", cell(fallback),
                     cell(range_text(param)), cell(text_or(param.unit)), cell(help));
}

std::string driver_markdown(const hearth_driver_desc &driver) {
  std::string out = fmt::format("\n### `{}` ({})\n\n{}\n\n", text_or(driver.name),
                                text_or(driver.device_class), text_or(driver.summary));
  if (driver.param_count == 0) return out + "No parameters.\n";
  out += "| parameter | type | required | default | range | unit | description |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (uint32_t p = 0; p < driver.param_count; ++p) out += param_row_markdown(param_at(driver, p));
  return out;
}

}  // namespace

std::string describe_markdown(const std::vector<const hearth_plugin_desc *> &plugins) {
  std::string out =
      "# Driver configuration reference\n\n"
      "<!-- Generated from the plugins' parameter tables by `hearthd --describe all --markdown`;\n"
      "     do not edit. Regenerate: cmake --build <build dir> --target config-reference -->\n\n"
      "The parameters each built-in driver takes under a device entry's `params:` in the site\n"
      "configuration (docs/configuration.md). A `duration` is written like `250ms`, `1.5s`,\n"
      "`10min` or `2h`; a range `a..b` includes both ends.\n";
  for (const auto *plugin : plugins) {
    out += fmt::format("\n## {} {}\n\n{} ({}, {}); plugin ABI {}.\n", text_or(plugin->id),
                       text_or(plugin->version, "?"), text_or(plugin->summary),
                       text_or(plugin->vendor, "?"), text_or(plugin->license, "?"),
                       abi_version_text(plugin->abi_version));
    for (uint32_t d = 0; d < plugin->driver_count; ++d) {
      out += driver_markdown(driver_at(*plugin, d));
    }
  }
  return out;
}

}  // namespace hearth::host
