#include "hearth/config/config.hpp"

namespace hearth::config {

bool DriverTable::add(const hearth_driver_desc *desc, std::string plugin_id) {
  if (desc == nullptr || desc->name == nullptr) return false;
  return drivers_.emplace(desc->name, DriverInfo{desc, std::move(plugin_id)}).second;
}

const hearth_driver_desc *DriverTable::find(std::string_view driver) const {
  const DriverInfo *found = info(driver);
  return found == nullptr ? nullptr : found->desc;
}

std::vector<std::string> DriverTable::driver_names() const {
  std::vector<std::string> names;
  for (const auto &[name, _] : drivers_) names.push_back(name);
  return names;
}

const DriverInfo *DriverTable::info(std::string_view driver) const {
  auto it = drivers_.find(driver);
  return it == drivers_.end() ? nullptr : &it->second;
}

}  // namespace hearth::config
