#pragma once
// The host runtime: owns the core thread's event loop, the bus, the links, the devices and the
// fail-safe machinery, and implements hearth_host_api for the plugins.
//
// Threads (architecture.md "Process and threads"): everything here runs on the core thread except
// where a comment says otherwise; link threads post completions back; the watchdog thread only
// reads atomics and executes fail-safe writes through the links' thread-safe execute_now().
#include <hearth/bus/alarm_registry.hpp>
#include <hearth/bus/capability_registry.hpp>
#include <hearth/bus/command_bus.hpp>
#include <hearth/bus/health_registry.hpp>
#include <hearth/bus/log_limiter.hpp>
#include <hearth/bus/point_store.hpp>
#include <hearth/config/config.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/host/device.hpp>
#include <hearth/host/failsafe_store.hpp>
#include <hearth/host/history_service.hpp>
#include <hearth/host/plugin_loader.hpp>
#include <hearth/host/watchdog.hpp>
#include <hearth/links/modbus_link.hpp>
#include <hearth/store/database.hpp>
#include <hearth/store/kv_store.hpp>
#include <hearth/store/settings_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hearth::host {

struct RuntimeOptions {
  std::filesystem::path state_dir = "/var/lib/hearth";
  std::filesystem::path database_path{};  // empty: state_dir / "hearth.db"
  HistoryOptions history{};               // its database_path is the one above
  std::chrono::milliseconds core_stall_timeout{500};
  // A plugin call longer than this is an overrun; `overruns_to_disable` of them within
  // `overrun_window` disable the device.
  std::chrono::microseconds callback_budget{1000};
  int overruns_to_disable = 10;
  std::chrono::milliseconds overrun_window{10'000};
  std::chrono::seconds kv_flush_interval{30};
  bool notify_service_manager = true;
  std::chrono::seconds status_interval{10};  // the one-line status in the log
};

// Host-level alarm codes (source "hearthd" or the device's id).
inline constexpr int32_t kAlarmCoreStalled = 1001;
inline constexpr int32_t kAlarmDeviceDisabled = 1002;
inline constexpr int32_t kAlarmDeviceStartFailed = 1003;

// What the runtime needs of the HAL for plugins' granted channels (the HAL adapts to this).
class HalChannels {
 public:
  virtual ~HalChannels() = default;
  virtual bool set_digital_output(const std::string &channel, bool level) = 0;
  virtual std::optional<bool> digital_input(const std::string &channel) = 0;
  // Delivers the channel's CT blocks to fn on the core thread while the device runs.
  virtual int32_t subscribe_ct(Device &device, const std::string &channel, hearth_ct_fn fn,
                               void *user) = 0;
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options, const Clock &clock = SystemClock::instance());
  ~Runtime();
  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;

  PluginLoader &loader() { return loader_; }
  void set_hal(HalChannels *hal) { hal_ = hal; }

  // Starts links and devices of a checked configuration. Called again (SIGHUP), it stops only the
  // devices whose entry or link changed or disappeared, and starts new and changed ones.
  void apply(const config::Config &config);
  // Runs the core loop on the calling thread (the one that made the Runtime) until
  // request_stop(). Starts the watchdog and tells the service manager READY.
  void run();
  // The core tick (which feeds the watchdog), the key-value flush, command expiry and the
  // watchdog thread; run() starts them, tests that drive io() themselves call this.
  void start_services();
  void request_stop();  // any thread
  // Stops every device (in reverse start order) and the links.
  void shutdown();

  boost::asio::io_context &io() { return io_; }
  const Clock &clock() const { return clock_; }
  bool on_core_thread() const { return std::this_thread::get_id() == core_thread_; }

  bus::PointStore &points() { return points_; }
  bus::CommandBus &commands() { return commands_; }
  bus::CapabilityRegistry &capabilities() { return capabilities_; }
  bus::AlarmRegistry &alarms() { return alarms_; }
  bus::HealthRegistry &health() { return health_; }
  store::SettingsStore &settings() { return *settings_; }
  store::KvStore &kv() { return *kv_; }
  HistoryService &history() { return *history_; }
  FailsafeStore &failsafe() { return failsafe_; }
  Watchdog &watchdog() { return watchdog_; }
  uint64_t stall_writes_done() const { return stall_writes_done_.load(); }

  std::shared_ptr<Device> find_device(std::string_view id);
  const std::vector<std::shared_ptr<Device>> &devices() const { return devices_; }
  links::ModbusLink *find_link(std::string_view name);

  // Disables a misbehaving device: stops it, marks it offline with the reason, raises an alarm.
  void disable_device(Device &device, const std::string &reason);

