// A small driver catalog for the config tests: drivers shaped like the real plugins' (device
// classes and parameter tables), without code behind them.
#pragma once

#include <hearth/config/config.hpp>
#include <iterator>

namespace hearth::config::testing {

inline hearth_param_desc param(int32_t type, const char *name, const char *default_value = nullptr,
                               uint32_t flags = 0, double min = 0, double max = 0,
                               const char *choices = nullptr, const char *unit = nullptr) {
  hearth_param_desc desc{};
  desc.struct_size = sizeof desc;
  desc.type = type;
  desc.flags = flags;
  desc.min = min;
  desc.max = max;
  desc.name = name;
  desc.default_value = default_value;
  desc.choices = choices;
  desc.unit = unit;
  return desc;
}

constexpr uint32_t kMinMax = HEARTH_PARAM_HAS_MIN | HEARTH_PARAM_HAS_MAX;

inline const hearth_param_desc kInverterParams[] = {
    param(HEARTH_PARAM_DOUBLE, "rated_w", "10000", kMinMax, 0, 100000, nullptr, "W"),
    param(HEARTH_PARAM_DURATION, "poll_interval", "1s", kMinMax, 100, 7200000),
    param(HEARTH_PARAM_BOOL, "has_battery", "false"),
    param(HEARTH_PARAM_ENUM, "grid_code", "vde4105", 0, 0, 0, "vde4105|g98|g99"),
    param(HEARTH_PARAM_STRING, "model"),
};
inline const hearth_param_desc kMeterParams[] = {
    param(HEARTH_PARAM_INT, "phases", "3", kMinMax, 1, 3),
    param(HEARTH_PARAM_INT, "unit", "1", kMinMax, 1, 247),
};
inline const hearth_param_desc kOcppParams[] = {
    param(HEARTH_PARAM_STRING, "charge_point_id", nullptr, HEARTH_PARAM_REQUIRED),
    param(HEARTH_PARAM_DOUBLE, "max_current_a", "16", kMinMax, 6, 32, nullptr, "A"),
    param(HEARTH_PARAM_INT, "phases", "3", kMinMax, 1, 3),
    param(HEARTH_PARAM_LIST, "id_tags", "[]", HEARTH_PARAM_HAS_MAX, 0, 2),
};
inline const hearth_param_desc kSwitchParams[] = {
    param(HEARTH_PARAM_STRING, "host", nullptr, HEARTH_PARAM_REQUIRED),
};
inline const hearth_param_desc kSgReadyParams[] = {
    param(HEARTH_PARAM_ENUM, "wiring", "single-do", 0, 0, 0, "single-do|two-do"),
    param(HEARTH_PARAM_INT, "min_dwell_min", "10", HEARTH_PARAM_HAS_MIN, 0),
};

inline hearth_driver_desc driver(const char *name, const char *device_class,
                                 const hearth_param_desc *params = nullptr, uint32_t count = 0) {
  hearth_driver_desc desc{};
  desc.struct_size = sizeof desc;
  desc.name = name;
  desc.device_class = device_class;
  desc.params = params;
  desc.param_count = count;
  return desc;
}

inline const hearth_driver_desc kDrivers[] = {
    driver("huawei-sun2000", "pv_inverter", kInverterParams, std::size(kInverterParams)),
    driver("dtsu666", "grid_meter", kMeterParams, std::size(kMeterParams)),
    driver("ocpp16", "ev_charger", kOcppParams, std::size(kOcppParams)),
    driver("huawei-charger", "ev_charger"),
    driver("smart-switch", "switchable_load", kSwitchParams, std::size(kSwitchParams)),
    driver("sg-ready", "sg_ready", kSgReadyParams, std::size(kSgReadyParams)),
    driver("eebus", "power_limitable"),
    driver("heating-rod", "heating_rod"),
};

inline DriverTable make_catalog() {
  DriverTable table;
  for (const auto &desc : kDrivers) table.add(&desc, desc.name);
  return table;
}

inline const hearth_driver_desc &driver_named(std::string_view name) {
  for (const auto &desc : kDrivers) {
    if (name == desc.name) return desc;
  }
  std::abort();
}

}  // namespace hearth::config::testing
