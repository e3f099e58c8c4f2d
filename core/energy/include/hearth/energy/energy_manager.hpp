#pragma once
// The energy manager (architecture.md, "The energy manager"): connects the bus to its layers.
//
// - Limits and safety, on every grid meter sample (PointStore subscription; with
//   limits_trigger: cycle only on the control cycle): feed-in limit, import cap, phase currents,
//   ripple control, an external limit; PV caps are split over the inverters and sent as
//   set_active_power_limit_w at CONTROL priority through a deadband and a minimum interval;
//   battery discharge when an import limit needs it.
// - Fail-safe: a stale meter (a deadline, not a poll), a frozen meter, stopped counters, a meter
//   gone offline; each puts the PV at fail_safe.pv_limit_w and stops forcible battery operation
//   (SAFETY priority), raises an alarm and recovers after good samples.
// - Each control cycle: a SiteSnapshot of the bus goes to the dispatch layer (when one is set)
//   and the plan's changed targets go out as commands.
//
// Core thread only. The manager keeps no timer of its own: its owner (EnergyService in hearthd,
// the test in tests) calls on_timer() at next_deadline_mono_ns() and is told when that changes.
#include <cstdint>
#include <deque>
#include <functional>
#include <hearth/bus/alarm_registry.hpp>
#include <hearth/bus/capability_registry.hpp>
#include <hearth/bus/command_bus.hpp>
#include <hearth/bus/health_registry.hpp>
#include <hearth/bus/point_store.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/energy/energy_settings.hpp>
#include <hearth/energy/limits.hpp>
#include <hearth/energy/meter_watch.hpp>
#include <hearth/energy/point_contract.hpp>
#include <hearth/energy/site_snapshot.hpp>
#include <hearth/energy/time_zone.hpp>
#include <hearth/energy/tou_schedule.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::energy {

struct EnergyBus {
  bus::PointStore &points;
  bus::CommandBus &commands;
  bus::CapabilityRegistry &capabilities;
  bus::AlarmRegistry &alarms;
  bus::HealthRegistry &health;
};

// Alarms of the energy manager (source "energy"; docs/energy.md lists them).
inline constexpr const char *kAlarmSource = "energy";
inline constexpr int32_t kAlarmMeterStale = 6001;
inline constexpr int32_t kAlarmMeterFrozen = 6002;
inline constexpr int32_t kAlarmCountersStopped = 6003;
inline constexpr int32_t kAlarmMeterOffline = 6004;
inline constexpr int32_t kAlarmInverterUnreachable = 6005;
inline constexpr int32_t kAlarmLimitWriteFailed = 6006;
inline constexpr int32_t kAlarmSettings = 6007;
inline constexpr int32_t kAlarmClockUnsynchronised = 6008;

enum class ManagerState { starting, normal, failsafe };
const char *to_string(ManagerState state);

using DispatchFn = std::function<DispatchPlan(const SiteSnapshot &)>;

struct ManagerCounters {
  uint64_t meter_samples = 0;
  uint64_t evaluations = 0;
  uint64_t export_violations = 0;  // evaluations that saw an export-side limit exceeded
  uint64_t limit_writes = 0;       // set_active_power_limit_w sent (normal and fail-safe)
  uint64_t limit_writes_failed = 0;
  uint64_t battery_commands = 0;
  uint64_t load_commands = 0;
  uint64_t failsafe_entries = 0;
  uint64_t dispatch_cycles = 0;
};

class EnergyManager {
 public:
  EnergyManager(EnergyBus bus, const Clock &clock, EnergySettings settings);
  ~EnergyManager();
  EnergyManager(const EnergyManager &) = delete;
  EnergyManager &operator=(const EnergyManager &) = delete;

  // Declares the manager's points, subscribes to the bus and sets the first deadlines.
  void start();
  // New settings (SIGHUP, a settings override); the state and the written limits stay.
  void apply_settings(EnergySettings settings);
  void set_dispatch(DispatchFn dispatch) { dispatch_ = std::move(dispatch); }
  // Asked each control cycle whether the wall clock can be trusted (default: always). While it
  // cannot, an alarm is raised and the dispatch layer holds TOU in self-consumption.
  void set_clock_check(std::function<bool()> synchronised) {
    clock_synchronised_ = std::move(synchronised);
  }
  // The external limit input (EEBUS LPP/LPC later), W; nullopt lifts it. Combined with the
  // external_limit points (the lower value holds).
  void set_external_limits(std::optional<double> feed_in_w, std::optional<double> import_w);

  std::optional<int64_t> next_deadline_mono_ns() const;
  // Runs what is due: the stale-meter deadline, deferred limit writes, the control cycle.
  void on_timer();
  // Called whenever next_deadline_mono_ns() may have changed.
  void set_deadline_listener(std::function<void()> listener) {
    deadline_listener_ = std::move(listener);
  }

  ManagerState state() const { return state_; }
  std::string failsafe_reason() const;
  const ManagerCounters &counters() const { return counters_; }
  double writes_per_hour() const;
  // The last decision's total PV cap (nullopt: uncapped) and export limit in force.
  std::optional<double> pv_limit_total_w() const { return last_decision_.pv_total_w; }
  std::optional<double> effective_feed_in_limit_w() const;
  std::optional<double> last_written_limit_w(const std::string &inverter) const;
  SiteSnapshot snapshot() const;
  // "normal, export 0 W of 0 W, PV cap 3400 W, 12 limit writes/h".
  std::string status_line() const;

