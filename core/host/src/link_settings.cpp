#include "hearth/host/link_settings.hpp"

namespace hearth::host {

links::LinkSettings to_link_settings(const config::LinkConfig &link) {
  links::LinkSettings settings;
  settings.name = link.name;
  settings.timeout_ms = link.timeout_ms;
  settings.retries = link.retries;
  if (const auto *rtu = std::get_if<config::Rtu>(&link.transport)) {
    settings.transport =
        links::RtuSettings{rtu->device, rtu->baud, rtu->parity, rtu->data_bits, rtu->stop_bits};
  } else {
    const auto &tcp = std::get<config::Tcp>(link.transport);
    settings.transport = links::TcpSettings{tcp.host, tcp.port};
  }
  return settings;
}

nlohmann::json to_json(const links::LinkSettings &link) {
  nlohmann::json out{{"name", link.name}, {"timeout_ms", link.timeout_ms}, {"retries", link.retries}};
  if (const auto *rtu = std::get_if<links::RtuSettings>(&link.transport)) {
    out["rtu"] = {{"device", rtu->device},
                  {"baud", rtu->baud},
                  {"parity", std::string(1, rtu->parity)},
                  {"data_bits", rtu->data_bits},
                  {"stop_bits", rtu->stop_bits}};
  } else {
    const auto &tcp = std::get<links::TcpSettings>(link.transport);
    out["tcp"] = {{"host", tcp.host}, {"port", tcp.port}};
  }
  return out;
}

links::LinkSettings link_settings_from_json(const nlohmann::json &in) {
  links::LinkSettings link;
  link.name = in.at("name").get<std::string>();
  link.timeout_ms = in.at("timeout_ms").get<int>();
  link.retries = in.at("retries").get<int>();
  if (in.contains("rtu")) {
    const auto &rtu = in["rtu"];
    link.transport = links::RtuSettings{rtu.at("device").get<std::string>(), rtu.at("baud"),
                                        rtu.at("parity").get<std::string>().at(0),
                                        rtu.at("data_bits"), rtu.at("stop_bits")};
  } else {
    const auto &tcp = in.at("tcp");
    link.transport = links::TcpSettings{tcp.at("host").get<std::string>(), tcp.at("port")};
  }
  return link;
}

}  // namespace hearth::host
