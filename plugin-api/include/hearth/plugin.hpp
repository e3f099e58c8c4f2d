/*
 * hearth/plugin.hpp — the header-only C++ SDK over hearth/plugin.h (C++17 or newer).
 *
 * A driver is a class derived from hearth::Device; one HEARTH_PLUGIN(...) line writes the
 * exported entry function, the static descriptors and the C trampolines:
 *
 *   class Meter : public hearth::Device {
 *    public:
 *     Meter() : unit_(host().param_int("unit")) {}
 *     void start() override { host().every(std::chrono::seconds(1), [this] { poll(); }); }
 *     ...
 *   };
 *   HEARTH_PLUGIN("acme-meter", "1.0.0", "ACME", "MIT", "ACME meters",
 *                 hearth::driver<Meter>("acme-meter", "grid_meter", "ACME meter over Modbus TCP",
 *                     hearth::param_int("unit").min(1).max(247).default_value("1")
 *                         .help("Modbus unit id.")))
 *
 * What the SDK guarantees at the ABI boundary (see docs/plugin-guide.md):
 *   - No exception crosses into the host. One thrown from create/start/command becomes a status:
 *     hearth::Error carries its own, std::bad_alloc is HEARTH_E_NO_MEMORY, anything else is
 *     HEARTH_E_INTERNAL; the message goes to host->set_error(). One thrown from stop(), destroy()
 *     or a callback is logged at error level.
 *   - Callbacks are std::function objects owned by the device's Host wrapper; the host only ever
 *     sees a pointer to an SDK-owned slot. Everything still pending when the device is destroyed
 *     (the host drops it after stop) is freed then, so nothing leaks.
 *   - Data handed to a callback (a Modbus result, a command, a CT block) is valid only during the
 *     call: Command copies itself; copy what you keep from a ModbusResult.
 */
#ifndef HEARTH_PLUGIN_HPP
#define HEARTH_PLUGIN_HPP

#include <hearth/plugin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/* The lowest host ABI a plugin built with this SDK accepts. Define it before including this
 * header to accept older hosts (then check HEARTH_HAS(&host().api(), fn) for newer functions). */
#ifndef HEARTH_PLUGIN_MIN_HOST_ABI
#define HEARTH_PLUGIN_MIN_HOST_ABI HEARTH_ABI_VERSION
#endif