 private:
  enum Fault : unsigned { kStale = 1, kFrozen = 2, kCounters = 4, kMeterOffline = 8 };

  struct InverterTrack {
    std::string id;
    double rated_w = 0, max_w = 0;
    std::string power_point, pv_power_point;
    std::optional<double> last_written_w;
    int64_t last_write_ns = 0;
    bool deferred = false;
    int64_t failed_until_ns = 0;  // a failed write: taken at rated power until then
    bool present = false;
  };
  struct BatteryTrack {
    std::string id;
    std::string soc_point, power_point;
    double capacity_wh = 0, max_charge_w = 0, max_discharge_w = 0;
    std::optional<double> import_override_w;  // the limits layer's discharge for an import limit
    std::optional<double> plan_w;             // the dispatch plan's target
    std::optional<double> last_sent_w;
    bool present = false;
  };
  struct Subscription {
    std::string point;
    bus::SubscriptionId id = 0;
  };

  // Bus wiring.
  void refresh_devices();
  void refresh_meter();
  void resubscribe(Subscription &subscription, const std::string &point,
                   std::function<void(const bus::PointSample &)> on_sample);
  void unsubscribe_all();
  void declare_points();
  bool device_online(const std::string &device) const;

  // Event path.
  void on_meter_sample(const bus::PointSample &sample);
  void on_counter_sample(bool import, const bus::PointSample &sample);
  void on_health(const bus::DeviceHealth &health);
  void evaluate_limits();
  void evaluate_limits_once();
  // True when the set of unreachable inverters changed.
  bool report_unreachable(const std::vector<InverterInput> &inverters);
  std::vector<InverterInput> inverter_inputs() const;
  LimitInputs limit_inputs() const;
  std::optional<double> import_limit_now() const;
  void write_inverter_limits(const LimitDecision &decision, bool restore_now);
  void write_battery_for_import(const LimitDecision &decision);
  void send_limit(InverterTrack &inverter, double limit_w, int32_t priority);
  void send_battery(BatteryTrack &battery, double power_w, int32_t priority);

  // Fail-safe.
  void set_fault(Fault fault, bool active, const std::string &text);
  void update_state();
  void enter_failsafe();
  void leave_failsafe();
  void write_failsafe_targets();
  bool export_limited() const;

  // Control cycle.
  void run_cycle();
  void check_clock();
  void apply_plan(const DispatchPlan &plan);
  void send_load(const LoadTarget &target);
  double pv_available_w() const;

  void publish_status();
  void publish_number(bus::PointId id, std::optional<double> value);
  void publish_text(bus::PointId id, const std::string &text);
  void count_write(int64_t now_ns);
  void deadlines_changed();
  void raise(int32_t code, int32_t severity, const std::string &text);
  void clear(int32_t code);

  EnergyBus bus_;
  const Clock &clock_;
  EnergySettings settings_;
  TimeZone zone_ = TimeZone::utc();
  DispatchFn dispatch_;
  std::function<bool()> clock_synchronised_;
  bool clock_trusted_ = true;
  std::function<void()> deadline_listener_;
  bool started_ = false;

  std::string meter_device_;
  MeterPoints meter_points_;
  Subscription meter_power_sub_, import_sub_, export_sub_, ripple_sub_, ext_feed_in_sub_,
      ext_import_sub_;
  std::optional<double> ripple_pct_;
  std::optional<double> external_feed_in_point_w_, external_import_point_w_;
  std::optional<double> external_feed_in_w_, external_import_w_;
  bus::ListenerId health_listener_ = 0;

  std::map<std::string, InverterTrack> inverters_;
  std::map<std::string, BatteryTrack> batteries_;
  std::map<std::string, LoadTarget> loads_sent_;

  bool evaluating_ = false;  // evaluate_limits() is running (a completion may ask again)
  bool reevaluate_ = false;
  std::string unreachable_text_;
  ManagerState state_ = ManagerState::starting;
  unsigned faults_ = 0;
  std::map<unsigned, std::string> fault_texts_;
  int good_streak_ = 0;
  std::optional<double> grid_power_w_;
  int64_t last_sample_ns_ = 0;
  int64_t stale_deadline_ns_ = 0;
  int64_t next_cycle_ns_ = 0;
  std::optional<int64_t> retry_ns_;
  MeterWatch meter_watch_;
  LimitDecision last_decision_;
  std::string mode_in_effect_;
  std::deque<int64_t> write_times_ns_;
  ManagerCounters counters_;
  // Completions of commands check this so a command that completes after the manager is gone
  // does nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  struct OwnPoints {
    bus::PointId state = -1, failsafe_reason = -1, feed_in_limit_w = -1, import_limit_w = -1,
                 pv_limit_total_w = -1, export_w = -1, grid_power_w = -1, writes_per_hour = -1,
                 limit_writes = -1, binding = -1, mode = -1, pv_available_w = -1, ripple_cap_w = -1;
  } points_;
};

}  // namespace hearth::energy
