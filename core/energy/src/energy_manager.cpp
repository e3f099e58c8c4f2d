// The energy manager (energy_manager.hpp): bus wiring, the event path, the fail-safe, the cycle.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <hearth/energy/energy_manager.hpp>
#include <sstream>

namespace hearth::energy {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerHour = 3'600'000'000'000;
// A limit command's deadline; a failed one makes the inverter count at rated power this long.
constexpr int64_t kCommandDeadlineNs = 5'000'000'000;
constexpr int64_t kFailedWriteHoldNs = 5'000'000'000;
// Battery targets closer than this to the last one sent are not sent again.
constexpr double kBatteryDeadbandW = 50;

// A command argument: type HEARTH_VALUE_DOUBLE, _INT or _BOOL, from a number.
hearth_arg make_arg(const char *name, int32_t type, double number) {
  hearth_arg arg{};
  std::strncpy(arg.name, name, sizeof arg.name - 1);
  arg.value.type = type;
  if (type == HEARTH_VALUE_INT) {
    arg.value.as.i = std::llround(number);
  } else if (type == HEARTH_VALUE_BOOL) {
    arg.value.as.b = number != 0 ? 1 : 0;
  } else {
    arg.value.as.d = number;
  }
  return arg;
}

std::optional<double> number_of(const bus::PointSample &sample) {
  if (!sample.has_value || sample.quality != HEARTH_QUALITY_GOOD) return std::nullopt;
  switch (sample.value.type) {
    case HEARTH_VALUE_DOUBLE:
      return sample.value.as.d;
    case HEARTH_VALUE_INT:
      return static_cast<double>(sample.value.as.i);
    default:
      return std::nullopt;
  }
}

std::string watts(std::optional<double> value) {
  if (!value) return "none";
  std::ostringstream text;
  text << std::lround(*value) << " W";
  return text.str();
}

std::optional<double> lower_of(std::optional<double> a, std::optional<double> b) {
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

LoadKind load_kind_of(std::string_view capability) {
  if (capability == "ev_charger") return LoadKind::kEvCharger;
  if (capability == "sg_ready") return LoadKind::kSgReady;
  if (capability == "power_limitable") return LoadKind::kPowerLimitable;
  return LoadKind::kSwitchable;
}

constexpr std::array<std::string_view, 4> kLoadCapabilities = {
    "ev_charger", "sg_ready", "switchable_load", "power_limitable"};

}  // namespace

const char *to_string(ManagerState state) {
  switch (state) {
    case ManagerState::starting:
      return "starting";
    case ManagerState::normal:
      return "normal";
    case ManagerState::failsafe:
      return "failsafe";
  }
  return "?";
}

EnergyManager::EnergyManager(EnergyBus bus, const Clock &clock, EnergySettings settings)
    : bus_(bus), clock_(clock) {
  apply_settings(std::move(settings));
}

EnergyManager::~EnergyManager() {
  unsubscribe_all();
  if (health_listener_ != 0) bus_.health.remove_listener(health_listener_);
}

void EnergyManager::apply_settings(EnergySettings settings) {
  settings_ = std::move(settings);
  try {
    zone_ = settings_.timezone.empty() ? TimeZone::utc() : TimeZone::load(settings_.timezone);
    clear(kAlarmSettings);
  } catch (const std::exception &error) {
    zone_ = TimeZone::utc();
    raise(kAlarmSettings, HEARTH_SEVERITY_MINOR,
          std::string(error.what()) + "; import hours are taken in UTC");
  }
  meter_watch_ = MeterWatch({settings_.fail_safe.frozen_samples,
                             settings_.fail_safe.counter_stall_wh, 200.0, 5'000'000'000});
  if (!started_) return;
  const int64_t now = clock_.mono_ns();
  stale_deadline_ns_ = (last_sample_ns_ != 0 ? last_sample_ns_ : now) +
                       static_cast<int64_t>(settings_.fail_safe.meter_timeout_s * 1e9);
  next_cycle_ns_ = std::min(next_cycle_ns_, now + settings_.control_cycle_ms * kNsPerMs);
  for (auto &[id, inverter] : inverters_) inverter.last_written_w.reset();  // write the new caps
  refresh_devices();
  if (state_ == ManagerState::failsafe) {
    write_failsafe_targets();
  } else if (state_ == ManagerState::normal) {
    evaluate_limits();
  }
  deadlines_changed();
}

void EnergyManager::start() {
  started_ = true;
  declare_points();
  const int64_t now = clock_.mono_ns();
  stale_deadline_ns_ = now + static_cast<int64_t>(settings_.fail_safe.meter_timeout_s * 1e9);
  next_cycle_ns_ = now + settings_.control_cycle_ms * kNsPerMs;
  health_listener_ =
      bus_.health.add_listener([this](const bus::DeviceHealth &health) { on_health(health); });
  resubscribe(ripple_sub_, "box/ripple_allowed_pv_pct", [this](const bus::PointSample &sample) {
    ripple_pct_ = number_of(sample);
    if (settings_.limits_trigger == LimitsTrigger::event) evaluate_limits();
  });
  refresh_devices();
  publish_status();
  deadlines_changed();
}

// ---- Bus wiring ------------------------------------------------------------------------------

void EnergyManager::resubscribe(Subscription &subscription, const std::string &point,
                                std::function<void(const bus::PointSample &)> on_sample) {
  if (subscription.id != 0 && subscription.point == point) return;
  if (subscription.id != 0) bus_.points.unsubscribe(subscription.id);
  subscription = {point, 0};
  if (point.empty()) return;
  // A prefix subscription also finds a point its driver declares later; only the exact name
  // counts.
  subscription.id =
      bus_.points.subscribe_prefix(point, [this, point, on_sample = std::move(on_sample)](
                                              bus::PointId id, const bus::PointSample &sample) {
        const bus::PointInfo *info = bus_.points.info(id);
        if (info != nullptr && info->name == point) on_sample(sample);
      });
}

void EnergyManager::unsubscribe_all() {
  for (Subscription *subscription : {&meter_power_sub_, &import_sub_, &export_sub_, &ripple_sub_,
                                     &ext_feed_in_sub_, &ext_import_sub_}) {
    if (subscription->id != 0) bus_.points.unsubscribe(subscription->id);
    subscription->id = 0;
  }
}

void EnergyManager::refresh_meter() {
  std::string device = settings_.grid_meter;
  if (device.empty()) {
    const auto meters = bus_.capabilities.devices_with("grid_meter");
    if (!meters.empty()) device = meters.front();
  } else if (!bus_.capabilities.has(device, "grid_meter")) {
    device.clear();
  }
  meter_device_ = device;
  meter_points_ = device.empty() ? MeterPoints{} : meter_points(bus_.capabilities, device);
  resubscribe(meter_power_sub_, meter_points_.power,
              [this](const bus::PointSample &sample) { on_meter_sample(sample); });
  resubscribe(import_sub_, meter_points_.import_energy,
              [this](const bus::PointSample &sample) { on_counter_sample(true, sample); });
  resubscribe(export_sub_, meter_points_.export_energy,
              [this](const bus::PointSample &sample) { on_counter_sample(false, sample); });
  auto external = [this](std::optional<double> &target) {
    return [this, &target](const bus::PointSample &sample) {
      target = number_of(sample);
      if (settings_.limits_trigger == LimitsTrigger::event) evaluate_limits();
    };
  };
  resubscribe(ext_feed_in_sub_, settings_.external_feed_in_point,
              external(external_feed_in_point_w_));
  resubscribe(ext_import_sub_, settings_.external_import_point, external(external_import_point_w_));
  if (!device.empty() && !device_online(device)) {
    set_fault(kMeterOffline, true, "grid meter '" + device + "' is offline");
  }
}

void EnergyManager::refresh_devices() {
  refresh_meter();
  bool appeared = false;
  for (auto &[id, inverter] : inverters_) inverter.present = false;
  for (const auto &id : bus_.capabilities.devices_with("pv_inverter")) {
    InverterTrack &inverter = inverters_[id];
    const bool is_new = inverter.id.empty();
    inverter.id = id;
    inverter.present = true;
    inverter.max_w = number_limit(bus_.capabilities, id, "pv_inverter", "max_w", 0);
    inverter.rated_w =
        number_limit(bus_.capabilities, id, "pv_inverter", "rated_w", inverter.max_w);
    if (inverter.max_w <= 0) inverter.max_w = inverter.rated_w;
    inverter.power_point =
        point_name(bus_.capabilities, id, "pv_inverter", "power_point", "power_w");
    inverter.pv_power_point =
        point_name(bus_.capabilities, id, "pv_inverter", "pv_power_point", "pv_power_w");
    appeared = appeared || is_new;
  }
  std::erase_if(inverters_, [](const auto &entry) { return !entry.second.present; });
  for (auto &[id, battery] : batteries_) battery.present = false;
  for (const auto &id : bus_.capabilities.devices_with("battery")) {
    BatteryTrack &battery = batteries_[id];
    appeared = appeared || battery.id.empty();
    battery.id = id;
    battery.present = true;
    battery.soc_point = point_name(bus_.capabilities, id, "battery", "soc_point", "soc_pct");
    battery.power_point = point_name(bus_.capabilities, id, "battery", "power_point", "power_w");
    battery.capacity_wh = number_limit(bus_.capabilities, id, "battery", "capacity_wh", 0);
    battery.max_charge_w = number_limit(bus_.capabilities, id, "battery", "max_charge_w", 0);
    battery.max_discharge_w = number_limit(bus_.capabilities, id, "battery", "max_discharge_w", 0);
  }
  std::erase_if(batteries_, [](const auto &entry) { return !entry.second.present; });
  // A device that appears while the site is in its fail-safe state gets the safe state at once.
  if (appeared && state_ == ManagerState::failsafe) write_failsafe_targets();
}

bool EnergyManager::device_online(const std::string &device) const {
  const auto health = bus_.health.get(device);
  return !health || health->online;  // a device that never reported is taken by its points
}

void EnergyManager::declare_points() {
  auto declare = [this](const char *name, int32_t type, const char *unit) {
    return bus_.points.declare(std::string("energy/") + name, type, unit, 0);
  };
  points_.state = declare("state", HEARTH_VALUE_STRING, "");
  points_.failsafe_reason = declare("failsafe_reason", HEARTH_VALUE_STRING, "");
  points_.feed_in_limit_w = declare("feed_in_limit_w", HEARTH_VALUE_DOUBLE, "W");
  points_.import_limit_w = declare("import_limit_w", HEARTH_VALUE_DOUBLE, "W");
  points_.pv_limit_total_w = declare("pv_limit_total_w", HEARTH_VALUE_DOUBLE, "W");
  points_.export_w = declare("export_w", HEARTH_VALUE_DOUBLE, "W");
  points_.grid_power_w = declare("grid_power_w", HEARTH_VALUE_DOUBLE, "W");
  points_.writes_per_hour = declare("writes_per_hour", HEARTH_VALUE_DOUBLE, "1/h");
  points_.limit_writes = declare("limit_writes", HEARTH_VALUE_INT, "");
  points_.binding = declare("binding_limit", HEARTH_VALUE_STRING, "");
  points_.mode = declare("mode", HEARTH_VALUE_STRING, "");
  points_.pv_available_w = declare("pv_available_w", HEARTH_VALUE_DOUBLE, "W");
  points_.ripple_cap_w = declare("ripple_cap_w", HEARTH_VALUE_DOUBLE, "W");
}

// ---- Event path ------------------------------------------------------------------------------

void EnergyManager::on_meter_sample(const bus::PointSample &sample) {
  const auto power_w = number_of(sample);
  if (!power_w) return;  // invalid or stale samples do not count as fresh
  const int64_t now = clock_.mono_ns();
  const int64_t sampled_ns = sample.sampled_mono_ns > 0 ? sample.sampled_mono_ns : now;
  if (sampled_ns < last_sample_ns_) return;  // older than what we have
  ++counters_.meter_samples;
  last_sample_ns_ = sampled_ns;
  grid_power_w_ = *power_w;
  stale_deadline_ns_ = sampled_ns + static_cast<int64_t>(settings_.fail_safe.meter_timeout_s * 1e9);
  double output_w = 0;
  for (const auto &[id, inverter] : inverters_) {
    output_w += good_number(bus_.points, inverter.power_point).value_or(0);
  }
  meter_watch_.on_power(*power_w, output_w, sampled_ns);
  set_fault(kStale, false, "");
  if (meter_watch_.frozen() != ((faults_ & kFrozen) != 0)) {
    set_fault(kFrozen, meter_watch_.frozen(),
              "grid meter '" + meter_device_ + "' reads " + watts(*power_w) + " for " +
                  std::to_string(meter_watch_.identical_run()) +
                  " samples while the inverters' output moves");
  }
  good_streak_ = faults_ == 0 ? good_streak_ + 1 : 0;
  update_state();
  if (state_ == ManagerState::normal && settings_.limits_trigger == LimitsTrigger::event) {
    evaluate_limits();
  }
  publish_number(points_.grid_power_w, grid_power_w_);
  publish_number(points_.export_w, std::max(0.0, -*grid_power_w_));
  deadlines_changed();
}

void EnergyManager::on_counter_sample(bool import, const bus::PointSample &sample) {
  const auto wh = number_of(sample);
  if (!wh) return;
  if (import) {
    meter_watch_.on_import_counter(std::abs(*wh));
  } else {
    meter_watch_.on_export_counter(std::abs(*wh));
  }
  set_fault(kCounters, meter_watch_.counters_stopped(),
            "grid meter '" + meter_device_ + "': the energy counters stand still while " +
                watts(grid_power_w_) + " flows");
  update_state();
  deadlines_changed();
}

void EnergyManager::on_health(const bus::DeviceHealth &health) {
  if (health.device == meter_device_) {
    set_fault(kMeterOffline, !health.online,
              "grid meter '" + health.device + "' is offline: " + health.reason);
    if (!health.online) good_streak_ = 0;
    update_state();
  } else if (inverters_.contains(health.device) && health.online) {
    // Back online: the driver writes its last limit again; ours is sent on the next evaluation.
    inverters_[health.device].failed_until_ns = 0;
    if (state_ == ManagerState::failsafe) write_failsafe_targets();
  }
  if (state_ == ManagerState::normal && settings_.limits_trigger == LimitsTrigger::event &&
      grid_power_w_) {
    evaluate_limits();
  }
  deadlines_changed();
}

std::optional<double> EnergyManager::import_limit_now() const {
  if (!settings_.import_limit_w) return std::nullopt;
  const LocalTime now = zone_.to_local(clock_.wall_ms() / 1000);
  if (settings_.import_hours && !window_contains(*settings_.import_hours, kAllDays, now)) {
    return std::nullopt;
  }
  return settings_.import_limit_w;
}

std::optional<double> EnergyManager::effective_feed_in_limit_w() const {
  return lower_of(settings_.feed_in_limit_w,
                  lower_of(external_feed_in_w_, external_feed_in_point_w_));
}

LimitInputs EnergyManager::limit_inputs() const {
  LimitInputs inputs;
  inputs.feed_in_limit_w = settings_.feed_in_limit_w;
  inputs.external_feed_in_w = lower_of(external_feed_in_w_, external_feed_in_point_w_);
  inputs.import_limit_w = import_limit_now();
  inputs.external_import_w = lower_of(external_import_w_, external_import_point_w_);
  if (ripple_pct_ && settings_.pv_installed_wp > 0) {
    inputs.ripple_cap_w = std::clamp(*ripple_pct_, 0.0, 100.0) / 100.0 * settings_.pv_installed_wp;
  }
  inputs.phase_current_limit_a = settings_.phase_current_limit_a;
  inputs.single_phase = settings_.single_phase;
  inputs.margin_w = settings_.limit_deadband_w;
  return inputs;
}

std::vector<InverterInput> EnergyManager::inverter_inputs() const {
  const int64_t now = clock_.mono_ns();
  std::vector<InverterInput> inputs;
  for (const auto &[id, inverter] : inverters_) {
    const auto output_w = good_number(bus_.points, inverter.power_point);
    const bool reachable = output_w && device_online(id) && now >= inverter.failed_until_ns;
    inputs.push_back(
        {id, inverter.rated_w, reachable, output_w.value_or(0), inverter.last_written_w});
  }
  return inputs;
}

void EnergyManager::evaluate_limits() {
  // A command completed synchronously (a refused write) asks for another round; it runs after
  // this one instead of inside it.
  if (evaluating_) {
    reevaluate_ = true;
    return;
  }
  evaluating_ = true;
  for (int round = 0; round < 3; ++round) {
    reevaluate_ = false;
    evaluate_limits_once();
    if (!reevaluate_) break;
  }
  evaluating_ = false;
}

void EnergyManager::evaluate_limits_once() {
  if (!grid_power_w_ || state_ != ManagerState::normal) return;
  ++counters_.evaluations;
  GridReading grid;
  grid.power_w = *grid_power_w_;
  for (int k = 0; k < 3; ++k) {
    grid.phase_power_w[k] = good_number(bus_.points, meter_points_.phase_power[k]);
    grid.phase_voltage_v[k] = good_number(bus_.points, meter_points_.phase_voltage[k]);
  }
  const auto inverters = inverter_inputs();
  const double headroom_w = std::max(2 * settings_.limit_deadband_w, 100.0);
  last_decision_ = decide_limits(grid, limit_inputs(), inverters, headroom_w);
  const bool reachability_changed = report_unreachable(inverters);
  const LimitDecision decision = last_decision_;
  write_inverter_limits(decision, decision.export_violation || reachability_changed);
  write_battery_for_import(decision);
  publish_status();
}

bool EnergyManager::report_unreachable(const std::vector<InverterInput> &inverters) {
  std::string unreachable;
  for (const auto &inverter : inverters) {
    if (!inverter.reachable) unreachable += (unreachable.empty() ? "" : ", ") + inverter.id;
  }
  if (unreachable == unreachable_text_) return false;
  unreachable_text_ = unreachable;
  if (unreachable.empty()) {
    clear(kAlarmInverterUnreachable);
  } else {
    raise(kAlarmInverterUnreachable, HEARTH_SEVERITY_WARNING,
          "unreachable, taken at rated power (the others cover it): " + unreachable);
  }
  return true;
}

void EnergyManager::write_inverter_limits(const LimitDecision &decision, bool restore_now) {
  if (decision.export_violation) ++counters_.export_violations;
  const int64_t now = clock_.mono_ns();
  const int64_t min_interval_ns = settings_.limit_min_interval_ms * kNsPerMs;
  const double headroom_w = std::max(2 * settings_.limit_deadband_w, 100.0);
  retry_ns_.reset();
  for (const auto &limit : decision.inverters) {
    InverterTrack &inverter = inverters_[limit.id];
    const double target_w = limit.uncapped ? inverter.max_w : limit.limit_w;
    const double output_w = good_number(bus_.points, inverter.power_point).value_or(0);
    inverter.deferred = false;
    if (!limit_write_needed(inverter.last_written_w, target_w, output_w, settings_.limit_deadband_w,
                            headroom_w)) {
      continue;
    }
    // A tightening that restores compliance (a limit measured as exceeded, or an inverter gone
    // unreachable) is never held back. Others wait like a loosening: right after a write the
    // inverter's output point lags the meter while it ramps, and would ask to tighten again.
    const bool tightening = inverter.last_written_w && target_w < *inverter.last_written_w;
    const bool urgent = !inverter.last_written_w || (tightening && restore_now);
    const int64_t allowed_ns = inverter.last_write_ns + min_interval_ns;
    if (!urgent && now < allowed_ns) {
      inverter.deferred = true;  // re-evaluated when the interval has passed
      retry_ns_ = std::min(retry_ns_.value_or(allowed_ns), allowed_ns);
      continue;
    }
    send_limit(inverter, target_w, HEARTH_PRIO_CONTROL);
  }
}

void EnergyManager::write_battery_for_import(const LimitDecision &decision) {
  const bool overriding = std::any_of(batteries_.begin(), batteries_.end(), [](const auto &entry) {
    return entry.second.import_override_w.has_value();
  });
  if (!decision.import_limited && !overriding) return;
  if (decision.import_excess_w <= 0 && !overriding) return;
  std::vector<BatteryInput> inputs;
  for (const auto &[id, battery] : batteries_) {
    const auto power_w = good_number(bus_.points, battery.power_point);
    inputs.push_back({id, power_w.has_value() && device_online(id), power_w.value_or(0),
                      battery.max_discharge_w});
  }
  const double excess_w = decision.import_limited ? decision.import_excess_w : -1e12;
  for (const auto &target : battery_power_for_import(excess_w, inputs)) {
    BatteryTrack &battery = batteries_[target.id];
    if (target.power_w < 0) {
      battery.import_override_w = target.power_w;
      send_battery(battery, std::min(target.power_w, battery.plan_w.value_or(0)),
                   HEARTH_PRIO_CONTROL);
    } else if (battery.import_override_w) {
      battery.import_override_w.reset();  // no discharge needed any more: back to the plan
      send_battery(battery, battery.plan_w.value_or(0), HEARTH_PRIO_CONTROL);
    }
  }
}

void EnergyManager::send_limit(InverterTrack &inverter, double limit_w, int32_t priority) {
  const int64_t now = clock_.mono_ns();
  inverter.last_written_w = limit_w;
  inverter.last_write_ns = now;
  count_write(now);
  const hearth_arg args[] = {make_arg("limit_w", HEARTH_VALUE_DOUBLE, limit_w)};
  std::weak_ptr<int> alive = alive_;
  const std::string id = inverter.id;
  bus_.commands.submit(
      id, "pv_inverter", "set_active_power_limit_w", args, priority, now + kCommandDeadlineNs,
      [this, alive, id](const bus::CommandResult &result) {
        if (alive.expired()) return;
        auto found = inverters_.find(id);
        if (result.status == HEARTH_OK) {
          clear(kAlarmLimitWriteFailed);
          return;
        }
        ++counters_.limit_writes_failed;
        raise(kAlarmLimitWriteFailed, HEARTH_SEVERITY_MINOR,
              "active power limit for '" + id + "' failed: " + std::string(result.message));
        if (found == inverters_.end()) return;
        // Not known to hold: count it at rated power for a while and write again after.
        found->second.failed_until_ns = clock_.mono_ns() + kFailedWriteHoldNs;
        found->second.last_written_w.reset();
        retry_ns_ = std::min(retry_ns_.value_or(found->second.failed_until_ns),
                             found->second.failed_until_ns);
        if (state_ == ManagerState::normal && settings_.limits_trigger == LimitsTrigger::event) {
          evaluate_limits();
        }
        deadlines_changed();
      });
}

void EnergyManager::send_battery(BatteryTrack &battery, double power_w, int32_t priority) {
  if (battery.last_sent_w && std::abs(*battery.last_sent_w - power_w) < kBatteryDeadbandW &&
      priority != HEARTH_PRIO_SAFETY) {
    return;
  }
  battery.last_sent_w = power_w;
  ++counters_.battery_commands;
  const hearth_arg args[] = {make_arg("power_w", HEARTH_VALUE_DOUBLE, power_w)};
  bus_.commands.submit(battery.id, "battery", "set_power_w", args, priority,
                       clock_.mono_ns() + kCommandDeadlineNs, [](const bus::CommandResult &) {});
}

// ---- Fail-safe -------------------------------------------------------------------------------

void EnergyManager::set_fault(Fault fault, bool active, const std::string &text) {
  static const std::map<unsigned, int32_t> kCodes = {{kStale, kAlarmMeterStale},
                                                     {kFrozen, kAlarmMeterFrozen},
                                                     {kCounters, kAlarmCountersStopped},
                                                     {kMeterOffline, kAlarmMeterOffline}};
  const bool was = (faults_ & fault) != 0;
  if (active) {
    faults_ |= fault;
    fault_texts_[fault] = text;
    good_streak_ = 0;
    if (!was) raise(kCodes.at(fault), HEARTH_SEVERITY_MAJOR, text);
  } else if (was) {
    faults_ &= ~fault;
    fault_texts_.erase(fault);
    clear(kCodes.at(fault));
  }
}

void EnergyManager::update_state() {
  if (faults_ != 0) {
    if (state_ != ManagerState::failsafe) enter_failsafe();
    return;
  }
  const bool recovered = good_streak_ >= settings_.fail_safe.recover_samples;
  if (state_ == ManagerState::failsafe && recovered) leave_failsafe();
  if (state_ == ManagerState::starting && good_streak_ >= 1) {
    state_ = ManagerState::normal;
    publish_status();
  }
}

void EnergyManager::enter_failsafe() {
  state_ = ManagerState::failsafe;
  ++counters_.failsafe_entries;
  for (auto &[id, battery] : batteries_) battery.import_override_w.reset();
  write_failsafe_targets();
  publish_status();
}

void EnergyManager::leave_failsafe() {
  state_ = ManagerState::normal;
  for (auto &[id, inverter] : inverters_) inverter.last_written_w.reset();
  for (auto &[id, battery] : batteries_) battery.last_sent_w.reset();
  publish_status();
  evaluate_limits();
}

bool EnergyManager::export_limited() const {
  return settings_.feed_in_limit_w || ripple_pct_ || effective_feed_in_limit_w();
}

void EnergyManager::write_failsafe_targets() {
  if (export_limited()) {
    std::vector<InverterInput> all;
    for (const auto &[id, inverter] : inverters_) {
      all.push_back({id, inverter.rated_w, true, 0, std::nullopt});
    }
    // Every inverter, by rating: none is known to produce less than its share.
    const auto limits = split_by_rating(settings_.fail_safe.pv_limit_w, all);
    for (const auto &limit : limits) {
      InverterTrack &inverter = inverters_[limit.id];
      const double target_w = limit.uncapped ? inverter.max_w : limit.limit_w;
      if (inverter.last_written_w == target_w) continue;
      send_limit(inverter, target_w, HEARTH_PRIO_SAFETY);
    }
  }
  for (auto &[id, battery] : batteries_) {
    if (battery.last_sent_w != 0.0) send_battery(battery, 0, HEARTH_PRIO_SAFETY);
  }
}

std::string EnergyManager::failsafe_reason() const {
  std::string reason;
  for (const auto &[fault, text] : fault_texts_) reason += (reason.empty() ? "" : "; ") + text;
  return reason;
}

// ---- Timers and the control cycle ------------------------------------------------------------

std::optional<int64_t> EnergyManager::next_deadline_mono_ns() const {
  if (!started_) return std::nullopt;
  int64_t next = next_cycle_ns_;
  if ((faults_ & kStale) == 0) next = std::min(next, stale_deadline_ns_);
  if (retry_ns_) next = std::min(next, *retry_ns_);
  return next;
}

void EnergyManager::on_timer() {
  const int64_t now = clock_.mono_ns();
  if ((faults_ & kStale) == 0 && now >= stale_deadline_ns_) {
    const double age_s =
        last_sample_ns_ == 0 ? -1 : static_cast<double>(now - last_sample_ns_) / 1e9;
    std::ostringstream text;
    if (meter_device_.empty()) {
      text << "no device offers grid_meter";
    } else if (age_s < 0) {
      text << "no sample from grid meter '" << meter_device_ << "' since start";
    } else {
      text << "grid meter '" << meter_device_ << "' silent for " << age_s << " s";
    }
    set_fault(kStale, true, text.str());
    update_state();
  }
  if (retry_ns_ && now >= *retry_ns_) {
    retry_ns_.reset();
    if (settings_.limits_trigger == LimitsTrigger::event) evaluate_limits();
  }
  if (now >= next_cycle_ns_) {
    const int64_t cycle_ns = settings_.control_cycle_ms * kNsPerMs;
    next_cycle_ns_ += cycle_ns * (1 + (now - next_cycle_ns_) / cycle_ns);
    run_cycle();
  }
  deadlines_changed();
}

void EnergyManager::run_cycle() {
  refresh_devices();
  check_clock();
  if (settings_.limits_trigger == LimitsTrigger::cycle) evaluate_limits();
  if (dispatch_ && state_ == ManagerState::normal) {
    ++counters_.dispatch_cycles;
    const DispatchPlan plan = dispatch_(snapshot());
    mode_in_effect_ = plan.mode_in_effect;
    apply_plan(plan);
  }
  publish_status();
}

void EnergyManager::apply_plan(const DispatchPlan &plan) {
  for (const auto &target : plan.batteries) {
    auto found = batteries_.find(target.id);
    if (found == batteries_.end()) continue;
    BatteryTrack &battery = found->second;
    battery.plan_w = target.power_w;
    // The limits layer's discharge for an import limit wins over a plan that discharges less.
    const double power_w = battery.import_override_w
                               ? std::min(*battery.import_override_w, target.power_w)
                               : target.power_w;
    send_battery(battery, power_w, HEARTH_PRIO_CONTROL);
  }
  for (const auto &target : plan.loads) {
    auto sent = loads_sent_.find(target.id);
    const bool same = sent != loads_sent_.end() && sent->second.on == target.on &&
                      sent->second.sg_state == target.sg_state &&
                      sent->second.current_a == target.current_a &&
                      sent->second.consumption_limit_w == target.consumption_limit_w;
    if (same) continue;
    loads_sent_[target.id] = target;
    send_load(target);
  }
}

void EnergyManager::send_load(const LoadTarget &target) {
  ++counters_.load_commands;
  const int64_t deadline = clock_.mono_ns() + kCommandDeadlineNs;
  auto submit = [&](const char *capability, const char *name, hearth_arg arg) {
    const hearth_arg args[] = {arg};
    bus_.commands.submit(target.id, capability, name, args, HEARTH_PRIO_CONTROL, deadline,
                         [](const bus::CommandResult &) {});
  };
  switch (target.kind) {
    case LoadKind::kEvCharger:
      submit("ev_charger", "set_current_limit_a",
             make_arg("current_a", HEARTH_VALUE_DOUBLE, target.current_a));
      break;
    case LoadKind::kSgReady:
      submit("sg_ready", "set_sg_state", make_arg("state", HEARTH_VALUE_INT, target.sg_state));
      break;
    case LoadKind::kSwitchable:
      submit("switchable_load", "set_on", make_arg("on", HEARTH_VALUE_BOOL, target.on ? 1 : 0));
      break;
    case LoadKind::kPowerLimitable:
      submit("power_limitable", "set_consumption_limit_w",
             make_arg("limit_w", HEARTH_VALUE_DOUBLE, target.consumption_limit_w.value_or(0)));
      break;
  }
}

double EnergyManager::pv_available_w() const {
  // Uncapped inverters show what the sun gives; a capped one is estimated at the same share of
  // its rating (or its output, whichever is more).
  double uncapped_output_w = 0, uncapped_rated_w = 0, capped_output_w = 0, capped_rated_w = 0;
  const double headroom_w = std::max(2 * settings_.limit_deadband_w, 100.0);
  for (const auto &[id, inverter] : inverters_) {
    const double output_w = good_number(bus_.points, inverter.power_point).value_or(0);
    const bool capped = inverter.last_written_w && *inverter.last_written_w < inverter.max_w &&
                        output_w >= *inverter.last_written_w - headroom_w;
    (capped ? capped_output_w : uncapped_output_w) += output_w;
    (capped ? capped_rated_w : uncapped_rated_w) += inverter.rated_w;
  }
  if (capped_rated_w == 0 || uncapped_rated_w == 0) {
    return uncapped_output_w + capped_output_w;
  }
  return uncapped_output_w +
         std::max(capped_output_w, capped_rated_w * uncapped_output_w / uncapped_rated_w);
}

SiteSnapshot EnergyManager::snapshot() const {
  SiteSnapshot snap;
  snap.mono_ns = clock_.mono_ns();
  snap.wall_ms = clock_.wall_ms();
  snap.meter_fresh = state_ == ManagerState::normal;
  snap.clock_synchronised = clock_trusted_;
  snap.grid_power_w = grid_power_w_.value_or(0);
  for (const auto &input : inverter_inputs()) {
    const InverterTrack &track = inverters_.at(input.id);
    InverterState state;
    state.id = input.id;
    state.online = input.reachable;
    state.ac_power_w = input.ac_power_w;
    state.pv_dc_power_w = good_number(bus_.points, track.pv_power_point).value_or(0);
    state.rated_w = track.rated_w;
    if (track.last_written_w && *track.last_written_w < track.max_w) {
      state.limit_w = track.last_written_w;
    }
    snap.inverters.push_back(state);
  }
  for (const auto &[id, battery] : batteries_) {
    BatteryState state;
    state.id = id;
    const auto soc = good_number(bus_.points, battery.soc_point);
    const auto power = good_number(bus_.points, battery.power_point);
    state.online = soc && power && device_online(id);
    state.soc_pct = soc.value_or(0);
    state.power_w = power.value_or(0);
    state.capacity_wh = battery.capacity_wh;
    state.max_charge_w = battery.max_charge_w;
    state.max_discharge_w = battery.max_discharge_w;
    snap.batteries.push_back(state);
  }
  for (const auto capability : kLoadCapabilities) {
    for (const auto &id : bus_.capabilities.devices_with(capability)) {
      LoadState load;
      load.id = id;
      load.kind = load_kind_of(capability);
      const auto power = good_number(
          bus_.points, point_name(bus_.capabilities, id, capability, "power_point", "power_w"));
      load.online = device_online(id);
      load.power_w = power.value_or(0);
      load.nominal_w = number_limit(bus_.capabilities, id, capability, "nominal_w",
                                    number_limit(bus_.capabilities, id, capability, "rated_w", 0));
      load.min_current_a = number_limit(bus_.capabilities, id, capability, "min_current_a", 6);
      load.max_current_a = number_limit(bus_.capabilities, id, capability, "max_current_a", 16);
      load.phases = static_cast<int>(number_limit(bus_.capabilities, id, capability, "phases", 3));
      if (auto sent = loads_sent_.find(id); sent != loads_sent_.end()) {
        load.on = sent->second.on;
        load.sg_state = sent->second.sg_state;
        load.current_a = sent->second.current_a;
      }
      snap.loads.push_back(load);
    }
  }
  snap.feed_in_limit_w = effective_feed_in_limit_w();
  snap.import_limit_w =
      lower_of(import_limit_now(), lower_of(external_import_w_, external_import_point_w_));
  snap.pv_available_w = pv_available_w();
  return snap;
}

void EnergyManager::set_external_limits(std::optional<double> feed_in_w,
                                        std::optional<double> import_w) {
  external_feed_in_w_ = feed_in_w;
  external_import_w_ = import_w;
  if (settings_.limits_trigger == LimitsTrigger::event) evaluate_limits();
  deadlines_changed();
}

std::optional<double> EnergyManager::last_written_limit_w(const std::string &inverter) const {
  const auto found = inverters_.find(inverter);
  if (found == inverters_.end()) return std::nullopt;
  return found->second.last_written_w;
}

// ---- Status ----------------------------------------------------------------------------------

void EnergyManager::count_write(int64_t now_ns) {
  ++counters_.limit_writes;
  write_times_ns_.push_back(now_ns);
  publish_number(points_.writes_per_hour, writes_per_hour());
  if (points_.limit_writes >= 0) {
    hearth_value value{};
    value.type = HEARTH_VALUE_INT;
    value.as.i = static_cast<int64_t>(counters_.limit_writes);
    bus_.points.publish(points_.limit_writes, value, 0, HEARTH_QUALITY_GOOD);
  }
}

double EnergyManager::writes_per_hour() const {
  // The writes of the last hour (the deque is trimmed when status is published).
  const int64_t since = clock_.mono_ns() - kNsPerHour;
  return static_cast<double>(std::count_if(write_times_ns_.begin(), write_times_ns_.end(),
                                           [since](int64_t t) { return t > since; }));
}

void EnergyManager::publish_status() {
  const int64_t since = clock_.mono_ns() - kNsPerHour;
  while (!write_times_ns_.empty() && write_times_ns_.front() <= since) write_times_ns_.pop_front();
  if (!started_) return;
  publish_text(points_.state, to_string(state_));
  publish_text(points_.failsafe_reason, failsafe_reason());
  publish_number(points_.feed_in_limit_w, effective_feed_in_limit_w());
  publish_number(points_.import_limit_w, import_limit_now());
  publish_number(points_.pv_limit_total_w,
                 state_ == ManagerState::failsafe && export_limited()
                     ? std::optional<double>(settings_.fail_safe.pv_limit_w)
                     : last_decision_.pv_total_w);
  publish_number(points_.writes_per_hour, writes_per_hour());
  publish_text(points_.binding, to_string(last_decision_.binding));
  publish_text(points_.mode, mode_in_effect_.empty() ? settings_.mode : mode_in_effect_);
  publish_number(points_.pv_available_w, pv_available_w());
  const auto ripple_cap = limit_inputs().ripple_cap_w;
  publish_number(points_.ripple_cap_w, ripple_cap);
}

void EnergyManager::publish_number(bus::PointId id, std::optional<double> value) {
  if (id < 0) return;
  hearth_value v{};
  v.type = HEARTH_VALUE_DOUBLE;
  v.as.d = value.value_or(0);
  // No value (no limit in force) is published as INVALID, so readers see "none", not 0 W.
  bus_.points.publish(id, v, 0, value ? HEARTH_QUALITY_GOOD : HEARTH_QUALITY_INVALID);
}

void EnergyManager::publish_text(bus::PointId id, const std::string &text) {
  if (id < 0) return;
  hearth_value v{};
  v.type = HEARTH_VALUE_STRING;
  std::strncpy(v.as.s, text.c_str(), sizeof v.as.s - 1);
  bus_.points.publish(id, v, 0, HEARTH_QUALITY_GOOD);
}

std::string EnergyManager::status_line() const {
  std::ostringstream line;
  line << to_string(state_) << ", export "
       << watts(grid_power_w_ ? std::optional<double>(std::max(0.0, -*grid_power_w_))
                              : std::nullopt)
       << " of " << watts(effective_feed_in_limit_w()) << ", PV cap "
       << (state_ == ManagerState::failsafe && export_limited()
               ? watts(settings_.fail_safe.pv_limit_w)
               : watts(last_decision_.pv_total_w))
       << ", " << std::lround(writes_per_hour()) << " limit writes/h";
  if (state_ == ManagerState::failsafe) line << " (" << failsafe_reason() << ")";
  return line.str();
}

void EnergyManager::check_clock() {
  const bool trusted = !clock_synchronised_ || clock_synchronised_();
  if (trusted == clock_trusted_) return;
  clock_trusted_ = trusted;
  if (trusted) {
    clear(kAlarmClockUnsynchronised);
  } else {
    raise(kAlarmClockUnsynchronised, HEARTH_SEVERITY_MINOR,
          "system clock not synchronised: time-of-use windows held in self-consumption");
  }
}

void EnergyManager::deadlines_changed() {
  if (deadline_listener_) deadline_listener_();
}

void EnergyManager::raise(int32_t code, int32_t severity, const std::string &text) {
  bus_.alarms.raise(kAlarmSource, code, severity, text, clock_.wall_ms());
}

void EnergyManager::clear(int32_t code) {
  if (bus_.alarms.find(kAlarmSource, code) != nullptr) {
    bus_.alarms.clear(kAlarmSource, code, clock_.wall_ms());
  }
}

}  // namespace hearth::energy
