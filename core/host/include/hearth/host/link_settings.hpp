#pragma once
// From a link's YAML entry to the settings a ModbusLink runs with, and a canonical text of those
// settings (to tell on reload whether a link changed, and to persist it for the fail-safe replay).
#include <hearth/config/config.hpp>
#include <hearth/links/modbus_link.hpp>

#include <nlohmann/json.hpp>

namespace hearth::host {

links::LinkSettings to_link_settings(const config::LinkConfig &link);
nlohmann::json to_json(const links::LinkSettings &link);
links::LinkSettings link_settings_from_json(const nlohmann::json &in);

}  // namespace hearth::host
