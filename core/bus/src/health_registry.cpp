#include <algorithm>
#include <hearth/bus/health_registry.hpp>

namespace hearth::bus {

namespace {
constexpr size_t kMaxReasonBytes = 256;
}  // namespace

bool HealthRegistry::set(std::string_view device, bool online, std::string_view reason,
                         int64_t now_wall_ms) {
  const std::string_view bounded_reason = reason.substr(0, kMaxReasonBytes);
  auto found = devices_.find(device);
  if (found == devices_.end()) {
    found = devices_.emplace(std::string(device), DeviceHealth{}).first;
    found->second =
        DeviceHealth{std::string(device), online, std::string(bounded_reason), now_wall_ms, 0};
  } else {
    DeviceHealth &health = found->second;
    if (health.online == online && health.reason == bounded_reason) return false;
    if (health.online != online) {
      health.online = online;
      health.since_wall_ms = now_wall_ms;
      ++health.transitions;
    }
    health.reason = bounded_reason;
  }
  // A copy: a listener may remove the device (and so the entry) while being told about it.
  const DeviceHealth snapshot = found->second;
  listeners_.notify(snapshot);
  return true;
}

void HealthRegistry::remove(std::string_view device) {
  if (const auto found = devices_.find(device); found != devices_.end()) devices_.erase(found);
}

std::optional<DeviceHealth> HealthRegistry::get(std::string_view device) const {
  const auto found = devices_.find(device);
  if (found == devices_.end()) return std::nullopt;
  return found->second;
}

std::vector<DeviceHealth> HealthRegistry::all() const {
  std::vector<DeviceHealth> devices;
  devices.reserve(devices_.size());
  for (const auto &[name, health] : devices_) devices.push_back(health);
  std::sort(devices.begin(), devices.end(),
            [](const DeviceHealth &a, const DeviceHealth &b) { return a.device < b.device; });
  return devices;
}

size_t HealthRegistry::offline_count() const {
  return static_cast<size_t>(std::count_if(devices_.begin(), devices_.end(),
                                           [](const auto &entry) { return !entry.second.online; }));
}

}  // namespace hearth::bus
