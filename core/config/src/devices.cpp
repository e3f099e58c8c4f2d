// devices: one entry per device, checked against its driver's parameter table.
#include <algorithm>
#include "hal_grants.hpp"
#include "param_builder.hpp"
#include "sections.hpp"
#include "suggest.hpp"
#include "table.hpp"

namespace hearth::config::detail {
namespace {

constexpr hearth_param_desc kDeviceTable[] = {
    Param(HEARTH_PARAM_STRING, "id").required(),
    Param(HEARTH_PARAM_STRING, "driver").required(),
    Param(HEARTH_PARAM_STRING, "link"),
    // Modbus TCP unit ids are a byte; RTU slave addresses are narrower (checked with the link).
    Param(HEARTH_PARAM_INT, "unit").range(0, 255),
};
constexpr std::string_view kDeviceNested[] = {"hal", "params"};

// Modbus RTU slave addresses: 0 is broadcast, 248-255 are reserved.
constexpr int kRtuUnitMin = 1;
constexpr int kRtuUnitMax = 247;

struct Place {
  std::string device_id;
  Mark mark;
};

class DeviceChecker {
 public:
  DeviceChecker(const std::map<std::string, LinkConfig> &links, const DriverCatalog &catalog,
                std::vector<Error> &errors)
      : links_(links), catalog_(catalog), errors_(errors) {}

  std::optional<CheckedDevice> check(const Located &entry) {
    if (!expect_map(entry, errors_)) return std::nullopt;
    Values values;
    auto nested = check_table(entry, kDeviceTable, kDeviceNested, values, errors_);
    CheckedDevice device;
    device.path = entry.path;
    device.config.mark = entry.mark;
    device.config.id = string_or(values, "id", "");
    device.config.driver = string_or(values, "driver", "");
    device.config.link = string_or(values, "link", "");
    device.config.unit = static_cast<int>(int_or(values, "unit", -1));

    check_id(child(entry, "id"), device.config.id);
    if (values.contains("driver")) device.driver = find_driver(child(entry, "driver"));
    const size_t errors_before_unit = errors_.size();
    check_link_and_unit(entry, device.config);
    const bool unit_valid = errors_.size() == errors_before_unit;
    if (auto hal = nested.find("hal"); hal != nested.end()) {
      device.config.hal = hal_grants_.check(hal->second.value, device.config.id, errors_);
    }
    if (device.driver != nullptr) {
      Located params = child(entry, "params");
      if (params.node.IsNull()) params.mark = entry.mark;  // absent: required keys are missing here
      const auto table = driver_params(*device.driver);
      if (unit_valid && !give_unit_to_param(params, table, device.config)) return device;
      const size_t errors_before_params = errors_.size();
      check_table(params, table, {}, device.config.params, errors_);
      point_unit_errors_at_the_entry(entry, params, errors_before_params);
    }
    return device;
  }

 private:
  // A driver that declares a parameter named "unit" gets the entry's own `unit:` key there, so an
  // integrator writes the Modbus unit id once, beside the link, where duplicates are checked.
  // False when it is given twice (reported).
  bool give_unit_to_param(Located &params, const std::vector<hearth_param_desc> &table,
                          const DeviceConfig &device) {
    const bool declared = std::any_of(table.begin(), table.end(), [](const auto &param) {
      return param.name != nullptr && std::string_view(param.name) == "unit";
    });
    if (device.unit < 0 || !declared) return true;
    if (params.node.IsMap() && params.node["unit"]) {
      add_error(errors_, mark_of(params.node["unit"], params.file), params.path + ".unit",
                "the unit id is given twice; keep the device's 'unit:' and drop this one");
      return false;
    }
    YAML::Node with_unit =
        params.node.IsMap() ? YAML::Clone(params.node) : YAML::Node(YAML::NodeType::Map);
    with_unit["unit"] = device.unit;
    params.node = with_unit;
    return true;
  }

