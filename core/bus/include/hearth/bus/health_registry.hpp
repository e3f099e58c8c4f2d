#pragma once
// Per-device online/offline with a reason and the time of the last transition (plugin.h,
// health_set), shown to the installer on the commissioning view. Listeners hear of every change
// of state or reason. Core thread only.
#include <cstdint>
#include <hearth/bus/listener_list.hpp>
#include <hearth/bus/string_map.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::bus {

struct DeviceHealth {
  std::string device;
  bool online = false;
  std::string reason;
  int64_t since_wall_ms = 0;  // when it last went online or offline
  uint32_t transitions = 0;   // online<->offline changes since it was first reported
};

class HealthRegistry {
 public:
  using Listener = ListenerList<const DeviceHealth &>::Listener;

  // True when something changed (state or reason); false for a repeat of the same report.
  bool set(std::string_view device, bool online, std::string_view reason, int64_t now_wall_ms);
  void remove(std::string_view device);

  std::optional<DeviceHealth> get(std::string_view device) const;
  // Sorted by device id.
  std::vector<DeviceHealth> all() const;
  size_t offline_count() const;

  ListenerId add_listener(Listener listener) { return listeners_.add(std::move(listener)); }
  bool remove_listener(ListenerId id) { return listeners_.remove(id); }

 private:
  StringMap<DeviceHealth> devices_;
  ListenerList<const DeviceHealth &> listeners_;
};

}  // namespace hearth::bus
