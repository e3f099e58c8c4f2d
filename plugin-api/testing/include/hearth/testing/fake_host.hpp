#pragma once
// hearth/testing/fake_host.hpp — an in-process host for a plugin's unit tests (library
// hearth_fake_host, CMake target hearth::fake_host; C++17).
//
// It implements the whole hearth_host_api table, loads a plugin (its entry function linked in, or
// a .so by path), validates parameters against the driver's table like hearthd does, and records
// everything the plugin does. Nothing runs by itself: time is a manual clock, and callbacks are
// delivered on the test's thread by run_pending() and advance_ms(), in time order:
//
//   hearth::testing::FakeHost host;
//   host.load_library("example-modbus-meter.so");
//   host.modbus().set_holding(1, 0, {0x0000, 0x04D2});
//   auto &meter = host.create_device("grid", "example-modbus-meter", {{"unit", 1}});
//   meter.start();
//   host.advance_ms(1000);                      // the poll timer fires, the answer is delivered
//   EXPECT_EQ(meter.point("power_w").last().number(), 1234.0);
//
// ABI rules it enforces (each breach is refused with a status where the C signature allows it,
// and recorded in violations()): [core thread] functions called from another thread
// (HEARTH_E_WRONG_THREAD), any call but log for a device that has stopped (HEARTH_E_STATE),
// Modbus I/O from create(), a command completed twice or never issued, quality STALE published
// by a plugin, and calls with a device handle the host never gave out.
//
// One FakeHost exists at a time (now_mono_ns() has no device argument, so the clock is global).
#include <hearth/plugin.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hearth::testing {

// A parameter as the YAML would give it: text ("1.5s", "true", "a") or a list of strings.
struct ParamValue {
  ParamValue(const char *yaml) : text(yaml) {}  // NOLINT: implicit on purpose
  ParamValue(std::string yaml) : text(std::move(yaml)) {}
  ParamValue(int value) : text(std::to_string(value)) {}
  ParamValue(int64_t value) : text(std::to_string(value)) {}
  ParamValue(double value);
  ParamValue(bool value) : text(value ? "true" : "false") {}
  ParamValue(std::vector<std::string> list) : items(std::move(list)), is_list(true) {}

  std::string text;
  std::vector<std::string> items;
  bool is_list = false;
};
using Params = std::map<std::string, ParamValue>;

// What the YAML entry grants the device besides its parameters.
struct DeviceOptions {
  std::string link = "link-1";            // empty: no link, Modbus calls are refused
  std::vector<std::string> hal_channels;  // "DO1", "DI2", "CT1" ...
};

struct Publication {
  hearth_value value;
  int64_t sampled_mono_ns;
  int32_t quality;
  int64_t published_mono_ns;
  double number() const;     // DOUBLE, INT or BOOL as a double; throws for text
  std::string text() const;  // STRING only
};

struct PointRecord {
  int32_t id = -1;
  std::string name;
  int32_t value_type = HEARTH_VALUE_NONE;
  std::string unit;
  uint32_t max_age_ms = 0;
  std::vector<Publication> publications;
  const Publication &last() const;  // throws if nothing was published
};

struct CommandRecord {
  uint64_t id = 0;
  std::string capability;
  std::string name;
  int32_t call_status = HEARTH_OK;  // what command() returned
  std::optional<int32_t> status;    // the completion (plugin's, or the host's at the deadline)
  std::string message;
  int plugin_completions = 0;      // > 1 is a violation
  bool completed_by_host = false;  // deadline passed, or command() returned an error
};

struct AlarmRecord {
  int32_t code = 0;
  int32_t severity = 0;
  std::string text;
  bool active = false;
  int raise_count = 0;  // inactive -> active transitions
};

struct HealthChange {
  bool online;
  std::string reason;
  int64_t mono_ns;
};

struct LogLine {
  std::string device;  // "" for entry-time logs
  int32_t level;
  std::string message;
};

struct Violation {
  std::string device;
  std::string rule;
};

struct ModbusRecord {
  std::string device;
  uint64_t id;
  hearth_modbus_request request;
  int64_t submitted_mono_ns;
};

class FakeHost;

// One configured device and everything recorded about it. Methods drive its lifetime from the
// test thread; fields are the records (read them, do not write them).
class FakeDevice {
 public:
  enum class State { kCreateFailed, kCreated, kRunning, kStopped, kDestroyed };

  const std::string &id() const { return id_; }
  State state() const { return state_.load(); }
  int32_t create_status() const { return create_status_; }
  // The message of the last set_error(), for the call that just failed.
  const std::string &last_error() const { return last_error_; }