  // A driver's range check of an injected unit names the entry's `unit:`, which is what was written.
  void point_unit_errors_at_the_entry(const Located &entry, const Located &params, size_t from) {
    const Located unit = child(entry, "unit");
    for (size_t i = from; i < errors_.size(); ++i) {
      if (errors_[i].key == params.path + ".unit" && errors_[i].mark.line == 0) {
        errors_[i].mark = unit.mark;
        errors_[i].key = unit.path;
      }
    }
  }

  void check_id(const Located &where, const std::string &id) {
    if (id.empty() && !where.node.IsScalar()) return;  // missing or mistyped: already reported
    if (!is_valid_name(id)) {
      add_error(errors_, where.mark, where.path, invalid_name_rule("device id", id));
      return;
    }
    auto [first, inserted] = ids_.emplace(id, where.mark);
    if (!inserted) {
      add_error(errors_, where.mark, where.path,
                "duplicate device id '" + id + "'; first defined at " + place(first->second));
    }
  }

  const hearth_driver_desc *find_driver(const Located &where) {
    const std::string name = where.node.Scalar();
    if (const auto *driver = catalog_.find(name)) return driver;
    const auto known = catalog_.driver_names();
    add_error(errors_, where.mark, where.path,
              known.empty() ? "unknown driver '" + name + "'; no loaded plugin provides it"
                            : unknown_name_rule("driver", name, known, true));
    return nullptr;
  }

  void check_link_and_unit(const Located &entry, const DeviceConfig &device) {
    const Located unit = child(entry, "unit");
    const LinkConfig *link = nullptr;
    if (!device.link.empty()) {
      auto it = links_.find(device.link);
      if (it == links_.end()) {
        std::vector<std::string> names;
        for (const auto &[name, _] : links_) names.push_back(name);
        const Located where = child(entry, "link");
        add_error(errors_, where.mark, where.path, unknown_name_rule("link", device.link, names));
        return;
      }
      link = &it->second;
    }
    if (device.unit < 0) return;
    if (link == nullptr) {
      if (child(entry, "link").node.IsNull()) {  // not a mistyped link: there is none
        add_error(errors_, unit.mark, unit.path, "a unit id needs a link; add 'link:'");
      }
      return;
    }
    const bool rtu = std::holds_alternative<Rtu>(link->transport);
    if (rtu && (device.unit < kRtuUnitMin || device.unit > kRtuUnitMax)) {
      add_error(errors_, unit.mark, unit.path,
                "unit " + std::to_string(device.unit) + " is not an RTU slave address (" +
                    std::to_string(kRtuUnitMin) + ".." + std::to_string(kRtuUnitMax) + ")");
      return;
    }
    auto [first, inserted] =
        units_.emplace(std::make_pair(device.link, device.unit), Place{device.id, unit.mark});
    if (!inserted) {
      add_error(errors_, unit.mark, unit.path,
                "unit " + std::to_string(device.unit) + " on link '" + device.link +
                    "' is already used by '" + first->second.device_id + "' (" +
                    place(first->second.mark) + ")");
    }
  }

  const std::map<std::string, LinkConfig> &links_;
  const DriverCatalog &catalog_;
  std::vector<Error> &errors_;
  std::map<std::string, Mark> ids_;
  std::map<std::pair<std::string, int>, Place> units_;
  HalGrants hal_grants_;
};

}  // namespace

std::vector<CheckedDevice> check_devices(const Sources &sources,
                                         const std::map<std::string, LinkConfig> &links,
                                         const DriverCatalog &catalog, std::vector<Error> &errors) {
  DeviceChecker checker(links, catalog, errors);
  std::vector<CheckedDevice> devices;
  for (const auto &entry : sources.devices) {
    if (auto device = checker.check(entry)) devices.push_back(std::move(*device));
  }
  return devices;
}

}  // namespace hearth::config::detail
