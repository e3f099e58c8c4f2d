// The reference product's site limits (emma-functions.md, "Site limits"): Hearth refuses a device
// list that the EMMA-A02 would not take, naming the limit.
#include <functional>

#include "sections.hpp"

namespace hearth::config::detail {
namespace {

constexpr std::string_view kHuaweiCharger = "huawei-charger";

struct SiteLimit {
  std::string what;  // "pv_inverter devices", counted
  int max;
  // The group a device counts in ("" for the whole site; a link name for per-bus limits), or
  // nullopt when the limit does not concern it.
  std::function<std::optional<std::string>(const CheckedDevice &)> group_of;
  std::string group_label;  // " on RTU link '{}'" for per-link limits
};

bool has_class(const CheckedDevice &device, std::string_view device_class) {
  return device.driver != nullptr && device.driver->device_class != nullptr &&
         device_class == device.driver->device_class;
}

std::function<std::optional<std::string>(const CheckedDevice &)> site_wide(
    std::function<bool(const CheckedDevice &)> counts) {
  return [counts](const CheckedDevice &device) -> std::optional<std::string> {
    if (counts(device)) return std::string();
    return std::nullopt;
  };
}

std::vector<SiteLimit> site_limits(const std::map<std::string, LinkConfig> &links) {
  auto on_rtu_link = [&links](const CheckedDevice &device) -> std::optional<std::string> {
    if (!has_class(device, "pv_inverter")) return std::nullopt;
    auto link = links.find(device.config.link);
    if (link == links.end() || !std::holds_alternative<Rtu>(link->second.transport)) {
      return std::nullopt;
    }
    return device.config.link;
  };
  return {
      {"devices", 40, site_wide([](const CheckedDevice &) { return true; }), ""},
      // Inverters in parallel on one RS485 bus.
      {"pv_inverter devices", 3, on_rtu_link, " on RTU link '{}'"},
      {"chargers (ev_charger)", 2,
       site_wide([](const CheckedDevice &d) { return has_class(d, "ev_charger"); }), ""},
      {"third-party chargers (ev_charger with a driver other than huawei-charger)", 1,
       site_wide([](const CheckedDevice &d) {
         return has_class(d, "ev_charger") && d.config.driver != kHuaweiCharger;
       }),
       ""},
      {"smart switches (switchable_load)", 20,
       site_wide([](const CheckedDevice &d) { return has_class(d, "switchable_load"); }), ""},
      {"EEBUS heat pumps (driver eebus)", 1,
       site_wide([](const CheckedDevice &d) { return d.config.driver == "eebus"; }), ""},
      {"heating rods (driver heating-rod)", 1,
       site_wide([](const CheckedDevice &d) { return d.config.driver == "heating-rod"; }), ""},
  };
}

std::string label(const SiteLimit &limit, const std::string &group) {
  std::string text = limit.group_label;
  if (auto braces = text.find("{}"); braces != std::string::npos) text.replace(braces, 2, group);
  return text;
}

// Reports a limit once, at the first device beyond it, with the total count.
void check_limit(const SiteLimit &limit, const std::vector<CheckedDevice> &devices,
                 std::vector<Error> &errors) {
  std::map<std::string, std::vector<const CheckedDevice *>> groups;
  for (const auto &device : devices) {
    if (auto group = limit.group_of(device)) groups[*group].push_back(&device);
  }
  for (const auto &[group, members] : groups) {
    if (static_cast<int>(members.size()) <= limit.max) continue;
    const CheckedDevice &first_beyond = *members[limit.max];
    add_error(errors, first_beyond.config.mark, first_beyond.path,
              std::to_string(members.size()) + " " + limit.what + label(limit, group) +
                  "; the reference product allows at most " + std::to_string(limit.max));
  }
}

}  // namespace

void check_site_limits(const std::vector<CheckedDevice> &devices,
                       const std::map<std::string, LinkConfig> &links, std::vector<Error> &errors) {
  for (const auto &limit : site_limits(links)) check_limit(limit, devices, errors);
}

}  // namespace hearth::config::detail
