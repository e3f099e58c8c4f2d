#include "sun2000_registers.hpp"

#include <cstdio>

namespace huawei_sun2000 {

std::string device_status_name(uint16_t status) {
  // protocols.md §1, device status 32089.
  switch (status) {
    case 0x0000:
    case 0x0001:
    case 0x0002:
    case 0x0003:
      return "standby";
    case 0x0100:
      return "starting";
    case 0x0200:
      return "on_grid";
    case 0x0201:
      return "on_grid_limited";
    case 0x0202:
      return "on_grid_self_derating";
    case 0x0203:
      return "off_grid";
    case 0x0300:
      return "shutdown_fault";
    case 0x0301:
      return "shutdown_command";
    case 0x0302:
      return "shutdown_ovgr";
    case 0x0303:
      return "shutdown_comm_lost";
    case 0x0304:
      return "shutdown_power_limited";
    case 0x0305:
      return "shutdown_manual_start";
    case 0x0306:
      return "shutdown_dc_switch_off";
    case 0x0307:
      return "shutdown_rapid_cutoff";
    case 0x0308:
      return "shutdown_underpowered";
    case 0x030C:
      return "shutdown_end_of_discharge";
    case 0xA000:
      return "standby_no_irradiation";
    default:
      break;
  }
  if (status >= 0x0401 && status <= 0x0405) return "grid_scheduling";
  if (status == 0x0500 || status == 0x0501) return "spot_check";
  char name[16];
  std::snprintf(name, sizeof name, "status_0x%04X", status);
  return name;
}

std::string battery_status_name(uint16_t status) {
  // protocols.md §2, 37762.
  switch (status) {
    case 0:
      return "offline";
    case 1:
      return "standby";
    case 2:
      return "running";
    case 3:
      return "fault";
    case 4:
      return "sleep";
    default:
      return "status_" + std::to_string(status);
  }
}

}  // namespace huawei_sun2000
