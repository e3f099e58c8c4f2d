// huawei-sun2000: a Huawei SUN2000 inverter, the LUNA2000 battery behind it and the power meter
// it reads, over Modbus RTU (a shared RS485 bus, one unit id each) or Modbus TCP. Register facts:
// protocols.md §1 and §2; README.md lists parameters, points, commands and alarms.
//
// The host owns the link: a Huawei device serves one TCP client only, and hearthd holds exactly
// one connection per link, so this driver never opens a socket of its own.
#include <array>
#include <cmath>
#include <hearth/drivers/group_poller.hpp>
#include <hearth/plugin.hpp>
#include <optional>
#include <set>

#include "sun2000_registers.hpp"

namespace huawei_sun2000 {
namespace {

using hearth::drivers::RegisterImage;
using hearth::drivers::u32_registers;
using hearth::drivers::WriteChain;
using std::chrono::milliseconds;

constexpr size_t kGroupCount = 3;
constexpr std::array<int32_t, kGroupCount> kGroupPriority{HEARTH_PRIO_METER, HEARTH_PRIO_POLL,
                                                          HEARTH_PRIO_POLL};
// A point is stale after three missed cycles of its group: one lost answer is not an outage.
constexpr uint32_t kCyclesBeforeStale = 3;

size_t index_of(Group group) {
  return static_cast<size_t>(group);
}

// The output cap an active-power command asks for: watts, or percent of Pmax.
struct Limit {
  bool percent = false;
  double value = 0;
};

class Sun2000 : public hearth::Device {
 public:
  Sun2000()
      : unit_(static_cast<int32_t>(host().param_int("unit"))),
        has_battery_(host().param_bool("battery")),
        has_meter_(host().param_bool("meter")),
        pv_strings_(static_cast<uint32_t>(host().param_int("pv_strings"))),
        intervals_{host().param_duration("fast_interval"), host().param_duration("poll_interval"),
                   host().param_duration("yield_interval")},
        failsafe_limit_w_(static_cast<uint32_t>(host().param_int("failsafe_limit_w"))),
        forcible_minutes_(
            static_cast<uint16_t>(host().param_duration("forcible_duration").count() / 60'000)),
        poller_(host(), {unit_, static_cast<uint32_t>(host().param_int("max_block_registers")),
                         static_cast<int>(host().param_int("offline_after")),
                         host().param_duration("retry_min"), host().param_duration("retry_max"),
                         kAlarmNoAnswer}) {}

  void start() override {
    declare_points();
    // pv_inverter and battery are registered with their limits once they are read (the host
    // may refuse a second registration, plugin.h leaves it open).
    // The meter's values are published under grid_* names; the limits tell the energy manager
    // which points carry them (docs/energy.md, "Point contract").
    if (has_meter_) {
      host().register_capability("grid_meter",
                                 {hearth::limit("power_point", "grid_power_w"),
                                  hearth::limit("power_l1_point", "grid_power_l1_w"),
                                  hearth::limit("power_l2_point", "grid_power_l2_w"),
                                  hearth::limit("power_l3_point", "grid_power_l3_w"),
                                  hearth::limit("current_l1_point", "grid_current_l1_a"),
                                  hearth::limit("current_l2_point", "grid_current_l2_a"),
                                  hearth::limit("current_l3_point", "grid_current_l3_a"),
                                  hearth::limit("voltage_l1_point", "grid_voltage_l1_v"),
                                  hearth::limit("voltage_l2_point", "grid_voltage_l2_v"),
                                  hearth::limit("voltage_l3_point", "grid_voltage_l3_v"),
                                  hearth::limit("import_energy_point", "grid_import_wh"),
                                  hearth::limit("export_energy_point", "grid_export_wh")});
    }
    register_failsafe(std::nullopt);
    start_polling();
  }

  void command(const hearth::Command &command) override {
    const std::string &name = command.name();
    if (name == "set_active_power_limit_w")
      return limit_command(command, Limit{false, command.number("limit_w")});
    if (name == "set_active_power_limit_pct")
      return limit_command(command, Limit{true, command.number("limit_pct")});
    if (has_battery_ && name == "set_power_w") return battery_power_command(command);
    if (has_battery_ && name == "set_mode") return battery_mode_command(command);
    throw hearth::Error(
        HEARTH_E_NOT_SUPPORTED,
        hearth::text("command '", name, "' on '", command.capability(), "' is not supported"));
  }

 private:
  // ---- Points -------------------------------------------------------------------------------

  bool part_enabled(Part part) const {
    return part == Part::kInverter || (part == Part::kBattery && has_battery_) ||
           (part == Part::kMeter && has_meter_);
  }
  uint32_t max_age_ms(Group group) const {
    return static_cast<uint32_t>(kCyclesBeforeStale * intervals_[index_of(group)].count());
  }

  void declare_points() {
    for (size_t i = 0; i < kNumericPoints.size(); ++i) {
      const NumericPoint &p = kNumericPoints[i];
      if (part_enabled(p.part))
        numeric_[i] = host().declare_point<double>(p.name, p.unit, max_age_ms(p.group));
    }
    const uint32_t normal_age = max_age_ms(Group::kNormal);
    for (uint32_t n = 1; n <= pv_strings_; ++n) {
      const std::string voltage = hearth::text("pv", n, "_voltage_v");
      const std::string current = hearth::text("pv", n, "_current_a");
      pv_voltage_.push_back(host().declare_point<double>(voltage.c_str(), "V", normal_age));
      pv_current_.push_back(host().declare_point<double>(current.c_str(), "A", normal_age));
    }
    state_ = host().declare_point<std::string>("state", "", normal_age);
    state_code_ = host().declare_point<int64_t>("state_code", "", normal_age);
    fault_code_ = host().declare_point<int64_t>("fault_code", "", normal_age);
    rated_w_ = host().declare_point<double>("rated_w", "W", 0);
    max_active_power_w_ = host().declare_point<double>("max_active_power_w", "W", 0);
    if (has_battery_) {
      battery_state_ = host().declare_point<std::string>("battery_state", "", normal_age);
      battery_mode_ = host().declare_point<std::string>("battery_mode", "", normal_age);
    }
    if (has_meter_) {
      grid_import_wh_ = host().declare_point<double>("grid_import_wh", "Wh", normal_age);
      grid_export_wh_ = host().declare_point<double>("grid_export_wh", "Wh", normal_age);
    }
  }

  // ---- Identity, online and offline ---------------------------------------------------------

  void identified(const RegisterImage &image) {
    const std::string model = image.text(kModel, kModelLength);
    const std::string serial = image.text(kSerial, kSerialLength);
    const std::string firmware = image.text(kFirmware, kFirmwareLength);
    host().set_identity(model.c_str(), serial.c_str(), firmware.c_str());
    rated_power_w_ = image.u32(kRatedPower);
    max_active_power_w_value_ = image.u32(kMaxActivePower);
    const int64_t sampled = image.sampled_mono_ns(kRatedPower, 4);
    rated_w_.publish(rated_power_w_, sampled);
    max_active_power_w_.publish(max_active_power_w_value_, sampled);
    if (!inverter_registered_) {
      host().register_capability(
          "pv_inverter", {hearth::limit("rated_w", static_cast<double>(rated_power_w_)),
                          hearth::limit("max_w", static_cast<double>(max_active_power_w_value_))});
      inverter_registered_ = true;
    }
    // The inverter refuses a cap above Pmax: register again only when the clamp changes it.
    if (failsafe_limit_w_ > max_active_power_w_value_) register_failsafe(max_active_power_w_value_);
    host().info("unit ", unit_, " is ", model, " serial ", serial, " firmware ", firmware);
    // An inverter that stopped answering may have restarted, which resets its controls: the last
    // limit is written again (architecture.md, fail-safe; the read-back check catches the rest).
    if (limit_) write_limit("the inverter answers again");
  }

  // ---- Polling ------------------------------------------------------------------------------

  std::vector<RegisterSpan> spans_of(Group group) const {
    std::vector<RegisterSpan> spans;
    switch (group) {
      case Group::kFast:
        spans.push_back(kActivePower);
        if (has_battery_) spans.push_back(kBatteryFast);
        // The meter's status comes with its power, so a dead meter is never published as good.
        if (has_meter_) spans.push_back({kMeterStatus, kMeterFast.end() - kMeterStatus});
        break;
      case Group::kNormal:
        spans.insert(
            spans.end(),
            {kStatusBlock, {kPvFirstString, 2 * pv_strings_}, kMeasurementBlock, kLimitBlock});
        if (has_battery_)
          spans.insert(spans.end(), {kBatteryBlock, kBatteryLimits, kBatterySettings});
        if (has_meter_) spans.push_back(kMeterBlock);
        break;
      case Group::kSlow:
        spans.push_back(kYieldBlock);
        break;
    }
    return spans;
  }

  void start_polling() {
    std::vector<hearth::drivers::PollGroup> groups;
    for (Group group : {Group::kFast, Group::kNormal, Group::kSlow}) {
      const size_t g = index_of(group);
      groups.push_back({spans_of(group), intervals_[g], kGroupPriority[g]});
    }
    poller_.start(
        std::move(groups), {kIdentityText, kIdentityPower},
        [this](const RegisterImage &image) { identified(image); },
        [this](size_t g, const RegisterImage &image) { publish(static_cast<Group>(g), image); });
  }

  void publish(Group group, const RegisterImage &image) {
    if (has_meter_ && image.has(kMeterStatus)) update_meter_status(image);
    publish_numeric(group, image);
    if (group != Group::kNormal) return;
    publish_pv_strings(image);
    publish_status(image);
    publish_alarms(image);
    check_limit_in_force(image);
    if (has_battery_) publish_battery_state(image);
    if (has_meter_) publish_meter_energy(image);
  }

  void publish_numeric(Group group, const RegisterImage &image) {
    for (size_t i = 0; i < kNumericPoints.size(); ++i) {
      const NumericPoint &p = kNumericPoints[i];
      if (p.group != group || !numeric_[i].declared()) continue;
      const uint32_t count = hearth::drivers::register_count(p.type);
      if (!image.has(p.address, count)) continue;
      const auto raw = hearth::drivers::raw_value(image, p.address, p.type);
      const bool valid = raw.available && (p.part != Part::kMeter || meter_online_);
      double value = valid ? raw.value * p.factor : 0.0;
      if (p.non_negative) value = std::max(0.0, value);
      if (value == 0.0) value = 0.0;  // no "-0" from a sign factor
      numeric_[i].publish(value, image.sampled_mono_ns(p.address, count),
                          valid ? HEARTH_QUALITY_GOOD : HEARTH_QUALITY_INVALID);
    }
  }

  void publish_pv_strings(const RegisterImage &image) {
    for (uint32_t n = 0; n < pv_strings_; ++n) {
      const uint32_t voltage = kPvFirstString + 2 * n;
      if (!image.has(voltage, 2)) continue;
      const int64_t sampled = image.sampled_mono_ns(voltage, 2);
      // PV voltage gain 10, current gain 100 (§1); PV values are >= 0.
      pv_voltage_[n].publish(std::max(0.0, image.i16(voltage) / 10.0), sampled);
      pv_current_[n].publish(std::max(0.0, image.i16(voltage + 1) / 100.0), sampled);
    }
  }

  void publish_status(const RegisterImage &image) {
    const uint16_t status = image.u16(kDeviceStatus);
    const int64_t sampled = image.sampled_mono_ns(kDeviceStatus);
    state_.publish(device_status_name(status), sampled);
    state_code_.publish(int64_t{status}, sampled);
    const uint16_t fault = image.u16(kFaultCode);
    fault_code_.publish(int64_t{fault}, sampled);
    set_alarm(kAlarmShutdownFault, status == 0x0300, HEARTH_SEVERITY_MAJOR,
              hearth::text("unit ", unit_, " shut down on a fault (fault code ", fault, ")"));

    const uint32_t startup = image.u32(kStartupTime);
    if (startup_time_ != 0 && startup != startup_time_)
      host().info("unit ", unit_, " restarted (startup time ", startup_time_, " -> ", startup, ")");
    startup_time_ = startup;
  }

  void publish_alarms(const RegisterImage &image) {
    for (uint32_t r = 0; r < kAlarmRegisters; ++r) {
      const uint16_t bits = image.u16(kAlarm1 + r);
      for (uint32_t bit = 0; bit < 16; ++bit) {
        const bool active = (bits >> bit) & 1u;
        const AlarmBit *known = nullptr;
        for (const AlarmBit &a : kAlarmBits)
          if (a.register_index == r && a.bit == bit) known = &a;
        const int32_t code =
            known ? known->code : kAlarmGenericBase + static_cast<int32_t>(16 * r + bit);
        const std::string what = known ? std::string(known->text)
                                       : hearth::text("alarm register ", kAlarm1 + r, " bit ", bit);
        set_alarm(code, active, known ? known->severity : HEARTH_SEVERITY_WARNING,
                  hearth::text("unit ", unit_, ": ", what));
      }
    }
  }

  // Raises or clears an alarm when its state changes (the host deduplicates, this saves calls).
  void set_alarm(int32_t code, bool active, int32_t severity, const std::string &alarm_text) {
    const bool was_active = active_alarms_.count(code) > 0;
    if (active == was_active) return;
    if (active) {
      host().raise_alarm(code, severity, alarm_text);
      active_alarms_.insert(code);
    } else {
      host().clear_alarm(code);
      active_alarms_.erase(code);
    }
  }

  void publish_battery_state(const RegisterImage &image) {
    const uint16_t status = image.u16(kBatteryStatus);
    battery_state_.publish(battery_status_name(status), image.sampled_mono_ns(kBatteryStatus));
    set_alarm(kAlarmBatteryFault, status == 3, HEARTH_SEVERITY_MAJOR,
              hearth::text("unit ", unit_, ": the LUNA2000 battery reports a fault"));
    const uint16_t mode = image.u16(kStorageMode);
    std::string mode_name = hearth::text("mode_", mode);
    for (const StorageMode &m : kStorageModes)
      if (m.value == mode) mode_name = m.name;
    battery_mode_.publish(mode_name, image.sampled_mono_ns(kStorageMode));
    if (!battery_limits_registered_ && image.has(kBatteryLimits.address, 4)) {
      host().register_capability(
          "battery", {hearth::limit("capacity_wh", static_cast<double>(image.u32(37758))),
                      hearth::limit("max_charge_w", static_cast<double>(image.u32(37046))),
                      hearth::limit("max_discharge_w", static_cast<double>(image.u32(37048))),
                      hearth::limit("soc_point", "battery_soc_pct"),
                      hearth::limit("power_point", "battery_power_w")});
      battery_limits_registered_ = true;
    }
    max_charge_w_ = image.u32(kBatteryLimits.address);
    max_discharge_w_ = image.u32(kBatteryLimits.address + 2);
  }

  void update_meter_status(const RegisterImage &image) {
    meter_online_ = image.u16(kMeterStatus) == 1;
    set_alarm(kAlarmMeterOffline, !meter_online_, HEARTH_SEVERITY_MAJOR,
              hearth::text("unit ", unit_,
                           ": the power meter behind the inverter is offline "
                           "(37100 = 0)"));
  }

  void publish_meter_energy(const RegisterImage &image) {
    const int32_t quality = meter_online_ ? HEARTH_QUALITY_GOOD : HEARTH_QUALITY_INVALID;
    const auto energy_wh = [&](uint32_t address) {
      return meter_online_ ? std::fabs(image.i32(address) * kKwhCentisToWh) : 0.0;
    };
    grid_export_wh_.publish(energy_wh(kMeterExportEnergy),
                            image.sampled_mono_ns(kMeterExportEnergy, 2), quality);
    grid_import_wh_.publish(energy_wh(kMeterImportEnergy),
                            image.sampled_mono_ns(kMeterImportEnergy, 2), quality);
  }

  // ---- Active power limit -------------------------------------------------------------------

  std::vector<uint16_t> limit_registers(const Limit &limit) const {
    std::vector<uint16_t> regs;
    if (limit.percent) {
      regs.push_back(static_cast<uint16_t>(std::lround(limit.value * 10)));
      auto pmax = u32_registers(max_active_power_w_value_);
      regs.insert(regs.end(), pmax.begin(), pmax.end());
    } else {
      regs.push_back(kNoPercentLimit);
      auto watts = u32_registers(static_cast<uint32_t>(std::lround(limit.value)));
      regs.insert(regs.end(), watts.begin(), watts.end());
    }
    return regs;
  }

  // Caps the fail-safe limit to Pmax (the inverter refuses more) once Pmax is known.
  void register_failsafe(std::optional<uint32_t> pmax_w) {
    const uint32_t limit_w = pmax_w ? std::min(failsafe_limit_w_, *pmax_w) : failsafe_limit_w_;
    std::vector<uint16_t> regs{kNoPercentLimit};
    auto watts = u32_registers(limit_w);
    regs.insert(regs.end(), watts.begin(), watts.end());
    std::vector<hearth_modbus_request> writes{
        hearth::modbus_write_registers(unit_, kLimitBlock.address, regs, HEARTH_PRIO_SAFETY)};
    if (has_battery_) {
      writes.push_back(hearth::modbus_write_registers(unit_, kForcibleCommand, {kForcibleStop},
                                                      HEARTH_PRIO_SAFETY));
    }
    host().register_failsafe(writes);
  }

  void limit_command(const hearth::Command &command, Limit limit) {
    const double max = limit.percent ? 100.0 : 1e7;
    if (!(limit.value >= 0 && limit.value <= max))
      throw hearth::Error(
          HEARTH_E_INVALID,
          hearth::text("limit ", limit.value, limit.percent ? " %" : " W", " is outside 0..", max));
    if (!limit.percent && max_active_power_w_value_ > 0)
      limit.value = std::min<double>(limit.value, max_active_power_w_value_);
    limit_ = limit;
    if (!poller_.online() || max_active_power_w_value_ == 0) {
      host().complete(command, HEARTH_E_IO,
                      hearth::text("unit ", unit_,
                                   " does not answer; the limit is kept and written when it does"));
      return;
    }
    const uint64_t id = command.id();
    write_limit("commanded", [this, id](int32_t status, const std::string &message) {
      host().complete(id, status, message);
    });
  }

  // Writes the last commanded limit, then reads it back (a write the inverter acknowledged but
  // did not keep is reported, not trusted).
  void write_limit(const char *why,
                   std::function<void(int32_t, const std::string &)> done = nullptr) {
    if (!limit_) return;
    const std::vector<uint16_t> regs = limit_registers(*limit_);
    host().info("unit ", unit_, ": writing the active power limit ", limit_->value,
                limit_->percent ? " %" : " W", " (", why, ")");
    limit_writes_in_flight_++;
    auto finish = [this, done](int32_t status, const std::string &message) {
      limit_writes_in_flight_--;
      if (status != HEARTH_OK) host().warn("unit ", unit_, ": ", message);
      if (done) done(status, message);
    };
    WriteChain::run(
        host(),
        {hearth::modbus_write_registers(unit_, kLimitBlock.address, regs, HEARTH_PRIO_CONTROL)},
        [this, regs, finish](int32_t status, const std::string &message) {
          if (status != HEARTH_OK) return finish(status, message);
          poller_.reader().read(
              {kLimitBlock}, HEARTH_PRIO_CONTROL, 0,
              [this, regs, finish](const RegisterImage &image, const std::string &failure) {
                if (!failure.empty()) return finish(HEARTH_E_IO, "read-back: " + failure);
                const bool applied = reads_back(image, regs);
                set_alarm(
                    kAlarmLimitNotApplied, !applied, HEARTH_SEVERITY_MAJOR,
                    hearth::text("unit ", unit_, ": the active power limit does not read back"));
                if (!applied)
                  return finish(HEARTH_E_IO,
                                hearth::text("read-back of 40125..40127 gives ", image.u16(40125),
                                             " ", image.u32(40126), " instead of ", regs[0], " ",
                                             (uint32_t{regs[1]} << 16) | regs[2]));
                finish(HEARTH_OK, {});
              });
        });
  }

  static bool reads_back(const RegisterImage &image, const std::vector<uint16_t> &regs) {
    for (uint32_t i = 0; i < regs.size(); ++i)
      if (image.u16(kLimitBlock.address + i) != regs[i]) return false;
    return true;
  }

  // A restarted inverter comes back with its controls at their defaults (no cap): the limit
  // read in every normal cycle is compared with the last one commanded, and written again.
  void check_limit_in_force(const RegisterImage &image) {
    if (!limit_ || limit_writes_in_flight_ > 0 || max_active_power_w_value_ == 0) return;
    if (reads_back(image, limit_registers(*limit_))) return;
    host().warn("unit ", unit_, ": the active power limit is no longer in force (restart?)");
    write_limit("it was no longer in force");
  }

  // ---- Battery ------------------------------------------------------------------------------

  void battery_power_command(const hearth::Command &command) {
    double power_w = command.number("power_w");  // + charge, - discharge
    if (!std::isfinite(power_w))
      throw hearth::Error(HEARTH_E_INVALID, "power_w is not a finite number");
    std::string note;
    const double cap = power_w > 0 ? max_charge_w_ : max_discharge_w_;
    if (cap > 0 && std::fabs(power_w) > cap) {
      power_w = std::copysign(cap, power_w);
      note = hearth::text("clamped to ", power_w, " W (the battery's maximum)");
    }
    std::vector<hearth_modbus_request> writes;
    const auto write = [&](uint32_t address, std::vector<uint16_t> regs) {
      writes.push_back(hearth::modbus_write_registers(unit_, address, regs, HEARTH_PRIO_CONTROL));
    };
    const auto watts = static_cast<uint32_t>(std::lround(std::fabs(power_w)));
    if (watts == 0) {
      write(kForcibleCommand, {kForcibleStop});
    } else {
      // protocols.md §2, "Forcible charge / discharge sequence": powers, target mode by duration,
      // the duration, and the command last.
      std::vector<uint16_t> block{0};  // 47246: by duration
      auto charge = u32_registers(power_w > 0 ? watts : 0);
      auto discharge = u32_registers(power_w < 0 ? watts : 0);
      block.insert(block.end(), charge.begin(), charge.end());
      block.insert(block.end(), discharge.begin(), discharge.end());
      write(kForcibleTargetMode, block);
      write(kForcibleDuration, {forcible_minutes_});
      write(kForcibleCommand, {power_w > 0 ? kForcibleCharge : kForcibleDischarge});
    }
    const uint64_t id = command.id();
    WriteChain::run(host(), writes, [this, id, note](int32_t status, const std::string &message) {
      host().complete(id, status, status == HEARTH_OK ? note : message);
    });
  }

  void battery_mode_command(const hearth::Command &command) {
    const std::string mode = command.text_arg("mode");
    const StorageMode *found = nullptr;
    for (const StorageMode &m : kStorageModes)
      if (mode == m.name) found = &m;
    if (found == nullptr)
      throw hearth::Error(HEARTH_E_INVALID,
                          hearth::text("unknown battery mode '", mode,
                                       "'; one of adaptive, fixed_charge_discharge, "
                                       "max_self_consumption, tou_lg, fully_fed_to_grid, tou"));
    const uint64_t id = command.id();
    const uint16_t value = found->value;
    WriteChain::run(
        host(), {hearth::modbus_write_registers(unit_, kStorageMode, {value}, HEARTH_PRIO_CONTROL)},
        [this, id, value](int32_t status, const std::string &message) {
          if (status != HEARTH_OK) return host().complete(id, status, message);
          poller_.reader().read(
              {{kStorageMode, 1}}, HEARTH_PRIO_CONTROL, 0,
              [this, id, value](const RegisterImage &image, const std::string &failure) {
                if (!failure.empty())
                  return host().complete(id, HEARTH_E_IO, "read-back: " + failure);
                if (image.u16(kStorageMode) != value)
                  return host().complete(
                      id, HEARTH_E_IO, hearth::text("47086 reads back ", image.u16(kStorageMode)));
                host().complete(id, HEARTH_OK);
              });
        });
  }

  // ---- State --------------------------------------------------------------------------------

  const int32_t unit_;
  const bool has_battery_;
  const bool has_meter_;
  const uint32_t pv_strings_;
  const std::array<milliseconds, kGroupCount> intervals_;
  const uint32_t failsafe_limit_w_;
  const uint16_t forcible_minutes_;
  hearth::drivers::GroupPoller poller_;

  std::array<hearth::Point<double>, kNumericPoints.size()> numeric_{};
  std::vector<hearth::Point<double>> pv_voltage_, pv_current_;
  hearth::Point<std::string> state_, battery_state_, battery_mode_;
  hearth::Point<int64_t> state_code_, fault_code_;
  hearth::Point<double> rated_w_, max_active_power_w_, grid_import_wh_, grid_export_wh_;

  uint32_t rated_power_w_ = 0;
  uint32_t max_active_power_w_value_ = 0;
  uint32_t startup_time_ = 0;
  double max_charge_w_ = 0, max_discharge_w_ = 0;
  bool meter_online_ = true;
  bool battery_limits_registered_ = false;
  bool inverter_registered_ = false;
  std::optional<Limit> limit_;
  int limit_writes_in_flight_ = 0;
  std::set<int32_t> active_alarms_;
};

}  // namespace
}  // namespace huawei_sun2000

HEARTH_PLUGIN(
    "huawei-sun2000", "1.0.0", "Hearth project", "Apache-2.0",
    "Huawei SUN2000 inverters with LUNA2000 battery and grid meter, over Modbus RTU or TCP",
    hearth::driver<huawei_sun2000::Sun2000>(
        "huawei-sun2000", "pv_inverter",
        "Huawei SUN2000 inverter (one per device), its LUNA2000 battery and the meter behind it",
        hearth::param_int("unit").required().min(0).max(247).help(
            "Modbus unit id of the inverter (its RS485 address; 0 or its own id over TCP)."),
        hearth::param_bool("battery").default_value("false").help(
            "A LUNA2000 battery is connected: read it and offer the battery capability."),
        hearth::param_bool("meter").default_value("false").help(
            "A power meter is connected to the inverter: read it and offer grid_meter."),
        hearth::param_int("pv_strings")
            .min(1)
            .max(24)
            .default_value("2")
            .help("PV strings to read (PV1..PVn voltage and current)."),
        hearth::param_duration("fast_interval")
            .min(100)
            .max(10000)
            .default_value("1s")
            .unit("ms")
            .help("Interval of the fast reads: AC power, battery SOC and power, grid power."),
        hearth::param_duration("poll_interval")
            .min(500)
            .max(600000)
            .default_value("5s")
            .unit("ms")
            .help("Interval of the normal reads: strings, voltages, state, alarms, limits."),
        hearth::param_duration("yield_interval")
            .min(1000)
            .max(3600000)
            .default_value("60s")
            .unit("ms")
            .help("Interval of the energy counter reads (daily and total yield)."),
        hearth::param_int("max_block_registers")
            .min(1)
            .max(125)
            .default_value("64")
            .help("Most registers per read; Huawei reads at most 64, and 41 fit 100 ms at 9600 "
                  "bit/s (halved automatically when the link refuses a block)."),
        hearth::param_int("offline_after")
            .min(1)
            .max(100)
            .default_value("3")
            .help("Failed reads in a row after which the inverter is reported offline."),
        hearth::param_duration("retry_min")
            .min(100)
            .max(600000)
            .default_value("1s")
            .unit("ms")
            .help("First delay before an offline inverter is asked again; doubles each time."),
        hearth::param_duration("retry_max")
            .min(100)
            .max(3600000)
            .default_value("30s")
            .unit("ms")
            .help("Longest delay between two attempts to reach an offline inverter."),
        hearth::param_int("failsafe_limit_w")
            .min(0)
            .max(10000000)
            .default_value("0")
            .unit("W")
            .help("Output cap the host writes when hearthd stalls or stops (fail-safe)."),
        hearth::param_duration("forcible_duration")
            .min(60000)
            .max(86400000)
            .default_value("15min")
            .unit("ms")
            .help("How long a battery set_power_w command holds (forcible charge/discharge).")))
