#pragma once
// One configured device as the host sees it: the driver that runs it, the plugin's instance
// pointer, and the bookkeeping that lets the host drop late callbacks and disable a device that
// misbehaves.
#include <hearth/config/config.hpp>
#include <hearth/host/plugin_loader.hpp>
#include <hearth/links/modbus_link.hpp>
#include <hearth/plugin.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace hearth::host {

class Runtime;
struct Device;

}  // namespace hearth::host

// The opaque handle of plugin.h: what a plugin passes back on every host call.
struct hearth_device {
  hearth::host::Device *device;
};

namespace hearth::host {

enum class DeviceState { Created, Running, Stopped, Disabled };

struct Device {
  Device(Runtime &owner, config::DeviceConfig entry, const DriverEntry &driver_entry)
      : runtime(owner), config(std::move(entry)), driver(*driver_entry.desc),
        plugin(*driver_entry.plugin), id(config.id) {}

  Runtime &runtime;
  config::DeviceConfig config;
  const hearth_driver_desc &driver;
  const LoadedPlugin &plugin;
  const std::string id;
  hearth_device handle{this};

  void *instance = nullptr;
  DeviceState state = DeviceState::Created;
  // Bumped when the device stops: callbacks issued under an older generation are dropped.
  // Atomic because post() reads it from plugin threads.
  std::atomic<uint64_t> generation{1};
  // False once stop() began: post() from a plugin thread then says HEARTH_E_STATE.
  std::atomic<bool> accepting_posts{false};
  links::ModbusLink *link = nullptr;
  std::string last_error;  // set_error() during the current call
  std::string model, serial, firmware;

  std::set<int32_t> points;  // point ids this device declared; it may publish only these
  std::map<int32_t, std::unique_ptr<boost::asio::steady_timer>> timers;
  std::map<int32_t, std::unique_ptr<boost::asio::posix::stream_descriptor>> fd_watches;
  std::deque<std::chrono::steady_clock::time_point> overruns;
  uint64_t overrun_total = 0;

  bool is_live(uint64_t at_generation) const {
    return state == DeviceState::Running && generation.load() == at_generation;
  }
  // Takes the message a failing plugin call left with set_error(), or a fallback.
  std::string take_error(const char *fallback) {
    std::string message = last_error.empty() ? fallback : last_error;
    last_error.clear();
    return message;
  }
};

}  // namespace hearth::host
