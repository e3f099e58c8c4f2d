// The checks of each top-level section. Each reports into `errors` and returns what it could read.
#pragma once

#include <vector>

#include "hearth/config/config.hpp"
#include "sources.hpp"

namespace hearth::config::detail {

// A device as checked, with what the later checks need to know about it.
struct CheckedDevice {
  DeviceConfig config;
  std::string path;                            // "devices[inverter-1]", for messages
  const hearth_driver_desc *driver = nullptr;  // null when the driver is unknown
};

SiteConfig check_site(const Sources &sources, std::vector<Error> &errors);
void check_hal(const Sources &sources, Config &config, std::vector<Error> &errors);
std::map<std::string, LinkConfig> check_links(const Sources &sources, std::vector<Error> &errors);
std::vector<CheckedDevice> check_devices(const Sources &sources,
                                         const std::map<std::string, LinkConfig> &links,
                                         const DriverCatalog &catalog, std::vector<Error> &errors);
// The reference product's limits (emma-functions.md, "Site limits").
void check_site_limits(const std::vector<CheckedDevice> &devices,
                       const std::map<std::string, LinkConfig> &links, std::vector<Error> &errors);
// Returns the energy map with defaults filled in.
YAML::Node check_energy(const Sources &sources, const Config &config, std::vector<Error> &errors);
void check_paths(const Sources &sources, Config &config, std::vector<Error> &errors);
std::string fingerprint(const DeviceConfig &device, const std::map<std::string, LinkConfig> &links);

}  // namespace hearth::config::detail
