#pragma once
// The benchmark site: 40 example meters polled every second over Modbus TCP links.
#include <string>

namespace hearth::bench {

inline std::string site_with_40_meters(int port, int links = 4) {
  std::string yaml =
      "site: {name: bench, grid: three-phase-4w, fuse_a: 35, pv_installed_wp: 9800,\n"
      "       location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n"
      "links:\n";
  for (int link = 1; link <= links; ++link) {
    yaml += "  lan-" + std::to_string(link) + ": { type: tcp, host: 127.0.0.1, port: " +
            std::to_string(port) + " }\n";
  }
  yaml += "devices:\n";
  for (int device = 1; device <= 40; ++device) {
    yaml += "  - { id: meter-" + std::to_string(device) +
            ", driver: example-modbus-meter, link: lan-" +
            std::to_string((device - 1) % links + 1) +
            ", params: { unit: " + std::to_string(device) + ", poll_interval: 1s } }\n";
  }
  return yaml;
}

}  // namespace hearth::bench
