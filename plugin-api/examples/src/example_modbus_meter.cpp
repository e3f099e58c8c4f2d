// example-modbus-meter: a complete Hearth driver plugin for a simple Modbus TCP grid meter,
// written against the C++ SDK (hearth/plugin.hpp) only. See README.md for the register map.
//
// What it shows: a declarative parameter table, points with Hearth's sign convention, a poll timer
// with at most one request in flight, the grid_meter capability, and health that goes offline
// with a reason after repeated failures and back online with the next good answer.
#include <hearth/plugin.hpp>

#include "meter_registers.hpp"

namespace example_meter {

// Alarm code for "the meter stopped answering"; codes are the driver's own (plugin.h, alarms).
constexpr int32_t kAlarmMeterOffline = 1;

class ModbusMeter : public hearth::Device {
 public:
  ModbusMeter()
      : unit_(static_cast<int32_t>(host().param_int("unit"))),
        first_register_(static_cast<uint32_t>(host().param_int("first_register"))),
        poll_interval_(host().param_duration("poll_interval")),
        sign_(host().param_string("power_sign") == "export-positive" ? PowerSign::kExportPositive
                                                                     : PowerSign::kImportPositive),
        energy_wh_per_count_(host().param_double("energy_wh_per_count")),
        offline_after_failures_(static_cast<int>(host().param_int("offline_after"))) {}

  void start() override {
    // A value older than three polls is stale: one lost answer is not yet an outage.
    const auto max_age_ms = static_cast<uint32_t>(3 * poll_interval_.count());
    power_w_ = host().declare_point<double>("power_w", "W", max_age_ms);
    import_energy_wh_ = host().declare_point<double>("energy_import_wh", "Wh", max_age_ms);
    export_energy_wh_ = host().declare_point<double>("energy_export_wh", "Wh", max_age_ms);
    voltage_v_ = host().declare_point<double>("voltage_v", "V", max_age_ms);
    frequency_hz_ = host().declare_point<double>("frequency_hz", "Hz", max_age_ms);
    host().register_capability("grid_meter");
    host().set_offline("waiting for the first answer");
    host().start_timer(std::chrono::milliseconds(0), poll_interval_, [this] { poll(); });
  }

 private:
  void poll() {
    if (in_flight_) {
      // The link is slower than the poll interval: skip rather than queue up stale reads.
      host().debug("previous read of unit ", unit_, " still pending; poll skipped");
      return;
    }
    in_flight_ = true;
    const auto request = hearth::modbus_read(HEARTH_MODBUS_READ_HOLDING_REGISTERS, unit_,
                                             first_register_, kBlockRegisters, HEARTH_PRIO_METER);
    host().modbus_submit(request, [this](const hearth::ModbusResult &answer) { answered(answer); });
  }

  void answered(const hearth::ModbusResult &answer) {
    in_flight_ = false;
    if (!answer.ok()) return failed(answer.describe());
    if (answer.count() < kBlockRegisters)
      return failed(hearth::text("short answer: ", answer.count(), " registers"));
    const Reading r = decode(answer, sign_, energy_wh_per_count_);
    const int64_t sampled = answer.received_mono_ns();
    power_w_.publish(r.grid_power_w, sampled);
    import_energy_wh_.publish(r.import_energy_wh, sampled);
    export_energy_wh_.publish(r.export_energy_wh, sampled);
    voltage_v_.publish(r.voltage_v, sampled);
    frequency_hz_.publish(r.frequency_hz, sampled);
    consecutive_failures_ = 0;
    if (!online_) {
      online_ = true;
      host().set_online();
      host().clear_alarm(kAlarmMeterOffline);
      host().info("unit ", unit_, " answers");
    }
  }

  void failed(const std::string &why) {
    ++consecutive_failures_;
    host().debug("read of unit ", unit_, " failed: ", why);
    if (consecutive_failures_ < offline_after_failures_ || (!online_ && reported_offline_)) return;
    online_ = false;
    reported_offline_ = true;
    const std::string reason =
        hearth::text("no valid answer from unit ", unit_, " at register ", first_register_, " (",
                     why, "), ", consecutive_failures_, " polls in a row");
    host().set_offline(reason);
    host().raise_alarm(kAlarmMeterOffline, HEARTH_SEVERITY_MAJOR, reason);
    host().warn(reason);
  }

  const int32_t unit_;
  const uint32_t first_register_;
  const std::chrono::milliseconds poll_interval_;
  const PowerSign sign_;
  const double energy_wh_per_count_;
  const int offline_after_failures_;

  hearth::Point<double> power_w_, import_energy_wh_, export_energy_wh_, voltage_v_, frequency_hz_;
  bool in_flight_ = false;
  bool online_ = false;
  bool reported_offline_ = false;
  int consecutive_failures_ = 0;
};

}  // namespace example_meter

HEARTH_PLUGIN(
    "example-modbus-meter", "1.0.0", "Hearth project", "Apache-2.0",
    "Example plugin: a simple Modbus TCP grid meter",
    hearth::driver<example_meter::ModbusMeter>(
        "example-modbus-meter", "grid_meter",
        "Grid meter with power, energy, voltage and frequency in one block of holding registers",
        hearth::param_int("unit").min(1).max(247).default_value("1").help(
            "Modbus unit id of the meter."),
        hearth::param_int("first_register")
            .min(0)
            .max(65536 - example_meter::kBlockRegisters)
            .default_value("0")
            .help("Address of the first register of the measurement block."),
        hearth::param_duration("poll_interval")
            .min(100)
            .max(60000)
            .default_value("1s")
            .unit("ms")
            .help("Time between two reads of the measurement block."),
        hearth::param_enum("power_sign", "import-positive|export-positive")
            .default_value("import-positive")
            .help("How the meter signs active power; Hearth publishes + import / - export."),
        hearth::param_double("energy_wh_per_count")
            .min(0.001)
            .max(1000000)
            .default_value("10")
            .unit("Wh")
            .help("Energy of one count of the energy registers (10 for a 0.01 kWh register)."),
        hearth::param_int("offline_after")
            .min(1)
            .max(100)
            .default_value("3")
            .help("Failed reads in a row after which the meter is reported offline.")))
