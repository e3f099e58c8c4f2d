// The point contract between drivers and the energy manager (point_contract.hpp).
#include <cstring>
#include <hearth/energy/point_contract.hpp>

namespace hearth::energy {
namespace {

std::optional<double> number_of(const hearth_value &value) {
  switch (value.type) {
    case HEARTH_VALUE_DOUBLE:
      return value.as.d;
    case HEARTH_VALUE_INT:
      return static_cast<double>(value.as.i);
    case HEARTH_VALUE_BOOL:
      return value.as.b ? 1.0 : 0.0;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string point_name(const bus::CapabilityRegistry &capabilities, std::string_view device,
                       std::string_view capability, std::string_view limit_name,
                       std::string_view fallback) {
  std::string name(fallback);
  if (auto value = capabilities.limit(device, capability, limit_name);
      value && value->type == HEARTH_VALUE_STRING) {
    name.assign(value->as.s, strnlen(value->as.s, sizeof value->as.s));
  }
  return std::string(device) + "/" + name;
}

double number_limit(const bus::CapabilityRegistry &capabilities, std::string_view device,
                    std::string_view capability, std::string_view limit_name, double fallback) {
  const auto value = capabilities.limit(device, capability, limit_name);
  if (!value) return fallback;
  return number_of(*value).value_or(fallback);
}

std::optional<double> good_number(const bus::PointStore &points, std::optional<bus::PointId> id) {
  if (!id) return std::nullopt;
  const bus::PointSample sample = points.get(*id);
  if (!sample.has_value || sample.quality != HEARTH_QUALITY_GOOD) return std::nullopt;
  return number_of(sample.value);
}

std::optional<double> good_number(const bus::PointStore &points, std::string_view name) {
  return good_number(points, points.find(name));
}

MeterPoints meter_points(const bus::CapabilityRegistry &capabilities, std::string_view device) {
  auto name = [&](std::string_view limit, std::string_view fallback) {
    return point_name(capabilities, device, "grid_meter", limit, fallback);
  };
  MeterPoints points;
  points.device = std::string(device);
  points.power = name("power_point", "power_w");
  for (int phase = 0; phase < 3; ++phase) {
    const std::string l = "l" + std::to_string(phase + 1);
    points.phase_power[phase] = name("power_" + l + "_point", "power_" + l + "_w");
    points.phase_current[phase] = name("current_" + l + "_point", "current_" + l + "_a");
    points.phase_voltage[phase] = name("voltage_" + l + "_point", "voltage_" + l + "_v");
  }
  points.import_energy = name("import_energy_point", "import_wh");
  points.export_energy = name("export_energy_point", "export_wh");
  return points;
}

}  // namespace hearth::energy