  // Runs fn() as a call into the device's plugin: measures the time against the callback budget,
  // and drops the call if the device is no longer running under `generation`. Returns false when
  // dropped.
  template <typename Fn>
  bool call_plugin(Device &device, uint64_t generation, const char *what, Fn &&fn);
  // Posts fn to the core thread, to run only while `device` is still at `generation`.
  template <typename Fn>
  void post_for(const std::shared_ptr<Device> &device, uint64_t generation, Fn &&fn);

  // Services behind hearth_host_api (host_api.cpp); core thread unless stated.
  bool log_limiter_allows(const std::string &device_id);  // any thread
  int32_t start_timer(Device &device, uint32_t first_ms, uint32_t period_ms,
                      hearth_callback_fn fn, void *user);
  int32_t watch_fd(Device &device, int32_t fd, uint32_t events, hearth_fd_fn fn, void *user);
  void submit_work(Device &device, hearth_callback_fn work, hearth_callback_fn done, void *user);
  uint64_t submit_modbus(Device &device, const hearth_modbus_request &request,
                         hearth_modbus_done_fn done, void *user);
  int32_t register_failsafe(Device &device, std::vector<hearth_modbus_request> writes);
  int32_t hal_do_set(Device &device, const std::string &channel, int32_t level);
  int32_t hal_di_get(Device &device, const std::string &channel, int32_t &level);
  int32_t hal_ct_subscribe(Device &device, const std::string &channel, hearth_ct_fn fn,
                           void *user);

 private:
  void apply_links(const config::Config &config, const std::set<std::string> &changed);
  void start_device(const config::DeviceConfig &entry);
  void stop_device(Device &device);
  void fail_device(Device &device, const std::string &reason);
  int32_t deliver_command(const std::shared_ptr<Device> &device, uint64_t generation,
                          const hearth_command &command);
  void account_call_time(Device &device, const char *what, std::chrono::nanoseconds spent);
  void arm_timer(std::shared_ptr<Device> device, uint64_t generation, int32_t id,
                 boost::asio::steady_timer *timer, uint32_t period_ms, hearth_callback_fn fn,
                 void *user);
  void arm_fd(std::shared_ptr<Device> device, uint64_t generation, int32_t fd,
              boost::asio::posix::stream_descriptor *watch, uint32_t events, hearth_fd_fn fn,
              void *user);
  void schedule_status_log();
  void schedule_core_tick();
  void schedule_kv_flush();
  void schedule_command_expiry();
  void on_core_stall(int64_t stalled_ms);  // watchdog thread
  void on_core_recovered();                // watchdog thread

  RuntimeOptions options_;
  const Clock &clock_;
  std::thread::id core_thread_;
  boost::asio::io_context io_;
  boost::asio::thread_pool workers_{2};
  boost::asio::steady_timer core_tick_{io_};
  boost::asio::steady_timer kv_flush_{io_};
  boost::asio::steady_timer command_expiry_{io_};
  boost::asio::steady_timer status_log_{io_};

  bus::PointStore points_;
  bus::CommandBus commands_;
  bus::CapabilityRegistry capabilities_;
  bus::AlarmRegistry alarms_;
  bus::HealthRegistry health_;
  bus::LogLimiter log_limiter_;  // thread-safe
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<store::KvStore> kv_;
  std::unique_ptr<store::SettingsStore> settings_;
  std::unique_ptr<HistoryService> history_;  // after the stores: stops before them
  FailsafeStore failsafe_;
  Watchdog watchdog_;
  PluginLoader loader_;
  HalChannels *hal_ = nullptr;

  // Guarded by links_mutex_: the watchdog thread uses the links while the core is stalled.
  std::mutex links_mutex_;
  std::map<std::string, std::unique_ptr<links::ModbusLink>, std::less<>> links_;
  std::map<std::string, std::unique_ptr<links::ModbusLink>, std::less<>> stall_links_;
  std::map<std::string, config::LinkConfig, std::less<>> link_configs_;

  std::vector<std::shared_ptr<Device>> devices_;  // in start order
  std::vector<std::shared_ptr<Device>> retired_;  // stopped by a reload; handles stay valid
  bool services_started_ = false;
  int32_t next_timer_id_ = 1;
  std::atomic<uint64_t> stall_writes_done_{0};
};

template <typename Fn>
bool Runtime::call_plugin(Device &device, uint64_t generation, const char *what, Fn &&fn) {
  if (!device.is_live(generation)) return false;
  const auto started = std::chrono::steady_clock::now();
  fn();
  const auto spent = std::chrono::steady_clock::now() - started;
  account_call_time(device, what, spent);
  return true;
}

template <typename Fn>
void Runtime::post_for(const std::shared_ptr<Device> &device, uint64_t generation, Fn &&fn) {
  boost::asio::post(io_, [this, device, generation, fn = std::forward<Fn>(fn)]() mutable {
    if (device->is_live(generation)) fn();
  });
}

}  // namespace hearth::host