  int32_t start();
  void stop();
  void destroy();
  // Sends a command; returns its id. The record shows what command() returned and the completion.
  uint64_t command(const std::string &capability, const std::string &name,
                   const std::vector<std::pair<std::string, hearth_value>> &args = {},
                   int64_t deadline_ms = 10'000, int32_t priority = HEARTH_PRIO_CONTROL);
  const CommandRecord &command_record(uint64_t command_id) const;

  bool has_point(const std::string &name) const { return points.count(name) > 0; }
  const PointRecord &point(const std::string &name) const;  // throws if not declared
  bool online() const { return !health.empty() && health.back().online; }
  std::string health_reason() const { return health.empty() ? "" : health.back().reason; }
  bool alarm_active(int32_t code) const;
  size_t active_timers() const;
  hearth_device *handle() { return reinterpret_cast<hearth_device *>(this); }

  // Records.
  std::map<std::string, PointRecord> points;
  std::map<std::string, std::vector<hearth_arg>> capabilities;
  std::vector<CommandRecord> commands;
  std::map<int32_t, AlarmRecord> alarms;
  std::vector<HealthChange> health;
  std::vector<hearth_modbus_request> failsafe_writes;
  int failsafe_registrations = 0;
  std::string model, serial, firmware;
  int64_t longest_call_ns = 0;  // the slowest call into the plugin (budget: 1 ms)
  int slow_calls = 0;           // calls over 1 ms

 private:
  friend class FakeHost;
  friend struct FakeHostAccess;
  struct ResolvedParam {
    int32_t type;
    std::string text;
    std::vector<std::string> items;
  };

  FakeHost *host_ = nullptr;
  std::string id_;
  std::string driver_name_;
  const hearth_driver_desc *driver_ = nullptr;
  DeviceOptions options_;
  std::map<std::string, ResolvedParam> params_;
  std::map<uint64_t, int64_t> deadlines_;  // command id -> deadline_mono_ns
  void *instance_ = nullptr;
  // Read by plugin threads (post, log), so atomic.
  std::atomic<State> state_{State::kCreateFailed};
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> generation_{0};
  bool creating_ = false;
  int32_t create_status_ = HEARTH_E_STATE;
  std::string last_error_;
};

// Scripted Modbus slaves behind every device's link. Outcomes are decided when the request is
// submitted; the completion is delivered by the next run_pending() (or, for timeouts, once the
// clock has advanced by the request's timeout).
class FakeModbus {
 public:
  void set_holding(int32_t unit, uint32_t address, const std::vector<uint16_t> &values);
  void set_input(int32_t unit, uint32_t address, const std::vector<uint16_t> &values);
  void set_coils(int32_t unit, uint32_t address, const std::vector<bool> &values);
  std::optional<uint16_t> holding(int32_t unit, uint32_t address) const;
  // Any request touching `address` of `unit` is answered with this exception code.
  void set_exception(int32_t unit, uint32_t address, int32_t exception_code);
  void clear_exception(int32_t unit, uint32_t address);
  // The next `count` requests to `unit` time out / fail with HEARTH_E_IO.
  void timeout_next(int32_t unit, int count = 1);
  void io_error_next(int32_t unit, int count = 1);
  // A silent unit never answers: every request times out.
  void set_silent(int32_t unit, bool silent);
  // Answer latency (default 0: the next run_pending delivers).
  void set_latency_ms(uint32_t latency_ms) { latency_ms_ = latency_ms; }
  const std::vector<ModbusRecord> &requests() const { return requests_; }

 private:
  friend class FakeHost;
  friend struct FakeHostAccess;
  struct Unit {
    std::map<uint32_t, uint16_t> holding, input, coils;
    std::map<uint32_t, int32_t> exceptions;
    int timeouts = 0;
    int io_errors = 0;
    bool silent = false;
  };
  struct Outcome {
    int32_t status = HEARTH_OK;
    int32_t exception_code = 0;
    std::vector<uint16_t> values;
  };
  Outcome execute(const hearth_modbus_request &request);
  Outcome read(const std::map<uint32_t, uint16_t> &table, uint32_t address, uint32_t count);

  std::map<int32_t, Unit> units_;
  std::vector<ModbusRecord> requests_;
  uint32_t latency_ms_ = 0;
};

class FakeHost {
 public:
  struct Options {
    uint32_t abi_version = HEARTH_ABI_VERSION;  // what the host offers the plugin
    int64_t start_mono_ns = 1'000'000'000;
    int64_t start_wall_ms = 1'700'000'000'000;
    uint32_t default_modbus_timeout_ms = 1000;
  };

  FakeHost();
  explicit FakeHost(Options options);
  ~FakeHost();  // stops and destroys every device still alive
  FakeHost(const FakeHost &) = delete;
  FakeHost &operator=(const FakeHost &) = delete;

  const hearth_host_api *api() const { return &api_; }

  // Calls the entry function and checks the descriptor as hearthd does. Returns nullptr on
  // refusal; load_error() says why. Libraries loaded by path are never closed.
  const hearth_plugin_desc *load(hearth_plugin_entry_fn entry);
  const hearth_plugin_desc *load_library(const std::string &path);
  const std::string &load_error() const { return load_error_; }

