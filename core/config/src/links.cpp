// links: the RS485 ports and Modbus TCP endpoints the host drives (one thread each).
#include "param_builder.hpp"
#include "sections.hpp"
#include "table.hpp"
#include "values.hpp"

namespace hearth::config::detail {
namespace {

constexpr hearth_param_desc kLinkType =
    Param(HEARTH_PARAM_ENUM, "type").required().choices("rtu|tcp");
constexpr hearth_param_desc kRetries = Param(HEARTH_PARAM_INT, "retries").range(0, 5).fallback("1");

// The RS485 ports run at 9600, 19200 or 115200 bit/s (emma-functions.md, "Ports"). RTU answers
// come quickly or not at all, so the timeout is short (architecture.md, "The scheduler bus").
constexpr hearth_param_desc kRtuTable[] = {
    kLinkType,
    Param(HEARTH_PARAM_STRING, "device").required(),
    Param(HEARTH_PARAM_ENUM, "baud").choices("9600|19200|115200").fallback("9600").unit("bit/s"),
    Param(HEARTH_PARAM_ENUM, "parity").choices("none|even|odd").fallback("none"),
    Param(HEARTH_PARAM_ENUM, "data_bits").choices("7|8").fallback("8"),
    Param(HEARTH_PARAM_ENUM, "stop_bits").choices("1|2").fallback("1"),
    Param(HEARTH_PARAM_DURATION, "timeout").range(10, 60'000).fallback("300ms"),
    kRetries,
};

constexpr hearth_param_desc kTcpTable[] = {
    kLinkType,
    Param(HEARTH_PARAM_STRING, "host").required(),
    Param(HEARTH_PARAM_INT, "port").range(1, 65535).fallback("502"),
    Param(HEARTH_PARAM_DURATION, "timeout").range(10, 60'000).fallback("3s"),
    kRetries,
};

char parity_letter(const std::string &parity) {
  if (parity == "even") return 'E';
  if (parity == "odd") return 'O';
  return 'N';
}

std::optional<std::string> link_type(const Located &link, std::vector<Error> &errors) {
  const YAML::Node type = link.node["type"];
  if (!type.IsDefined()) {
    add_error(errors, link.mark, link.path, "missing required key 'type'");
    return std::nullopt;
  }
  std::string problem;
  auto value = convert_value(type, kLinkType, problem);
  if (!value) {
    const Mark mark = type.IsNull() ? link.mark : mark_of(type, link.file);
    add_error(errors, mark, join_path(link.path, "type"), problem);
    return std::nullopt;
  }
  return std::get<std::string>(*value);
}

std::optional<LinkConfig> check_link(const Entry &entry, std::vector<Error> &errors) {
  if (!is_valid_name(entry.key)) {
    add_error(errors, entry.key_mark, entry.value.path, invalid_name_rule("link name", entry.key));
    return std::nullopt;
  }
  if (!expect_map(entry.value, errors)) return std::nullopt;
  LinkConfig link;
  link.name = entry.key;
  link.mark = entry.key_mark;
  const auto type = link_type(entry.value, errors);
  // Kept without its settings so that devices on it do not add "unknown link" errors.
  if (!type) return link;

  Values values;
  if (*type == "rtu") {
    check_table(entry.value, kRtuTable, {}, values, errors);
    link.transport = Rtu{.device = string_or(values, "device", ""),
                         .baud = std::stoi(string_or(values, "baud", "9600")),
                         .parity = parity_letter(string_or(values, "parity", "none")),
                         .data_bits = std::stoi(string_or(values, "data_bits", "8")),
                         .stop_bits = std::stoi(string_or(values, "stop_bits", "1"))};
  } else {
    check_table(entry.value, kTcpTable, {}, values, errors);
    link.transport = Tcp{.host = string_or(values, "host", ""),
                         .port = static_cast<int>(int_or(values, "port", 502))};
  }
  link.timeout_ms = static_cast<int>(int_or(values, "timeout", 0));
  link.retries = static_cast<int>(int_or(values, "retries", 0));
  return link;
}

}  // namespace

std::map<std::string, LinkConfig> check_links(const Sources &sources, std::vector<Error> &errors) {
  std::map<std::string, LinkConfig> links;
  for (const auto &entry : sources.links) {
    if (auto link = check_link(entry, errors)) links.emplace(link->name, std::move(*link));
  }
  return links;
}

}  // namespace hearth::config::detail
