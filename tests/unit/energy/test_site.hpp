#pragma once
// A small site for the energy manager's tests: a real PointStore, CommandBus, CapabilityRegistry,
// AlarmRegistry and HealthRegistry on a ManualClock, with test devices that answer commands the
// way the drivers do (an inverter's output follows its limit at once; a battery takes its power).
// The physics is one line: grid = load − Σ inverter output − battery discharge.
#include <gtest/gtest.h>

#include <cstring>
#include <hearth/bus/alarm_registry.hpp>
#include <hearth/bus/capability_registry.hpp>
#include <hearth/bus/command_bus.hpp>
#include <hearth/bus/health_registry.hpp>
#include <hearth/bus/point_store.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/energy/energy_manager.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::energy::test {

inline hearth_arg text_limit(const char *name, const char *text) {
  hearth_arg arg{};
  std::strncpy(arg.name, name, sizeof arg.name - 1);
  arg.value.type = HEARTH_VALUE_STRING;
  std::strncpy(arg.value.as.s, text, sizeof arg.value.as.s - 1);
  return arg;
}

inline hearth_arg number_limit_arg(const char *name, double value) {
  hearth_arg arg{};
  std::strncpy(arg.name, name, sizeof arg.name - 1);
  arg.value.type = HEARTH_VALUE_DOUBLE;
  arg.value.as.d = value;
  return arg;
}

struct Command {
  std::string device, name;
  double value = 0;
  int32_t priority = 0;
  int64_t at_ns = 0;
};

class TestSite {
 public:
  struct Inverter {
    std::string id;
    double rated_w = 0;
    double pv_w = 0;  // what the sun gives it
    std::optional<double> limit_w;
    bool answers = true;
    bus::PointId power = -1;
    double output_w() const { return std::min(pv_w, limit_w.value_or(rated_w)); }
  };
  struct Battery {
    std::string id;
    double power_w = 0;  // + charge / − discharge
    bus::PointId power = -1, soc = -1;
  };

  TestSite() : points(clock), commands(clock) {}

  EnergyBus bus() { return {points, commands, capabilities, alarms, health}; }

  void add_meter(const std::string &id = "grid", bool per_phase = false) {
    meter_ = id;
    meter_power_ = points.declare(id + "/power_w", HEARTH_VALUE_DOUBLE, "W", 3000);
    import_wh_ = points.declare(id + "/import_wh", HEARTH_VALUE_DOUBLE, "Wh", 0);
    export_wh_ = points.declare(id + "/export_wh", HEARTH_VALUE_DOUBLE, "Wh", 0);
    if (per_phase) {
      for (int k = 1; k <= 3; ++k) {
        phase_power_.push_back(points.declare(id + "/power_l" + std::to_string(k) + "_w",
                                              HEARTH_VALUE_DOUBLE, "W", 3000));
      }
    }
    capabilities.register_capability(id, "grid_meter", {});
    health.set(id, true, "", clock.wall_ms());
  }

  Inverter &add_inverter(const std::string &id, double rated_w, double pv_w) {
    auto &inverter = inverters_[id];
    inverter = Inverter{};
    inverter.id = id;
    inverter.rated_w = rated_w;
    inverter.pv_w = pv_w;
    inverter.power = points.declare(id + "/power_w", HEARTH_VALUE_DOUBLE, "W", 3000);
    const hearth_arg limits[] = {number_limit_arg("rated_w", rated_w),
                                 number_limit_arg("max_w", rated_w)};
    capabilities.register_capability(id, "pv_inverter", limits);
    health.set(id, true, "", clock.wall_ms());
    commands.register_handler(
        id, [this, id](const hearth_command &command) { return on_command(id, command); });
    return inverter;
  }

  // A battery behind inverter `id` named like the SUN2000 does (point contract limits).
  Battery &add_battery(const std::string &id, double max_w) {
    auto &battery = batteries_[id];
    battery = Battery{};
    battery.id = id;
    battery.power = points.declare(id + "/battery_power_w", HEARTH_VALUE_DOUBLE, "W", 3000);
    battery.soc = points.declare(id + "/battery_soc_pct", HEARTH_VALUE_DOUBLE, "%", 30000);
    const hearth_arg limits[] = {
        number_limit_arg("capacity_wh", 10000), number_limit_arg("max_charge_w", max_w),
        number_limit_arg("max_discharge_w", max_w), text_limit("soc_point", "battery_soc_pct"),
        text_limit("power_point", "battery_power_w")};
    capabilities.register_capability(id, "battery", limits);
    if (!inverters_.contains(id)) {
      commands.register_handler(
          id, [this, id](const hearth_command &command) { return on_command(id, command); });
    }
    return battery;
  }

