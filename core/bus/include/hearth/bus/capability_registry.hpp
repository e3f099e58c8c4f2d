#pragma once
// Which device offers which capability, with its limits ("rated_w", "max_current_a"). The energy
// manager asks "which devices are batteries?" and "what is battery-1's max_charge_w?". Capability
// names are the design's fixed set (architecture.md, "The scheduler bus"); any other name is
// refused so a typo in a plugin shows up at start, not as a device the manager never drives.
// Core thread only.
#include <hearth/plugin.h>

#include <array>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::bus {

inline constexpr std::array<std::string_view, 9> kKnownCapabilities = {
    "grid_meter",      "pv_inverter",     "battery",       "ev_charger",    "sg_ready",
    "switchable_load", "power_limitable", "digital_input", "digital_output"};

bool is_known_capability(std::string_view capability);

class CapabilityRegistry {
 public:
  // HEARTH_OK, or HEARTH_E_INVALID for an unknown capability, an empty device id or a malformed
  // limit (last_error() says which; counted). Registering again replaces the limits.
  int32_t register_capability(std::string_view device, std::string_view capability,
                              std::span<const hearth_arg> limits);
  // Forgets everything the device registered (it stopped or was removed).
  void remove_device(std::string_view device);

  bool has(std::string_view device, std::string_view capability) const;
  // Sorted device ids.
  std::vector<std::string> devices_with(std::string_view capability) const;
  std::vector<std::string> capabilities_of(std::string_view device) const;
  // nullptr when the device did not register the capability.
  const std::vector<hearth_arg> *limits(std::string_view device, std::string_view capability) const;
  std::optional<hearth_value> limit(std::string_view device, std::string_view capability,
                                    std::string_view limit_name) const;

  uint64_t refused_count() const { return refused_count_; }
  const std::string &last_error() const { return last_error_; }

 private:
  using Key = std::pair<std::string, std::string>;  // (device, capability)
  int32_t refuse(std::string message);

  std::map<Key, std::vector<hearth_arg>, std::less<>> entries_;
  uint64_t refused_count_ = 0;
  std::string last_error_;
};

}  // namespace hearth::bus