  // Validates params against the driver's table (defaults filled in) and calls create(). The
  // device is returned even when that fails: see create_status() and last_error().
  FakeDevice &create_device(const std::string &id, const std::string &driver,
                            const Params &params = {}, DeviceOptions options = {});
  FakeDevice &device(const std::string &id);

  // Time. advance_ms() moves the clock in steps to each due event and delivers it.
  int64_t now_mono_ns() const { return mono_ns_.load(); }
  int64_t now_wall_ms() const { return wall_ms_.load(); }
  void advance_ms(int64_t ms) { advance_ns(ms * 1'000'000); }
  void advance_ns(int64_t ns);
  // Delivers whatever is due now: posts, Modbus answers, work completions, ready fds, CT blocks,
  // due timers, command deadlines. Returns how many callbacks ran.
  size_t run_pending();
  // For plugins with threads of their own: runs pending callbacks until pred() holds, waiting
  // (without moving the clock) for their posts and logs; false on timeout.
  bool wait_until(const std::function<bool()> &pred, std::chrono::milliseconds timeout);

  FakeModbus &modbus() { return modbus_; }

  // HAL.
  void set_di(const std::string &channel, int32_t level) { di_levels_[channel] = level; }
  std::optional<int32_t> do_level(const std::string &channel) const;
  void push_ct_block(const std::string &channel, double sample_rate_hz,
                     const std::vector<float> &voltage_v, const std::vector<float> &current_a);

  // The per-device persistent store (survives destroy and re-create of the same device id).
  std::map<std::string, std::vector<uint8_t>> &kv(const std::string &device_id) {
    return kv_[device_id];
  }

  // Thread-safe copies of what any thread recorded.
  std::vector<LogLine> logs() const;
  bool logged(const std::string &substring) const;
  std::vector<Violation> violations() const;

 private:
  friend class FakeDevice;
  friend struct FakeHostAccess;
  struct Timer {
    FakeDevice *device;
    uint32_t generation;
    int64_t due_ns;
    int64_t period_ns;
    hearth_callback_fn fn;
    void *user;
  };
  struct Pending {
    FakeDevice *device;
    uint32_t generation;
    int64_t ready_ns;
    std::function<void()> deliver;            // the plugin callback, timed against the 1 ms budget
    std::function<void()> prepare = nullptr;  // untimed, before it (work on a pool thread)
  };
  struct FdWatch {
    FakeDevice *device;
    uint32_t generation;
    uint32_t events;
    hearth_fd_fn fn;
    void *user;
  };
  struct CtSubscription {
    FakeDevice *device;
    uint32_t generation;
    std::string channel;
    hearth_ct_fn fn;
    void *user;
  };

  static hearth_host_api make_api();

  // Runs one call into the plugin on behalf of `device`, timing it.
  template <class Fn>
  void call_plugin(FakeDevice *device, Fn &&fn);
  bool deliverable(const FakeDevice *device, uint32_t generation) const;
  void violation(const FakeDevice *device, const std::string &rule);
  void add_log(const FakeDevice *device, int32_t level, const std::string &message);
  std::optional<int64_t> next_event_ns() const;
  size_t fire_due_timers();
  size_t poll_fds();
  size_t expire_commands();
  std::string check_descriptor(const hearth_plugin_desc &desc) const;
  const hearth_driver_desc *find_driver(const std::string &name) const;
  std::string resolve_params(FakeDevice &device, const Params &params) const;

  Options options_;
  hearth_host_api api_;
  std::thread::id core_thread_;
  std::atomic<int64_t> mono_ns_;
  std::atomic<int64_t> wall_ms_;
  std::vector<const hearth_plugin_desc *> plugins_;
  std::string load_error_;
  std::deque<std::unique_ptr<FakeDevice>> devices_;
  FakeDevice *calling_ = nullptr;  // the device whose plugin code is running on the test thread
  FakeModbus modbus_;
  uint64_t next_request_id_ = 1;
  uint64_t next_command_id_ = 1;
  int32_t next_timer_id_ = 1;
  std::map<int32_t, Timer> timers_;
  std::deque<Pending> pending_;
  std::map<int32_t, FdWatch> fd_watches_;
  std::vector<CtSubscription> ct_subscriptions_;
  std::map<std::string, int32_t> di_levels_;
  std::map<std::string, int32_t> do_levels_;
  std::map<std::string, std::map<std::string, std::vector<uint8_t>>> kv_;

  // Touched by plugin threads.
  mutable std::mutex shared_mutex_;
  std::condition_variable shared_changed_;
  struct Posted {
    FakeDevice *device;
    uint32_t generation;
    hearth_callback_fn fn;
    void *user;
  };
  std::vector<Posted> posted_;
  std::vector<const FakeDevice *> known_devices_;
  std::vector<LogLine> logs_;
  std::vector<Violation> violations_;
};

}  // namespace hearth::testing
