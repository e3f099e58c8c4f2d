// A device's fingerprint: everything that shapes how its driver runs, in a fixed order, so that a
// reload restarts exactly the devices whose configuration changed.
#include "sections.hpp"
#include "suggest.hpp"
#include "values.hpp"

namespace hearth::config::detail {
namespace {

// The link's settings belong to the device: a new baud rate or host means a new connection.
std::string link_text(const LinkConfig &link) {
  std::string text = "link=" + link.name;
  if (const auto *rtu = std::get_if<Rtu>(&link.transport)) {
    text += " rtu device=" + canonical_text(rtu->device) + " baud=" + std::to_string(rtu->baud) +
            " parity=" + std::string(1, rtu->parity) +
            " data_bits=" + std::to_string(rtu->data_bits) +
            " stop_bits=" + std::to_string(rtu->stop_bits);
  } else {
    const auto &tcp = std::get<Tcp>(link.transport);
    text += " tcp host=" + canonical_text(tcp.host) + " port=" + std::to_string(tcp.port);
  }
  return text + " timeout_ms=" + std::to_string(link.timeout_ms) +
         " retries=" + std::to_string(link.retries) + "\n";
}

}  // namespace

std::string fingerprint(const DeviceConfig &device,
                        const std::map<std::string, LinkConfig> &links) {
  std::string text = "id=" + device.id + "\ndriver=" + device.driver + "\n";
  if (auto link = links.find(device.link); link != links.end()) text += link_text(link->second);
  text += "unit=" + std::to_string(device.unit) + "\n";
  for (const auto &[kind, channels] : device.hal)
    text += "hal." + kind + "=" + join(channels, ",") + "\n";
  for (const auto &[name, value] : device.params) {  // std::map: sorted by name
    text += "params." + name + "=" + canonical_text(value) + "\n";
  }
  return text;
}

}  // namespace hearth::config::detail