  Inverter &inverter(const std::string &id) { return inverters_.at(id); }
  Battery &battery(const std::string &id) { return batteries_.at(id); }

  double grid_w() const {
    double supply_w = 0;
    for (const auto &[id, inverter] : inverters_) supply_w += inverter.output_w();
    for (const auto &[id, battery] : batteries_) supply_w -= battery.power_w;
    return load_w - supply_w;
  }

  // One round of readings: the devices' points, then the meter (the manager reacts to that).
  void publish_devices() {
    for (const auto &[id, inverter] : inverters_) {
      if (inverter.answers) publish(inverter.power, inverter.output_w());
    }
    for (const auto &[id, battery] : batteries_) {
      publish(battery.power, battery.power_w);
      publish(battery.soc, 50);
    }
  }
  void publish_meter(std::optional<double> forced_w = std::nullopt) {
    const double grid = forced_w.value_or(grid_w());
    for (size_t k = 0; k < phase_power_.size(); ++k) {
      publish(phase_power_[k], phase_override_w[k].value_or(grid / 3));
    }
    publish(meter_power_, grid);
  }
  void sample(std::optional<double> forced_w = std::nullopt) {
    publish_devices();
    publish_meter(forced_w);
  }
  void publish_counters(double import_wh, double export_wh) {
    publish(import_wh_, import_wh);
    publish(export_wh_, export_wh);
  }
  void publish(bus::PointId id, double value) {
    hearth_value v{};
    v.type = HEARTH_VALUE_DOUBLE;
    v.as.d = value;
    ASSERT_EQ(points.publish(id, v, 0, HEARTH_QUALITY_GOOD), HEARTH_OK);
  }

  // Moves the clock in steps, running the manager's timer whenever it is due.
  void advance_ms(EnergyManager &manager, int64_t ms, int64_t sample_every_ms = 0) {
    const int64_t end = clock.mono_ns() + ms * 1'000'000;
    int64_t next_sample =
        sample_every_ms > 0 ? clock.mono_ns() + sample_every_ms * 1'000'000 : end + 1;
    while (clock.mono_ns() < end) {
      int64_t next = std::min(end, next_sample);
      if (auto due = manager.next_deadline_mono_ns(); due && *due < next)
        next = std::max(*due, clock.mono_ns());
      clock.advance_ns(next - clock.mono_ns());
      if (auto due = manager.next_deadline_mono_ns(); due && *due <= clock.mono_ns())
        manager.on_timer();
      if (clock.mono_ns() >= next_sample) {
        sample();
        next_sample += sample_every_ms * 1'000'000;
      }
    }
  }

  // The latest value of a point by name (the manager's own points under energy/).
  std::string text_point(const std::string &name) const {
    return points.get(points.find(name).value_or(-1)).value.as.s;
  }
  double number_point(const std::string &name) const {
    return points.get(points.find(name).value_or(-1)).value.as.d;
  }

  std::vector<Command> commands_to(const std::string &device, const std::string &name) const {
    std::vector<Command> found;
    for (const auto &command : log) {
      if (command.device == device && command.name == name) found.push_back(command);
    }
    return found;
  }
  size_t limit_writes() const {
    size_t count = 0;
    for (const auto &command : log) count += command.name == "set_active_power_limit_w" ? 1 : 0;
    return count;
  }

  ManualClock clock;
  bus::PointStore points;
  bus::CommandBus commands;
  bus::CapabilityRegistry capabilities;
  bus::AlarmRegistry alarms;
  bus::HealthRegistry health;
  double load_w = 0;
  std::array<std::optional<double>, 3> phase_override_w;
  std::vector<Command> log;

 private:
  int32_t on_command(const std::string &id, const hearth_command &command) {
    const double value = command.arg_count > 0 ? command.args[0].value.as.d : 0;
    log.push_back({id, command.name, value, command.priority, clock.mono_ns()});
    const std::string name = command.name;
    if (name == "set_active_power_limit_w") {
      auto &inverter = inverters_.at(id);
      if (!inverter.answers) return HEARTH_E_IO;
      inverter.limit_w = value;
    } else if (name == "set_power_w") {
      batteries_.at(id).power_w = value;
    }
    commands.complete(id, command.id, HEARTH_OK, "");
    return HEARTH_OK;
  }

  std::string meter_;
  bus::PointId meter_power_ = -1, import_wh_ = -1, export_wh_ = -1;
  std::vector<bus::PointId> phase_power_;
  std::map<std::string, Inverter> inverters_;
  std::map<std::string, Battery> batteries_;
};

}  // namespace hearth::energy::test
