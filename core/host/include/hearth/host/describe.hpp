#pragma once
// A plugin's self-description (its drivers and their parameter tables) as text for people and as
// JSON for tools; docs/config-reference.md and the web forms are generated from the same data.
#include <hearth/plugin.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hearth::host {

std::string describe_text(const hearth_plugin_desc &plugin);
// docs/config-reference.md: one section per plugin (in the order given), a table per driver.
// Nothing in it depends on where the plugins were loaded from, so every build makes the same
// file from the same plugins.
std::string describe_markdown(const std::vector<const hearth_plugin_desc *> &plugins);
nlohmann::json describe_json(const hearth_plugin_desc &plugin);
const char *param_type_name(int32_t type);

}  // namespace hearth::host
