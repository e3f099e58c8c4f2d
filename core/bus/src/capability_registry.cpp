#include <algorithm>
#include <hearth/bus/capability_registry.hpp>
#include <hearth/bus/value_check.hpp>

namespace hearth::bus {

namespace {

// Lookups with string_views without building the std::pair<std::string, std::string> key.
struct KeyView {
  std::string_view device;
  std::string_view capability;
};

bool operator<(const std::pair<std::string, std::string> &key, const KeyView &view) {
  return std::tie(key.first, key.second) < std::tie(view.device, view.capability);
}
bool operator<(const KeyView &view, const std::pair<std::string, std::string> &key) {
  return std::tie(view.device, view.capability) < std::tie(key.first, key.second);
}

}  // namespace

bool is_known_capability(std::string_view capability) {
  // "x-<vendor>-<name>": a vendor's own capability, which the energy manager does not drive but
  // operators and tests can command (plugin.h, capability_register).
  if (capability.starts_with("x-") && capability.size() > 2) return true;
  return std::find(kKnownCapabilities.begin(), kKnownCapabilities.end(), capability) !=
         kKnownCapabilities.end();
}

int32_t CapabilityRegistry::refuse(std::string message) {
  ++refused_count_;
  last_error_ = std::move(message);
  return HEARTH_E_INVALID;
}

int32_t CapabilityRegistry::register_capability(std::string_view device,
                                                std::string_view capability,
                                                std::span<const hearth_arg> limits) {
  if (device.empty()) return refuse("capability '" + std::string(capability) + "': no device id");
  if (!is_known_capability(capability)) {
    return refuse("device '" + std::string(device) + "': unknown capability '" +
                  std::string(capability) +
                  "' (known: grid_meter, pv_inverter, battery, ev_charger, sg_ready, "
                  "switchable_load, power_limitable, digital_input, digital_output, or a vendor's "
                  "own as x-<vendor>-<name>)");
  }
  for (const hearth_arg &limit : limits) {
    const auto name = bounded_text(limit.name);
    if (!name || name->empty()) {
      return refuse("device '" + std::string(device) + "', capability '" + std::string(capability) +
                    "': a limit name is empty or not NUL-terminated");
    }
    if (auto problem = check_value(limit.value)) {
      return refuse("device '" + std::string(device) + "', capability '" + std::string(capability) +
                    "', limit '" + std::string(*name) + "': " + *problem);
    }
  }
  entries_.insert_or_assign(Key{device, capability},
                            std::vector<hearth_arg>(limits.begin(), limits.end()));
  return HEARTH_OK;
}

void CapabilityRegistry::remove_device(std::string_view device) {
  std::erase_if(entries_, [device](const auto &entry) { return entry.first.first == device; });
}

bool CapabilityRegistry::has(std::string_view device, std::string_view capability) const {
  return limits(device, capability) != nullptr;
}

std::vector<std::string> CapabilityRegistry::devices_with(std::string_view capability) const {
  std::vector<std::string> devices;
  for (const auto &[key, limits] : entries_) {
    if (key.second == capability) devices.push_back(key.first);
  }
  return devices;  // the map is ordered by device first, so this is sorted
}

std::vector<std::string> CapabilityRegistry::capabilities_of(std::string_view device) const {
  std::vector<std::string> capabilities;
  for (const auto &[key, limits] : entries_) {
    if (key.first == device) capabilities.push_back(key.second);
  }
  return capabilities;
}

const std::vector<hearth_arg> *CapabilityRegistry::limits(std::string_view device,
                                                          std::string_view capability) const {
  const auto found = entries_.find(KeyView{device, capability});
  return found == entries_.end() ? nullptr : &found->second;
}

std::optional<hearth_value> CapabilityRegistry::limit(std::string_view device,
                                                      std::string_view capability,
                                                      std::string_view limit_name) const {
  const std::vector<hearth_arg> *all = limits(device, capability);
  if (all == nullptr) return std::nullopt;
  for (const hearth_arg &limit : *all) {
    if (bounded_text(limit.name) == limit_name) return limit.value;
  }
  return std::nullopt;
}

}  // namespace hearth::bus