namespace hearth {

/* ---- Errors and text ------------------------------------------------------------------------ */

// The name of a status code, for messages: "HEARTH_E_TIMEOUT".
inline const char *status_name(int32_t status) {
  switch (status) {
    case HEARTH_OK:
      return "HEARTH_OK";
    case HEARTH_E_INVALID:
      return "HEARTH_E_INVALID";
    case HEARTH_E_NOT_SUPPORTED:
      return "HEARTH_E_NOT_SUPPORTED";
    case HEARTH_E_TIMEOUT:
      return "HEARTH_E_TIMEOUT";
    case HEARTH_E_IO:
      return "HEARTH_E_IO";
    case HEARTH_E_BUSY:
      return "HEARTH_E_BUSY";
    case HEARTH_E_NO_MEMORY:
      return "HEARTH_E_NO_MEMORY";
    case HEARTH_E_STATE:
      return "HEARTH_E_STATE";
    case HEARTH_E_DENIED:
      return "HEARTH_E_DENIED";
    case HEARTH_E_NOT_FOUND:
      return "HEARTH_E_NOT_FOUND";
    case HEARTH_E_VERSION:
      return "HEARTH_E_VERSION";
    case HEARTH_E_INTERNAL:
      return "HEARTH_E_INTERNAL";
    case HEARTH_E_CANCELLED:
      return "HEARTH_E_CANCELLED";
    case HEARTH_E_MODBUS_EXCEPTION:
      return "HEARTH_E_MODBUS_EXCEPTION";
    case HEARTH_E_WRONG_THREAD:
      return "HEARTH_E_WRONG_THREAD";
    case HEARTH_E_TOO_SMALL:
      return "HEARTH_E_TOO_SMALL";
    default:
      return "unknown status";
  }
}

// Concatenates anything that has an operator<< into one string: text("read ", n, " registers").
template <class... Parts>
std::string text(const Parts &...parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// A failure with the status that crosses the ABI. Throw it from start/command/create (or from any
// Host call that the host refused: the SDK throws it for you).
class Error : public std::runtime_error {
 public:
  Error(int32_t status, const std::string &message)
      : std::runtime_error(message), status_(status < 0 ? status : HEARTH_E_INTERNAL) {}
  int32_t status() const noexcept { return status_; }

 private:
  int32_t status_;
};

namespace detail {
inline int32_t check(int32_t status, const char *what) {
  if (status < 0) throw Error(status, text(what, " failed: ", status_name(status)));
  return status;
}
inline std::string bounded(const char *chars, size_t capacity) {
  size_t length = 0;
  while (length < capacity && chars[length] != '\0') ++length;
  return std::string(chars, length);
}
}  // namespace detail

/* ---- Values --------------------------------------------------------------------------------- */

// A hearth_value from a C++ value: bool, any integer, any floating point, or text (<= 31 bytes;
// longer text is an Error, never silently cut).
template <class T>
hearth_value make_value(const T &v) {
  hearth_value out{};
  if constexpr (std::is_same_v<T, bool>) {
    out.type = HEARTH_VALUE_BOOL;
    out.as.b = v ? 1 : 0;
  } else if constexpr (std::is_integral_v<T>) {
    out.type = HEARTH_VALUE_INT;
    out.as.i = static_cast<int64_t>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    out.type = HEARTH_VALUE_DOUBLE;
    out.as.d = static_cast<double>(v);
  } else {
    std::string_view s(v);
    if (s.size() >= HEARTH_VALUE_STRING_MAX)
      throw Error(HEARTH_E_INVALID, text("text value '", s, "' is longer than ",
                                         HEARTH_VALUE_STRING_MAX - 1, " bytes"));
    out.type = HEARTH_VALUE_STRING;
    std::memcpy(out.as.s, s.data(), s.size());
    out.as.s[s.size()] = '\0';
  }
  return out;
}

// The value as a number (DOUBLE, INT or BOOL), or nullopt.
inline std::optional<double> number_of(const hearth_value &v) {
  switch (v.type) {
    case HEARTH_VALUE_DOUBLE:
      return v.as.d;
    case HEARTH_VALUE_INT:
      return static_cast<double>(v.as.i);
    case HEARTH_VALUE_BOOL:
      return v.as.b ? 1.0 : 0.0;
    default:
      return std::nullopt;
  }
}

// The C value type of a point's C++ type.
template <class T>
struct ValueType;
template <>
struct ValueType<double> : std::integral_constant<int32_t, HEARTH_VALUE_DOUBLE> {};
template <>
struct ValueType<int64_t> : std::integral_constant<int32_t, HEARTH_VALUE_INT> {};
template <>
struct ValueType<bool> : std::integral_constant<int32_t, HEARTH_VALUE_BOOL> {};
template <>
struct ValueType<std::string> : std::integral_constant<int32_t, HEARTH_VALUE_STRING> {};

// A named limit for register_capability: limit("rated_w", 5000.0).
struct Limit {
  const char *name;
  hearth_value value;
};
template <class T>
Limit limit(const char *name, const T &value) {
  return Limit{name, make_value(value)};
}

/* ---- Parameter tables ----------------------------------------------------------------------- */

// One row of a driver's parameter table, built declaratively and usable in constant expressions:
//   param_int("unit").min(1).max(247).default_value("1").help("Modbus unit id.")
class Param {
 public:
  constexpr Param(int32_t type, const char *name)
      : desc_{sizeof(hearth_param_desc),
              type,
              0u,
              0u,
              0.0,
              0.0,
              name,
              nullptr,
              nullptr,
              nullptr,
              nullptr,
              nullptr} {}
  constexpr Param required() const { return with_flag(HEARTH_PARAM_REQUIRED); }
  constexpr Param min(double value) const {
    Param p = with_flag(HEARTH_PARAM_HAS_MIN);
    p.desc_.min = value;
    return p;
  }
  constexpr Param max(double value) const {
    Param p = with_flag(HEARTH_PARAM_HAS_MAX);
    p.desc_.max = value;
    return p;
  }
  // The default as YAML text ("1", "2.5", "true", "1s", "a").
  constexpr Param default_value(const char *yaml) const {
    Param p = *this;
    p.desc_.default_value = yaml;
    return p;
  }
  constexpr Param choices(const char *pipe_separated) const {
    Param p = *this;
    p.desc_.choices = pipe_separated;
    return p;
  }
  constexpr Param unit(const char *si_unit) const {
    Param p = *this;
    p.desc_.unit = si_unit;
    return p;
  }
  constexpr Param help(const char *sentence) const {
    Param p = *this;
    p.desc_.help = sentence;
    return p;
  }
  constexpr const hearth_param_desc &desc() const { return desc_; }

 private:
  constexpr Param with_flag(uint32_t flag) const {
    Param p = *this;
    p.desc_.flags |= flag;
    return p;
  }
  hearth_param_desc desc_;
};

constexpr Param param_int(const char *name) {
  return Param(HEARTH_PARAM_INT, name);
}
constexpr Param param_double(const char *name) {
  return Param(HEARTH_PARAM_DOUBLE, name);
}
constexpr Param param_bool(const char *name) {
  return Param(HEARTH_PARAM_BOOL, name);
}
constexpr Param param_string(const char *name) {
  return Param(HEARTH_PARAM_STRING, name);
}
constexpr Param param_enum(const char *name, const char *choices) {
  return Param(HEARTH_PARAM_ENUM, name).choices(choices);
}
constexpr Param param_duration(const char *name) {
  return Param(HEARTH_PARAM_DURATION, name);
}
constexpr Param param_list(const char *name) {
  return Param(HEARTH_PARAM_LIST, name);
}

/* ---- Commands and Modbus results (views and copies of what the host hands over) ------------- */

// A command, copied out of the host's struct (which is valid only during command()): keep it as
// long as you like and complete it later with host().complete(command, status, message).
class Command {
 public:
  explicit Command(const hearth_command &raw)
      : id_(raw.id),
        priority_(raw.priority),
        deadline_mono_ns_(raw.deadline_mono_ns),
        capability_(detail::bounded(raw.capability, HEARTH_NAME_MAX)),
        name_(detail::bounded(raw.name, HEARTH_NAME_MAX)) {
    const uint32_t count = std::min<uint32_t>(raw.arg_count, HEARTH_COMMAND_ARGS_MAX);
    for (uint32_t i = 0; i < count; ++i)
      args_.emplace_back(detail::bounded(raw.args[i].name, HEARTH_NAME_MAX), raw.args[i].value);
  }
  uint64_t id() const { return id_; }
  int32_t priority() const { return priority_; }
  int64_t deadline_mono_ns() const { return deadline_mono_ns_; }
  const std::string &capability() const { return capability_; }
  const std::string &name() const { return name_; }
  const std::vector<std::pair<std::string, hearth_value>> &args() const { return args_; }

  // The argument, or nullptr when the command does not carry it.
  const hearth_value *arg(std::string_view arg_name) const {
    for (const auto &[key, value] : args_)
      if (key == arg_name) return &value;
    return nullptr;
  }
  bool has(std::string_view arg_name) const { return arg(arg_name) != nullptr; }
  // Typed access; a missing or mistyped argument is an Error(HEARTH_E_INVALID) naming it.
  double number(std::string_view arg_name) const {
    if (auto n = number_of(required(arg_name))) return *n;
    throw mistyped(arg_name, "a number");
  }
  int64_t integer(std::string_view arg_name) const {
    const hearth_value &v = required(arg_name);
    if (v.type == HEARTH_VALUE_INT) return v.as.i;
    if (v.type == HEARTH_VALUE_BOOL) return v.as.b;
    throw mistyped(arg_name, "an integer");
  }
  bool flag(std::string_view arg_name) const {
    const hearth_value &v = required(arg_name);
    if (v.type == HEARTH_VALUE_BOOL) return v.as.b != 0;
    throw mistyped(arg_name, "a bool");
  }
  std::string text_arg(std::string_view arg_name) const {
    const hearth_value &v = required(arg_name);
    if (v.type == HEARTH_VALUE_STRING) return detail::bounded(v.as.s, HEARTH_VALUE_STRING_MAX);
    throw mistyped(arg_name, "text");
  }

 private:
  const hearth_value &required(std::string_view arg_name) const {
    if (const hearth_value *v = arg(arg_name)) return *v;
    throw Error(HEARTH_E_INVALID, text("command '", name_, "': argument '", arg_name, "' missing"));
  }
  Error mistyped(std::string_view arg_name, const char *expected) const {
    return Error(HEARTH_E_INVALID,
                 text("command '", name_, "': argument '", arg_name, "' is not ", expected));
  }

  uint64_t id_;
  int32_t priority_;
  int64_t deadline_mono_ns_;
  std::string capability_;
  std::string name_;
  std::vector<std::pair<std::string, hearth_value>> args_;
};

// A view of a Modbus transaction's outcome, valid only during the completion callback.
// Multi-register values are big-endian, high word first (protocols.md, conventions).
class ModbusResult {
 public:
  explicit ModbusResult(const hearth_modbus_result &raw) : raw_(raw) {}
  int32_t status() const { return raw_.status; }
  bool ok() const { return raw_.status == HEARTH_OK; }
  int32_t exception_code() const { return raw_.exception_code; }
  int64_t received_mono_ns() const { return raw_.received_mono_ns; }
  uint64_t request_id() const { return raw_.request_id; }
  uint32_t count() const { return raw_.values != nullptr ? raw_.count : 0; }
  uint16_t u16(uint32_t index) const { return at(index, 1); }
  int16_t i16(uint32_t index) const { return static_cast<int16_t>(u16(index)); }
  uint32_t u32(uint32_t index) const {
    return (static_cast<uint32_t>(at(index, 2)) << 16) | raw_.values[index + 1];
  }
  int32_t i32(uint32_t index) const { return static_cast<int32_t>(u32(index)); }
  float f32(uint32_t index) const {
    const uint32_t bits = u32(index);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  std::vector<uint16_t> copy() const {
    return count() ? std::vector<uint16_t>(raw_.values, raw_.values + count())
                   : std::vector<uint16_t>{};
  }
  // "HEARTH_E_MODBUS_EXCEPTION (exception 2)", for logs and health reasons.
  std::string describe() const {
    if (raw_.status == HEARTH_E_MODBUS_EXCEPTION)
      return text(status_name(raw_.status), " (exception ", raw_.exception_code, ")");
    return status_name(raw_.status);
  }
  const hearth_modbus_result &raw() const { return raw_; }

 private:
  uint16_t at(uint32_t index, uint32_t width) const {
    if (index + width > count())
      throw Error(HEARTH_E_IO, text("Modbus answer has ", count(), " registers, register ",
                                    index + width - 1, " was read"));
    return raw_.values[index];
  }
  const hearth_modbus_result &raw_;
};

// Request builders; adjust priority, deadline or timeout on the returned struct as needed.
inline hearth_modbus_request modbus_read(int32_t function, int32_t unit, uint32_t address,
                                         uint32_t count, int32_t priority = HEARTH_PRIO_POLL) {
  hearth_modbus_request r{};
  r.struct_size = sizeof r;
  r.function = function;
  r.unit = unit;
  r.priority = priority;
  r.address = address;
  r.count = count;
  return r;
}
inline hearth_modbus_request modbus_write_registers(int32_t unit, uint32_t address,
                                                    const std::vector<uint16_t> &values,
                                                    int32_t priority = HEARTH_PRIO_CONTROL) {
  if (values.empty() || values.size() > HEARTH_MODBUS_VALUES_MAX)
    throw Error(HEARTH_E_INVALID, text("a register write carries 1 to ", HEARTH_MODBUS_VALUES_MAX,
                                       " values, not ", values.size()));
  hearth_modbus_request r =
      modbus_read(values.size() == 1 ? HEARTH_MODBUS_WRITE_SINGLE_REGISTER
                                     : HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS,
                  unit, address, static_cast<uint32_t>(values.size()), priority);
  std::copy(values.begin(), values.end(), r.values);
  return r;
}

/* ---- Callback storage (internal) ------------------------------------------------------------ */

class Host;

namespace detail {

// Owns the std::function objects behind C callbacks. The host gets a Slot* as user pointer; a
// slot is freed when its callback can no longer arrive (one-shot fired, cancelled, or the table
// destroyed with the device). A slot removed while its own callback runs is parked until the
// callback returns, so a timer may cancel itself.
template <class... Args>
class CallbackTable {
 public:
  struct Slot {
    CallbackTable *table;
    std::function<void(Args...)> fn;
    int64_t key;
    bool once;
  };

  explicit CallbackTable(Host &owner) : owner_(owner) {}
  Host &owner() const { return owner_; }

  Slot *add(std::function<void(Args...)> fn, bool once, int64_t key = 0) {
    slots_.push_back(std::unique_ptr<Slot>(new Slot{this, std::move(fn), key, once}));
    return slots_.back().get();
  }
  Slot *find(int64_t key) const {
    for (const auto &slot : slots_)
      if (slot->key == key) return slot.get();
    return nullptr;
  }
  void remove(Slot *slot) {
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [slot](const std::unique_ptr<Slot> &s) { return s.get() == slot; });
    if (it == slots_.end()) return;
    if (depth_ > 0) parked_.push_back(std::move(*it));
    slots_.erase(it);
  }
  void invoke(Slot *slot, Args... args) {
    struct Leave {
      CallbackTable *table;
      Slot *slot;
      ~Leave() {
        if (slot->once) table->remove(slot);
        if (--table->depth_ == 0) table->parked_.clear();
      }
    };
    ++depth_;
    Leave leave{this, slot};
    slot->fn(args...);
  }
  size_t size() const { return slots_.size(); }

 private:
  Host &owner_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Slot>> parked_;
  int depth_ = 0;
};

// One work_submit(): `work` runs on a pool thread, `done` on the core thread. The state decides
// who frees it when the device is destroyed while `work` is still running on the pool.
struct WorkItem {
  enum State { kQueued, kRunning, kFinished, kOrphaned };
  Host *host;
  std::function<void()> work;
  std::function<void()> done;
  std::atomic<int> state{kQueued};
};

inline Host *&constructing_host() {
  static thread_local Host *host = nullptr;
  return host;
}

}  // namespace detail

template <class T>
class Point;

/* ---- The host, as a device sees it ---------------------------------------------------------- */

// Wraps the host table for one device. Calls the host refused throw hearth::Error. Functions
// marked [any thread] may be called from the plugin's own threads; all others only from the core
// thread (inside start/command/stop or a callback).
class Host {
 public:
  Host(const hearth_host_api *api, hearth_device *device)
      : api_(api), device_(device), timers_(*this), fds_(*this), modbus_(*this), ct_(*this) {}
  Host(const Host &) = delete;
  Host &operator=(const Host &) = delete;
  ~Host() {
    for (auto &item : work_) {
      int expected = detail::WorkItem::kRunning;
      if (item->state.compare_exchange_strong(expected, detail::WorkItem::kOrphaned))
        item.release();  // its pool thread frees it when work() returns
    }
  }

  const hearth_host_api &api() const { return *api_; }
  hearth_device *device() const { return device_; }
  uint32_t host_abi_version() const { return api_->abi_version; }

  // [any thread] Logging; the arguments are concatenated with text().
  void log(int32_t level, const std::string &message) const {
    api_->log(device_, level, message.c_str());
  }
  template <class... P>
  void debug(const P &...parts) const {
    log(HEARTH_LOG_DEBUG, text(parts...));
  }
  template <class... P>
  void info(const P &...parts) const {
    log(HEARTH_LOG_INFO, text(parts...));
  }
  template <class... P>
  void warn(const P &...parts) const {
    log(HEARTH_LOG_WARN, text(parts...));
  }
  template <class... P>
  void error(const P &...parts) const {
    log(HEARTH_LOG_ERROR, text(parts...));
  }

  // [any thread] Clocks.
  int64_t now_mono_ns() const { return api_->now_mono_ns(); }
  int64_t now_wall_ms() const { return api_->now_wall_ms(); }

  // [any thread] Runs fn on the core thread soon; dropped if the device stops first.
  void post(std::function<void()> fn) {
    uint64_t sequence;
    {
      std::lock_guard<std::mutex> lock(post_mutex_);
      sequence = ++post_sequence_;
      posts_.emplace_back(sequence, std::move(fn));
    }
    const int32_t status = api_->post(device_, &Host::post_arrived, this);
    if (status < 0) {
      // One queued function per accepted post: drop ours, or (if a delivery on the core thread
      // already took ours as the oldest) the newest one, which then runs in its place.
      std::lock_guard<std::mutex> lock(post_mutex_);
      auto own = std::find_if(posts_.begin(), posts_.end(),
                              [&](const auto &entry) { return entry.first == sequence; });
      if (own != posts_.end()) {
        posts_.erase(own);
      } else if (!posts_.empty()) {
        posts_.pop_back();
      }
      detail::check(status, "post");
    }
  }

  // Configuration. A name missing from the driver's parameter table is an Error.
  std::string device_id() const {
    return read_text("device_id",
                     [&](char *buf, uint32_t size) { return api_->device_id(device_, buf, size); });
  }
  int64_t param_int(const char *name) const {
    int64_t out = 0;
    check_param(api_->param_int(device_, name, &out), name);
    return out;
  }
  double param_double(const char *name) const {
    double out = 0;
    check_param(api_->param_double(device_, name, &out), name);
    return out;
  }
  bool param_bool(const char *name) const {
    int32_t out = 0;
    check_param(api_->param_bool(device_, name, &out), name);
    return out != 0;
  }
  std::string param_string(const char *name) const {
    return read_text(name, [&](char *buf, uint32_t size) {
      return api_->param_string(device_, name, buf, size);
    });
  }
  std::chrono::milliseconds param_duration(const char *name) const {
    return std::chrono::milliseconds(param_int(name));
  }
  std::vector<std::string> param_list(const char *name) const {
    const int32_t count = check_param(api_->param_list_count(device_, name), name);
    std::vector<std::string> items;
    for (int32_t i = 0; i < count; ++i)
      items.push_back(read_text(name, [&](char *buf, uint32_t size) {
        return api_->param_list_item(device_, name, static_cast<uint32_t>(i), buf, size);
      }));
    return items;
  }
  // nullptr leaves a field as it was.
  void set_identity(const char *model, const char *serial, const char *firmware) {
    detail::check(api_->identity_set(device_, model, serial, firmware), "identity_set");
  }

  // Timers: fn runs on the core thread. A zero period fires once. Returns the timer id.
  int32_t start_timer(std::chrono::milliseconds first, std::chrono::milliseconds period,
                      std::function<void()> fn) {
    const uint32_t first_ms = to_ms(first, "first");
    const uint32_t period_ms = to_ms(period, "period");
    auto *slot = timers_.add(std::move(fn), period_ms == 0);
    const int32_t id = api_->timer_start(device_, first_ms, period_ms, &Host::timer_fired, slot);
    if (id < 0) {
      timers_.remove(slot);
      detail::check(id, "timer_start");
    }
    slot->key = id;
    return id;
  }
  int32_t every(std::chrono::milliseconds period, std::function<void()> fn) {
    return start_timer(period, period, std::move(fn));
  }
  int32_t after(std::chrono::milliseconds delay, std::function<void()> fn) {
    return start_timer(delay, std::chrono::milliseconds(0), std::move(fn));
  }
  // Cancelling an unknown or already fired timer does nothing.
  void cancel_timer(int32_t timer_id) {
    if (auto *slot = timers_.find(timer_id)) {
      api_->timer_cancel(device_, timer_id);
      timers_.remove(slot);
    }
  }

  // File descriptors the plugin owns; fn(fd, ready_events) runs on the core thread.
  void watch_fd(int32_t fd, uint32_t events, std::function<void(int32_t, uint32_t)> fn) {
    auto *slot = fds_.add(std::move(fn), false, fd);
    const int32_t status = api_->fd_watch(device_, fd, events, &Host::fd_ready, slot);
    if (status < 0) fds_.remove(slot);
    detail::check(status, "fd_watch");
  }
  void unwatch_fd(int32_t fd) {
    if (auto *slot = fds_.find(fd)) {
      api_->fd_unwatch(device_, fd);
      fds_.remove(slot);
    }
  }

  // Blocking work: `work` runs on a pool thread (it may call only [any thread] functions), then
  // `done` on the core thread unless the device stopped meanwhile.
  void submit_work(std::function<void()> work, std::function<void()> done) {
    work_.push_back(std::make_unique<detail::WorkItem>());
    detail::WorkItem *item = work_.back().get();
    item->host = this;
    item->work = std::move(work);
    item->done = std::move(done);
    const int32_t status = api_->work_submit(device_, &Host::work_run, &Host::work_done, item);
    if (status < 0) forget_work(item);
    detail::check(status, "work_submit");
  }

  // Points ("<device id>/<name>"). Signs: grid + import / - export; battery + charge /
  // - discharge; PV and loads >= 0.
  template <class T>
  Point<T> declare_point(const char *name, const char *unit, uint32_t max_age_ms);
  void publish(int32_t point_id, const hearth_value &value, int64_t sampled_mono_ns = 0,
               int32_t quality = HEARTH_QUALITY_GOOD) {
    if (sampled_mono_ns == 0) sampled_mono_ns = now_mono_ns();
    detail::check(api_->point_publish(device_, point_id, &value, sampled_mono_ns, quality),
                  "point_publish");
  }

  // Capabilities and commands.
  void register_capability(const char *capability, std::initializer_list<Limit> limits = {}) {
    std::vector<hearth_arg> args;
    for (const Limit &l : limits) {
      hearth_arg arg{};
      const size_t length = std::strlen(l.name);
      if (length >= HEARTH_NAME_MAX)
        throw Error(HEARTH_E_INVALID, text("limit name '", l.name, "' is too long"));
      std::memcpy(arg.name, l.name, length);
      arg.value = l.value;
      args.push_back(arg);
    }
    detail::check(api_->capability_register(device_, capability, args.data(),
                                            static_cast<uint32_t>(args.size())),
                  "capability_register");
  }
  void complete(uint64_t command_id, int32_t status = HEARTH_OK, const std::string &message = {}) {
    detail::check(api_->command_complete(device_, command_id, status,
                                         message.empty() ? nullptr : message.c_str()),
                  "command_complete");
  }
  void complete(const Command &command, int32_t status = HEARTH_OK,
                const std::string &message = {}) {
    complete(command.id(), status, message);
  }

  // Alarms, deduplicated by code.
  void raise_alarm(int32_t code, int32_t severity, const std::string &alarm_text) {
    detail::check(api_->alarm_raise(device_, code, severity, alarm_text.c_str()), "alarm_raise");
  }
  void clear_alarm(int32_t code) { detail::check(api_->alarm_clear(device_, code), "alarm_clear"); }

  // The per-device persistent store. nullopt when the key was never written.
  std::optional<std::vector<uint8_t>> kv_get(const char *key) const {
    std::vector<uint8_t> buf(256);
    for (;;) {
      const int32_t n = api_->kv_get(device_, key, buf.data(), static_cast<uint32_t>(buf.size()));
      if (n == HEARTH_E_NOT_FOUND) return std::nullopt;
      if (n == HEARTH_E_TOO_SMALL && buf.size() < kMaxTextBytes) {
        buf.resize(buf.size() * 4);
        continue;
      }
      detail::check(n, "kv_get");
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
  }
  std::optional<std::string> kv_get_string(const char *key) const {
    auto bytes = kv_get(key);
    if (!bytes) return std::nullopt;
    return std::string(bytes->begin(), bytes->end());
  }
  void kv_set(const char *key, const void *data, uint32_t length) {
    detail::check(api_->kv_set(device_, key, data, length), "kv_set");
  }
  void kv_set(const char *key, std::string_view value) {
    kv_set(key, value.data(), static_cast<uint32_t>(value.size()));
  }

  // Modbus on the device's link; done runs on the core thread exactly once. Returns the id.
  uint64_t modbus_submit(const hearth_modbus_request &request,
                         std::function<void(const ModbusResult &)> done) {
    auto *slot = modbus_.add(std::move(done), true);
    uint64_t request_id = 0;
    const int32_t status =
        api_->modbus_submit(device_, &request, &Host::modbus_done, slot, &request_id);
    if (status < 0) modbus_.remove(slot);
    detail::check(status, "modbus_submit");
    return request_id;
  }
  // The writes that put the device in its safe state (replaces the previous set).
  void register_failsafe(const std::vector<hearth_modbus_request> &writes) {
    detail::check(
        api_->failsafe_register(device_, writes.data(), static_cast<uint32_t>(writes.size())),
        "failsafe_register");
  }

  // HAL channels granted in YAML.
  void set_do(const char *channel, bool level) {
    detail::check(api_->hal_do_set(device_, channel, level ? 1 : 0), "hal_do_set");
  }
  bool get_di(const char *channel) const {
    int32_t level = 0;
    detail::check(api_->hal_di_get(device_, channel, &level), "hal_di_get");
    return level != 0;
  }
  void subscribe_ct(const char *channel, std::function<void(const hearth_ct_block &)> fn) {
    auto *slot = ct_.add([fn = std::move(fn)](const hearth_ct_block *block) { fn(*block); }, false);
    const int32_t status = api_->hal_ct_subscribe(device_, channel, &Host::ct_block, slot);
    if (status < 0) ct_.remove(slot);
    detail::check(status, "hal_ct_subscribe");
  }

  // Health shown to the installer.
  void set_health(bool online, const std::string &reason) {
    detail::check(
        api_->health_set(device_, online ? 1 : 0, reason.empty() ? nullptr : reason.c_str()),
        "health_set");
  }
  void set_online() { set_health(true, std::string()); }
  void set_offline(const std::string &reason) { set_health(false, reason); }

  // Runs fn, logging (never propagating) what it throws. Used by every callback trampoline.
  template <class Fn>
  void guard_callback(const char *where, Fn &&fn) noexcept {
    try {
      fn();
    } catch (const std::exception &e) {
      log_noexcept(where, e.what());
    } catch (...) {
      log_noexcept(where, "unknown exception");
    }
  }

 private:
  static constexpr size_t kMaxTextBytes = 1u << 20;

  static uint32_t to_ms(std::chrono::milliseconds ms, const char *what) {
    if (ms.count() < 0 || ms.count() > UINT32_MAX)
      throw Error(HEARTH_E_INVALID,
                  text("timer ", what, " of ", ms.count(), " ms is out of range"));
    return static_cast<uint32_t>(ms.count());
  }
  static int32_t check_param(int32_t status, const char *name) {
    if (status == HEARTH_E_NOT_FOUND)
      throw Error(status, text("parameter '", name,
                               "' has no value: it is not in the driver's parameter table, or it "
                               "is optional, has no default and the YAML leaves it out"));
    if (status < 0) throw Error(status, text("parameter '", name, "': ", status_name(status)));
    return status;
  }
  // Reads a NUL-terminated string through a C call that fails with TOO_SMALL, growing the buffer.
  template <class Read>
  static std::string read_text(const char *what, Read &&read) {
    std::vector<char> buf(128);
    for (;;) {
      const int32_t n = read(buf.data(), static_cast<uint32_t>(buf.size()));
      if (n == HEARTH_E_TOO_SMALL && buf.size() < kMaxTextBytes) {
        buf.resize(buf.size() * 4);
        continue;
      }
      check_param(n, what);
      return std::string(buf.data(), std::min<size_t>(static_cast<size_t>(n), buf.size() - 1));
    }
  }
  void log_noexcept(const char *where, const char *what) const noexcept {
    try {
      log(HEARTH_LOG_ERROR, text(where, ": uncaught exception: ", what));
    } catch (...) {
      api_->log(device_, HEARTH_LOG_ERROR, where);
    }
  }
  void forget_work(detail::WorkItem *item) {
    work_.erase(std::find_if(work_.begin(), work_.end(),
                             [item](const auto &w) { return w.get() == item; }));
  }

  static void post_arrived(void *user) {
    auto *self = static_cast<Host *>(user);
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(self->post_mutex_);
      if (self->posts_.empty()) return;
      fn = std::move(self->posts_.front().second);
      self->posts_.pop_front();
    }
    self->guard_callback("post", fn);
  }
  static void timer_fired(void *user) {
    auto *slot = static_cast<detail::CallbackTable<>::Slot *>(user);
    slot->table->owner().guard_callback("timer", [&] { slot->table->invoke(slot); });
  }
  static void fd_ready(void *user, int32_t fd, uint32_t events) {
    auto *slot = static_cast<detail::CallbackTable<int32_t, uint32_t>::Slot *>(user);
    slot->table->owner().guard_callback("fd watch", [&] { slot->table->invoke(slot, fd, events); });
  }
  static void modbus_done(void *user, const hearth_modbus_result *result) {
    auto *slot = static_cast<detail::CallbackTable<const ModbusResult &>::Slot *>(user);
    slot->table->owner().guard_callback("Modbus completion", [&] {
      hearth_modbus_result empty{};
      empty.struct_size = sizeof empty;
      empty.status = HEARTH_E_INTERNAL;
      slot->table->invoke(slot, ModbusResult(result != nullptr ? *result : empty));
    });
  }
  static void ct_block(void *user, const hearth_ct_block *block) {
    auto *slot = static_cast<detail::CallbackTable<const hearth_ct_block *>::Slot *>(user);
    if (block == nullptr) return;
    slot->table->owner().guard_callback("CT block", [&] { slot->table->invoke(slot, block); });
  }
  static void work_run(void *user) {
    auto *item = static_cast<detail::WorkItem *>(user);
    int expected = detail::WorkItem::kQueued;
    if (!item->state.compare_exchange_strong(expected, detail::WorkItem::kRunning)) return;
    item->host->guard_callback("work", item->work);
    expected = detail::WorkItem::kRunning;
    if (!item->state.compare_exchange_strong(expected, detail::WorkItem::kFinished))
      delete item;  // orphaned: the device was destroyed while this ran
  }
  static void work_done(void *user) {
    auto *item = static_cast<detail::WorkItem *>(user);
    Host *host = item->host;
    std::function<void()> done = std::move(item->done);
    host->forget_work(item);
    if (done) host->guard_callback("work done", done);
  }

  const hearth_host_api *api_;
  hearth_device *device_;
  detail::CallbackTable<> timers_;
  detail::CallbackTable<int32_t, uint32_t> fds_;
  detail::CallbackTable<const ModbusResult &> modbus_;
  detail::CallbackTable<const hearth_ct_block *> ct_;
  std::vector<std::unique_ptr<detail::WorkItem>> work_;
  std::mutex post_mutex_;
  uint64_t post_sequence_ = 0;
  std::deque<std::pair<uint64_t, std::function<void()>>> posts_;
};

// A declared point of C++ type T (double, int64_t, bool or std::string).
template <class T>
class Point {
 public:
  Point() = default;
  int32_t id() const { return id_; }
  bool declared() const { return host_ != nullptr; }
  // sampled_mono_ns 0 means "now"; pass a Modbus answer's received_mono_ns when you have one.
  void publish(const T &value, int64_t sampled_mono_ns = 0,
               int32_t quality = HEARTH_QUALITY_GOOD) const {
    if (host_ == nullptr) throw Error(HEARTH_E_STATE, "publish on a point that was not declared");
    host_->publish(id_, make_value(value), sampled_mono_ns, quality);
  }

 private:
  friend class Host;
  Point(Host *host, int32_t id) : host_(host), id_(id) {}
  Host *host_ = nullptr;
  int32_t id_ = -1;
};

template <class T>
Point<T> Host::declare_point(const char *name, const char *unit, uint32_t max_age_ms) {
  const int32_t id = api_->point_declare(device_, name, ValueType<T>::value, unit, max_age_ms);
  if (id < 0) throw Error(id, text("point_declare '", name, "' failed: ", status_name(id)));
  return Point<T>(this, id);
}

/* ---- Devices -------------------------------------------------------------------------------- */

// Base of every driver. Construct it only through HEARTH_PLUGIN (the SDK hands the constructor
// its Host); read parameters in the constructor, begin I/O in start().
class Device {
 public:
  Device() : host_(attached_host()) {}
  virtual ~Device() = default;
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  // May begin I/O, start timers, declare points and register capabilities.
  virtual void start() {}
  // Complete with host().complete(command, ...), now or later. Throwing completes it at once.
  virtual void command(const Command &command) {
    throw Error(HEARTH_E_NOT_SUPPORTED, text("command '", command.name(), "' is not supported"));
  }
  // Join your threads here; no callback arrives after stop() returns.
  virtual void stop() {}

 protected:
  Host &host() const { return host_; }

 private:
  static Host &attached_host() {
    Host *host = detail::constructing_host();
    if (host == nullptr)
      throw std::logic_error("a hearth::Device is constructed only by the SDK (HEARTH_PLUGIN)");
    return *host;
  }
  Host &host_;
};

/* ---- Driver and plugin descriptors (internal, written by HEARTH_PLUGIN) --------------------- */

template <class D, size_t N>
struct DriverSpec {
  const char *name;
  const char *device_class;
  const char *summary;
  std::array<hearth_param_desc, N> params;
};

// One driver of the plugin: its YAML name, device class, summary and parameter table.
template <class D, class... P>
constexpr DriverSpec<D, sizeof...(P)> driver(const char *name, const char *device_class,
                                             const char *summary, const P &...params) {
  static_assert(std::is_base_of_v<Device, D>, "a driver class derives from hearth::Device");
  static_assert((std::is_same_v<P, Param> && ...), "parameters are hearth::param_*(...) rows");
  return DriverSpec<D, sizeof...(P)>{name, device_class, summary, {{params.desc()...}}};
}

namespace detail {

template <class Fn>
int32_t guard_call(const hearth_host_api *api, hearth_device *device, Fn &&fn) noexcept {
  auto explain = [&](const char *message) noexcept {
    if (api != nullptr) api->set_error(device, message);
  };
  try {
    fn();
    return HEARTH_OK;
  } catch (const Error &e) {
    explain(e.what());
    return e.status();
  } catch (const std::bad_alloc &) {
    explain("out of memory");
    return HEARTH_E_NO_MEMORY;
  } catch (const std::exception &e) {
    explain(e.what());
    return HEARTH_E_INTERNAL;
  } catch (...) {
    explain("unknown exception");
    return HEARTH_E_INTERNAL;
  }
}

// What the host holds as `instance`: the device and its Host wrapper (destroyed after it).
struct Instance {
  std::unique_ptr<Host> host;
  std::unique_ptr<Device> device;
};

class ConstructionScope {
 public:
  explicit ConstructionScope(Host *host) { constructing_host() = host; }
  ~ConstructionScope() { constructing_host() = nullptr; }
};

template <class Tag, class D>
struct Trampolines {
  static int32_t create(hearth_device *device, void **instance) {
    const hearth_host_api *api = Tag::host;
    if (api == nullptr || instance == nullptr) return HEARTH_E_STATE;
    return guard_call(api, device, [&] {
      auto made = std::make_unique<Instance>();
      made->host = std::make_unique<Host>(api, device);
      {
        ConstructionScope scope(made->host.get());
        made->device = std::make_unique<D>();
      }
      *instance = made.release();
    });
  }
  static int32_t start(void *instance) {
    auto *self = static_cast<Instance *>(instance);
    return guard_call(Tag::host, self->host->device(), [&] { self->device->start(); });
  }
  static int32_t command(void *instance, const hearth_command *raw) {
    auto *self = static_cast<Instance *>(instance);
    return guard_call(Tag::host, self->host->device(), [&] {
      if (raw == nullptr || !HEARTH_HAS(raw, args))
        throw Error(HEARTH_E_INVALID, "command struct missing or too small");
      self->device->command(Command(*raw));
    });
  }
  static void stop(void *instance) {
    auto *self = static_cast<Instance *>(instance);
    self->host->guard_callback("stop", [&] { self->device->stop(); });
  }
  static void destroy(void *instance) {
    auto *self = static_cast<Instance *>(instance);
    Host *host = self->host.get();
    host->guard_callback("destroy", [&] { self->device.reset(); });
    delete self;
  }
};

template <class Tag, class D, size_t N>
hearth_driver_desc make_driver_desc(const DriverSpec<D, N> &spec) {
  hearth_driver_desc d{};
  d.struct_size = sizeof d;
  d.param_count = static_cast<uint32_t>(N);
  d.name = spec.name;
  d.device_class = spec.device_class;
  d.summary = spec.summary;
  d.params = N > 0 ? spec.params.data() : nullptr;
  d.create = &Trampolines<Tag, D>::create;
  d.start = &Trampolines<Tag, D>::start;
  d.command = &Trampolines<Tag, D>::command;
  d.stop = &Trampolines<Tag, D>::stop;
  d.destroy = &Trampolines<Tag, D>::destroy;
  return d;
}

// The plugin's static descriptors. Pointers point into the object itself, so it is neither copied
// nor moved: it lives in a function-local static of the entry function for the whole process.
template <class Tag, class... Specs>
class PluginTable {
 public:
  PluginTable(const char *id, const char *version, const char *vendor, const char *license,
              const char *summary, const Specs &...specs)
      : specs_(specs...) {
    fill(std::index_sequence_for<Specs...>{});
    desc_.struct_size = sizeof desc_;
    desc_.abi_version = HEARTH_ABI_VERSION;
    desc_.min_host_abi = HEARTH_PLUGIN_MIN_HOST_ABI;
    desc_.driver_count = static_cast<uint32_t>(sizeof...(Specs));
    desc_.id = id;
    desc_.version = version;
    desc_.vendor = vendor;
    desc_.license = license;
    desc_.summary = summary;
    desc_.drivers = drivers_.data();
  }
  PluginTable(const PluginTable &) = delete;
  PluginTable &operator=(const PluginTable &) = delete;
  const hearth_plugin_desc *desc() const { return &desc_; }

 private:
  template <size_t... I>
  void fill(std::index_sequence<I...>) {
    ((drivers_[I] = make_driver_desc<Tag>(std::get<I>(specs_))), ...);
  }
  std::tuple<Specs...> specs_;
  std::array<hearth_driver_desc, sizeof...(Specs)> drivers_{};
  hearth_plugin_desc desc_{};
};

template <class Tag, class... Specs>
PluginTable<Tag, Specs...> make_plugin_table(const char *id, const char *version,
                                             const char *vendor, const char *license,
                                             const char *summary, const Specs &...specs) {
  static_assert(sizeof...(Specs) > 0, "a plugin has at least one hearth::driver<...>(...)");
  return PluginTable<Tag, Specs...>(id, version, vendor, license, summary, specs...);
}

// The version check every SDK plugin makes before it hands out its descriptors.
template <class Tag>
const hearth_plugin_desc *enter(const hearth_plugin_desc *desc, uint32_t host_abi,
                                const hearth_host_api *host) noexcept {
  if (host == nullptr) return nullptr;
  char reason[160] = "";
  if (HEARTH_ABI_MAJOR_OF(host_abi) != HEARTH_ABI_MAJOR || host_abi < desc->min_host_abi) {
    std::snprintf(reason, sizeof reason,
                  "plugin '%s' needs host ABI %u.%u..%u.x, the host offers %u.%u", desc->id,
                  HEARTH_ABI_MAJOR_OF(desc->min_host_abi), HEARTH_ABI_MINOR_OF(desc->min_host_abi),
                  HEARTH_ABI_MAJOR, HEARTH_ABI_MAJOR_OF(host_abi), HEARTH_ABI_MINOR_OF(host_abi));
  } else if (!HEARTH_HAS(host, health_set)) {
    std::snprintf(reason, sizeof reason, "plugin '%s': the host table is too short (%u bytes)",
                  desc->id, host->struct_size);
  }
  if (reason[0] != '\0') {
    if (host->struct_size >= sizeof(uint32_t) * 2 + sizeof host->log && host->log != nullptr)
      host->log(nullptr, HEARTH_LOG_ERROR, reason);
    return nullptr;
  }
  Tag::host = host;
  return desc;
}

}  // namespace detail
}  // namespace hearth

/* Writes the plugin's exported entry function and descriptors. Use it once, at global scope, in
 * one source file of the plugin:
 *   HEARTH_PLUGIN(id, version, vendor, spdx_license, summary, hearth::driver<D>(...), ...)
 * The host table is kept in a variable private to this plugin (an unnamed namespace), so two
 * plugins built with default symbol visibility still never share it. */
#define HEARTH_PLUGIN(plugin_id, plugin_version, plugin_vendor, plugin_license, plugin_summary,   \
                      ...)                                                                        \
  namespace {                                                                                     \
  struct HearthPluginTag {                                                                        \
    static inline const hearth_host_api *host = nullptr;                                          \
  };                                                                                              \
  }                                                                                               \
  extern "C" HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(                         \
      uint32_t host_abi_version, const hearth_host_api *host) {                                   \
    static const auto hearth_plugin_table = ::hearth::detail::make_plugin_table<HearthPluginTag>( \
        plugin_id, plugin_version, plugin_vendor, plugin_license, plugin_summary, __VA_ARGS__);   \
    return ::hearth::detail::enter<HearthPluginTag>(hearth_plugin_table.desc(), host_abi_version, \
                                                    host);                                        \
  }

#endif /* HEARTH_PLUGIN_HPP */
