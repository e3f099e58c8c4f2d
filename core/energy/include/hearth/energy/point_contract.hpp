#pragma once
// Where the energy manager finds a capability's values (docs/energy.md, "Point contract"): a
// device names the points in its capability limits as text ("power_point" = "grid_power_w" for
// the SUN2000's meter behind the inverter); a limit left out means the default name.
//
//   grid_meter:  power_point (power_w), power_l1_point..power_l3_point (power_l1_w..),
//                current_l1_point.. (current_l1_a..), voltage_l1_point.. (voltage_l1_v..),
//                import_energy_point (import_wh), export_energy_point (export_wh)
//   pv_inverter: power_point (power_w), pv_power_point (pv_power_w); number limits rated_w, max_w
//   battery:     soc_point (soc_pct), power_point (power_w); number limits capacity_wh,
//                max_charge_w, max_discharge_w
//   loads:       power_point (power_w)
#include <array>
#include <hearth/bus/capability_registry.hpp>
#include <hearth/bus/point_store.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::energy {

// "<device>/<name>" of the point the capability's limit `limit_name` names, or of `fallback`.
std::string point_name(const bus::CapabilityRegistry &capabilities, std::string_view device,
                       std::string_view capability, std::string_view limit_name,
                       std::string_view fallback);

// A number limit (rated_w, max_discharge_w), or `fallback`.
double number_limit(const bus::CapabilityRegistry &capabilities, std::string_view device,
                    std::string_view capability, std::string_view limit_name, double fallback);

// The point's latest value as a number when it is GOOD; nullopt when absent, stale or invalid.
std::optional<double> good_number(const bus::PointStore &points, std::optional<bus::PointId> id);
std::optional<double> good_number(const bus::PointStore &points, std::string_view name);

struct MeterPoints {
  std::string device;
  std::string power;
  std::array<std::string, 3> phase_power, phase_current, phase_voltage;
  std::string import_energy, export_energy;
};
MeterPoints meter_points(const bus::CapabilityRegistry &capabilities, std::string_view device);

}  // namespace hearth::energy
