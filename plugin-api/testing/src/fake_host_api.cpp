// The fake host's hearth_host_api table: every function checks the calling thread and the
// device's state as plugin.h demands, records what the plugin did, and copies what it keeps.
#include <algorithm>
#include <cstring>
#include <hearth/testing/fake_host.hpp>
#include <iterator>

namespace hearth::testing {

FakeHost *active_fake_host();

namespace {
constexpr uint32_t kKvValueMaxBytes = 64 * 1024;
constexpr uint32_t kCapabilityLimitsMax = 16;
constexpr uint32_t kFailsafeWritesMax = 64;
constexpr int32_t kModbusUnitMax = 247;
constexpr size_t kPointNameMax = 63;

int32_t copy_out(const std::string &s, char *buf, uint32_t size) {
  if (buf == nullptr || s.size() + 1 > size) return HEARTH_E_TOO_SMALL;
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return static_cast<int32_t>(s.size());
}

bool is_write(int32_t function) {
  return function == HEARTH_MODBUS_WRITE_SINGLE_COIL ||
         function == HEARTH_MODBUS_WRITE_SINGLE_REGISTER ||
         function == HEARTH_MODBUS_WRITE_MULTIPLE_COILS ||
         function == HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS;
}

bool is_read(int32_t function) {
  return function >= HEARTH_MODBUS_READ_COILS && function <= HEARTH_MODBUS_READ_INPUT_REGISTERS;
}

// The capabilities hearthd accepts (plugin.h, capability_register): those the energy manager
// drives, or a vendor's own named "x-<vendor>-<name>".
bool is_known_capability(const std::string &name) {
  static const char *const kDriven[] = {"grid_meter",      "pv_inverter",   "battery",
                                        "ev_charger",      "sg_ready",      "switchable_load",
                                        "power_limitable", "digital_input", "digital_output"};
  if (name.size() > 2 && name.compare(0, 2, "x-") == 0) return true;
  return std::find(std::begin(kDriven), std::end(kDriven), name) != std::end(kDriven);
}

// Why a request is malformed, or "".
std::string check_request(const hearth_modbus_request *r) {
  if (r == nullptr) return "request is NULL";
  if (r->struct_size < sizeof(hearth_modbus_request)) return "request struct_size too small";
  if (r->unit < 0 || r->unit > kModbusUnitMax)
    return "unit " + std::to_string(r->unit) + " out of 0..247";
  if (r->function == HEARTH_MODBUS_RAW) return "raw PDUs are not scripted by the fake host";
  if (!is_read(r->function) && !is_write(r->function))
    return "unknown function " + std::to_string(r->function);
  const bool single = r->function == HEARTH_MODBUS_WRITE_SINGLE_COIL ||
                      r->function == HEARTH_MODBUS_WRITE_SINGLE_REGISTER;
  if (single ? r->count != 1 : (r->count < 1 || r->count > HEARTH_MODBUS_VALUES_MAX))
    return "count " + std::to_string(r->count) + " out of range";
  return "";
}

}  // namespace

// The C functions, with access to the host's records.
struct FakeHostAccess {
  using State = FakeDevice::State;

  static FakeDevice *lookup(FakeHost &h, hearth_device *dev) {
    std::lock_guard<std::mutex> lock(h.shared_mutex_);
    auto *device = reinterpret_cast<FakeDevice *>(dev);
    auto it = std::find(h.known_devices_.begin(), h.known_devices_.end(), device);
    return it == h.known_devices_.end() ? nullptr : device;
  }

  static bool alive(const FakeDevice &d) {
    const State s = d.state_.load();
    return s == State::kCreated || s == State::kRunning || d.stopping_.load();
  }

  // The device behind a [core thread] call, or nullptr with `status` set (and recorded).
  static FakeDevice *enter(hearth_device *dev, const char *fn, int32_t &status) {
    FakeHost *h = active_fake_host();
    if (h == nullptr) {
      status = HEARTH_E_STATE;
      return nullptr;
    }
    FakeDevice *d = lookup(*h, dev);
    if (d == nullptr) {
      status = HEARTH_E_INVALID;
      h->violation(nullptr, std::string(fn) + ": a device handle the host never gave out");
    } else if (std::this_thread::get_id() != h->core_thread_) {
      status = HEARTH_E_WRONG_THREAD;
      h->violation(d, std::string(fn) + " called from a thread other than the core thread");
      d = nullptr;
    } else if (!alive(*d)) {
      status = HEARTH_E_STATE;
      h->violation(d, std::string(fn) + " called after the device stopped");
      d = nullptr;
    }
    return d;
  }

  static const FakeDevice::ResolvedParam *param(FakeDevice &d, const char *name) {
    if (name == nullptr) return nullptr;
    auto it = d.params_.find(name);
    return it == d.params_.end() ? nullptr : &it->second;
  }

  /* -- [any thread] -- */

  static void log(hearth_device *dev, int32_t level, const char *message) {
    FakeHost *h = active_fake_host();
    if (h == nullptr) return;
    FakeDevice *d = dev ? lookup(*h, dev) : nullptr;
    if (dev != nullptr && d == nullptr)
      h->violation(nullptr, "log: a device handle the host never gave out");
    h->add_log(d, level, message ? message : "(null)");
  }
  static int64_t now_mono_ns() {
    FakeHost *h = active_fake_host();
    return h ? h->now_mono_ns() : 0;
  }
  static int64_t now_wall_ms() {
    FakeHost *h = active_fake_host();
    return h ? h->now_wall_ms() : 0;
  }
  static int32_t post(hearth_device *dev, hearth_callback_fn fn, void *user) {
    FakeHost *h = active_fake_host();
    if (h == nullptr) return HEARTH_E_STATE;
    FakeDevice *d = lookup(*h, dev);
    if (d == nullptr || fn == nullptr) return HEARTH_E_INVALID;
    if (!alive(*d)) {
      h->violation(d, "post called after the device stopped");
      return HEARTH_E_STATE;
    }
    std::lock_guard<std::mutex> lock(h->shared_mutex_);
    h->posted_.push_back({d, d->generation_.load(), fn, user});
    h->shared_changed_.notify_all();
    return HEARTH_OK;
  }

  /* -- [core thread] -- */

  static void set_error(hearth_device *dev, const char *message) {
    int32_t status = HEARTH_OK;
    if (FakeDevice *d = enter(dev, "set_error", status)) d->last_error_ = message ? message : "";
  }
  static int32_t device_id(hearth_device *dev, char *buf, uint32_t size) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "device_id", status);
    return d ? copy_out(d->id_, buf, size) : status;
  }
  static int32_t param_int(hearth_device *dev, const char *name, int64_t *out) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_int", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (out == nullptr || (p->type != HEARTH_PARAM_INT && p->type != HEARTH_PARAM_DURATION))
      return HEARTH_E_INVALID;
    *out = std::stoll(p->text);
    return HEARTH_OK;
  }
  static int32_t param_double(hearth_device *dev, const char *name, double *out) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_double", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (out == nullptr || (p->type != HEARTH_PARAM_DOUBLE && p->type != HEARTH_PARAM_INT))
      return HEARTH_E_INVALID;
    *out = std::stod(p->text);
    return HEARTH_OK;
  }
  static int32_t param_bool(hearth_device *dev, const char *name, int32_t *out) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_bool", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (out == nullptr || p->type != HEARTH_PARAM_BOOL) return HEARTH_E_INVALID;
    *out = p->text == "true" ? 1 : 0;
    return HEARTH_OK;
  }
  static int32_t param_string(hearth_device *dev, const char *name, char *buf, uint32_t size) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_string", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (p->type == HEARTH_PARAM_LIST) return HEARTH_E_INVALID;
    return copy_out(p->text, buf, size);
  }
  static int32_t param_list_count(hearth_device *dev, const char *name) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_list_count", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (p->type != HEARTH_PARAM_LIST) return HEARTH_E_INVALID;
    return static_cast<int32_t>(p->items.size());
  }
  static int32_t param_list_item(hearth_device *dev, const char *name, uint32_t index, char *buf,
                                 uint32_t size) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "param_list_item", status);
    if (d == nullptr) return status;
    const auto *p = param(*d, name);
    if (p == nullptr) return HEARTH_E_NOT_FOUND;
    if (p->type != HEARTH_PARAM_LIST || index >= p->items.size()) return HEARTH_E_INVALID;
    return copy_out(p->items[index], buf, size);
  }
  static int32_t identity_set(hearth_device *dev, const char *model, const char *serial,
                              const char *firmware) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "identity_set", status);
    if (d == nullptr) return status;
    if (model) d->model = model;
    if (serial) d->serial = serial;
    if (firmware) d->firmware = firmware;
    return HEARTH_OK;
  }

  static int32_t timer_start(hearth_device *dev, uint32_t first_ms, uint32_t period_ms,
                             hearth_callback_fn fn, void *user) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "timer_start", status);
    if (d == nullptr) return status;
    if (fn == nullptr) return HEARTH_E_INVALID;
    FakeHost &h = *d->host_;
    const int32_t id = h.next_timer_id_++;
    h.timers_[id] = {d,
                     d->generation_.load(),
                     h.now_mono_ns() + int64_t{first_ms} * 1'000'000,
                     int64_t{period_ms} * 1'000'000,
                     fn,
                     user};
    return id;
  }
  static int32_t timer_cancel(hearth_device *dev, int32_t timer_id) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "timer_cancel", status);
    if (d == nullptr) return status;
    auto it = d->host_->timers_.find(timer_id);
    if (it == d->host_->timers_.end() || it->second.device != d) return HEARTH_E_NOT_FOUND;
    d->host_->timers_.erase(it);
    return HEARTH_OK;
  }
  static int32_t fd_watch(hearth_device *dev, int32_t fd, uint32_t events, hearth_fd_fn fn,
                          void *user) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "fd_watch", status);
    if (d == nullptr) return status;
    if (fd < 0 || fn == nullptr || (events & (HEARTH_FD_READ | HEARTH_FD_WRITE)) == 0)
      return HEARTH_E_INVALID;
    d->host_->fd_watches_[fd] = {d, d->generation_.load(), events, fn, user};
    return HEARTH_OK;
  }
  static int32_t fd_unwatch(hearth_device *dev, int32_t fd) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "fd_unwatch", status);
    if (d == nullptr) return status;
    auto it = d->host_->fd_watches_.find(fd);
    if (it == d->host_->fd_watches_.end() || it->second.device != d) return HEARTH_E_NOT_FOUND;
    d->host_->fd_watches_.erase(it);
    return HEARTH_OK;
  }
  static int32_t work_submit(hearth_device *dev, hearth_callback_fn work, hearth_callback_fn done,
                             void *user) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "work_submit", status);
    if (d == nullptr) return status;
    if (work == nullptr) return HEARTH_E_INVALID;
    FakeHost &h = *d->host_;
    // work() runs on a thread of its own (as on hearthd's pool), joined before done() runs.
    h.pending_.push_back({d, d->generation_.load(), h.now_mono_ns(),
                          [done, user] {
                            if (done) done(user);
                          },
                          [work, user] { std::thread(work, user).join(); }});
    return HEARTH_OK;
  }

  static int32_t point_declare(hearth_device *dev, const char *name, int32_t value_type,
                               const char *unit, uint32_t max_age_ms) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "point_declare", status);
    if (d == nullptr) return status;
    if (name == nullptr || name[0] == '\0' || std::strlen(name) > kPointNameMax ||
        std::strchr(name, '/') != nullptr || value_type < HEARTH_VALUE_DOUBLE ||
        value_type > HEARTH_VALUE_STRING || d->points.count(name))
      return HEARTH_E_INVALID;
    PointRecord record;
    record.id = static_cast<int32_t>(d->points.size());
    record.name = name;
    record.value_type = value_type;
    record.unit = unit ? unit : "";
    record.max_age_ms = max_age_ms;
    d->points[name] = record;
    return record.id;
  }
  static int32_t point_publish(hearth_device *dev, int32_t point_id, const hearth_value *value,
                               int64_t sampled_mono_ns, int32_t quality) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "point_publish", status);
    if (d == nullptr) return status;
    auto point = std::find_if(d->points.begin(), d->points.end(),
                              [&](const auto &p) { return p.second.id == point_id; });
    if (point == d->points.end() || value == nullptr) return HEARTH_E_INVALID;
    if (quality == HEARTH_QUALITY_STALE) {
      d->host_->violation(d, "point_publish with quality STALE (the host sets it, not plugins)");
      return HEARTH_E_INVALID;
    }
    if (quality != HEARTH_QUALITY_GOOD && quality != HEARTH_QUALITY_INVALID)
      return HEARTH_E_INVALID;
    if (value->type != point->second.value_type) return HEARTH_E_INVALID;
    if (value->type == HEARTH_VALUE_STRING &&
        strnlen(value->as.s, HEARTH_VALUE_STRING_MAX) == HEARTH_VALUE_STRING_MAX)
      return HEARTH_E_INVALID;
    point->second.publications.push_back(
        {*value, sampled_mono_ns, quality, d->host_->now_mono_ns()});
    return HEARTH_OK;
  }

  static int32_t capability_register(hearth_device *dev, const char *capability,
                                     const hearth_arg *limits, uint32_t limit_count) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "capability_register", status);
    if (d == nullptr) return status;
    if (capability == nullptr || !is_known_capability(capability) ||
        limit_count > kCapabilityLimitsMax || (limit_count > 0 && limits == nullptr) ||
        d->capabilities.count(capability))
      return HEARTH_E_INVALID;
    d->capabilities[capability] = std::vector<hearth_arg>(limits, limits + limit_count);
    return HEARTH_OK;
  }
  static int32_t command_complete(hearth_device *dev, uint64_t command_id, int32_t result,
                                  const char *message) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "command_complete", status);
    if (d == nullptr) return status;
    auto c = std::find_if(d->commands.begin(), d->commands.end(),
                          [&](const CommandRecord &r) { return r.id == command_id; });
    if (c == d->commands.end()) {
      d->host_->violation(d, "command_complete for unknown command " + std::to_string(command_id));
      return HEARTH_E_NOT_FOUND;
    }
    if (result > 0) return HEARTH_E_INVALID;
    if (++c->plugin_completions > 1) {
      d->host_->violation(d, "command " + std::to_string(command_id) + " completed twice");
      return HEARTH_E_STATE;
    }
    if (c->completed_by_host) return HEARTH_OK;  // too late: ignored (plugin.h, commands)
    c->status = result;
    c->message = message ? message : "";
    return HEARTH_OK;
  }

  static int32_t alarm_raise(hearth_device *dev, int32_t code, int32_t severity, const char *text) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "alarm_raise", status);
    if (d == nullptr) return status;
    if (severity < HEARTH_SEVERITY_WARNING || severity > HEARTH_SEVERITY_CRITICAL ||
        text == nullptr)
      return HEARTH_E_INVALID;
    AlarmRecord &a = d->alarms[code];
    if (!a.active) ++a.raise_count;
    a.code = code;
    a.severity = severity;
    a.text = text;
    a.active = true;
    return HEARTH_OK;
  }
  static int32_t alarm_clear(hearth_device *dev, int32_t code) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "alarm_clear", status);
    if (d == nullptr) return status;
    auto it = d->alarms.find(code);
    if (it != d->alarms.end()) it->second.active = false;
    return HEARTH_OK;
  }

  static int32_t kv_get(hearth_device *dev, const char *key, void *buf, uint32_t size) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "kv_get", status);
    if (d == nullptr) return status;
    if (key == nullptr || key[0] == '\0') return HEARTH_E_INVALID;
    auto &store = d->host_->kv_[d->id_];
    auto it = store.find(key);
    if (it == store.end()) return HEARTH_E_NOT_FOUND;
    if (it->second.size() > size || (buf == nullptr && !it->second.empty()))
      return HEARTH_E_TOO_SMALL;
    if (!it->second.empty()) std::memcpy(buf, it->second.data(), it->second.size());
    return static_cast<int32_t>(it->second.size());
  }
  static int32_t kv_set(hearth_device *dev, const char *key, const void *data, uint32_t length) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "kv_set", status);
    if (d == nullptr) return status;
    if (key == nullptr || key[0] == '\0' || length > kKvValueMaxBytes ||
        (data == nullptr && length > 0))
      return HEARTH_E_INVALID;
    const auto *bytes = static_cast<const uint8_t *>(data);
    d->host_->kv_[d->id_][key] = std::vector<uint8_t>(bytes, bytes + length);
    return HEARTH_OK;
  }

  static int32_t modbus_submit(hearth_device *dev, const hearth_modbus_request *request,
                               hearth_modbus_done_fn done, void *user, uint64_t *request_id) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "modbus_submit", status);
    if (d == nullptr) return status;
    FakeHost &h = *d->host_;
    if (d->creating_) {
      h.violation(d, "modbus_submit from create() (create must not start I/O)");
      return HEARTH_E_STATE;
    }
    if (d->options_.link.empty()) return HEARTH_E_DENIED;
    const std::string bad = check_request(request);
    if (!bad.empty() || done == nullptr) {
      d->last_error_ = bad;
      return HEARTH_E_INVALID;
    }
    const uint64_t id = h.next_request_id_++;
    if (request_id) *request_id = id;
    h.modbus_.requests_.push_back({d->id_, id, *request, h.now_mono_ns()});
    FakeModbus::Outcome outcome = h.modbus_.execute(*request);
    const uint32_t timeout_ms =
        request->timeout_ms ? request->timeout_ms : h.options_.default_modbus_timeout_ms;
    const int64_t delay_ms =
        outcome.status == HEARTH_E_TIMEOUT ? timeout_ms : h.modbus_.latency_ms_;
    const int64_t ready_ns = h.now_mono_ns() + delay_ms * 1'000'000;
    h.pending_.push_back({d, d->generation_.load(), ready_ns, [&h, id, outcome, done, user] {
                            hearth_modbus_result result{};
                            result.struct_size = sizeof result;
                            result.status = outcome.status;
                            result.request_id = id;
                            result.received_mono_ns = h.now_mono_ns();
                            result.exception_code = outcome.exception_code;
                            result.count = static_cast<uint32_t>(outcome.values.size());
                            result.values =
                                outcome.values.empty() ? nullptr : outcome.values.data();
                            done(user, &result);
                          }});
    return HEARTH_OK;
  }
  static int32_t failsafe_register(hearth_device *dev, const hearth_modbus_request *writes,
                                   uint32_t count) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "failsafe_register", status);
    if (d == nullptr) return status;
    if (d->options_.link.empty()) return HEARTH_E_DENIED;
    if (count > kFailsafeWritesMax || (count > 0 && writes == nullptr)) return HEARTH_E_INVALID;
    for (uint32_t i = 0; i < count; ++i)
      if (!check_request(&writes[i]).empty() || !is_write(writes[i].function))
        return HEARTH_E_INVALID;
    d->failsafe_writes.assign(writes, writes + count);
    ++d->failsafe_registrations;
    return HEARTH_OK;
  }

  static bool granted(const FakeDevice &d, const char *channel, const char *kind) {
    return channel != nullptr && std::strncmp(channel, kind, 2) == 0 &&
           std::find(d.options_.hal_channels.begin(), d.options_.hal_channels.end(), channel) !=
               d.options_.hal_channels.end();
  }
  static int32_t hal_do_set(hearth_device *dev, const char *channel, int32_t level) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "hal_do_set", status);
    if (d == nullptr) return status;
    if (!granted(*d, channel, "DO")) return HEARTH_E_DENIED;
    if (level != 0 && level != 1) return HEARTH_E_INVALID;
    d->host_->do_levels_[channel] = level;
    return HEARTH_OK;
  }
  static int32_t hal_di_get(hearth_device *dev, const char *channel, int32_t *level) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "hal_di_get", status);
    if (d == nullptr) return status;
    if (!granted(*d, channel, "DI")) return HEARTH_E_DENIED;
    if (level == nullptr) return HEARTH_E_INVALID;
    *level = d->host_->di_levels_[channel];
    return HEARTH_OK;
  }
  static int32_t hal_ct_subscribe(hearth_device *dev, const char *channel, hearth_ct_fn fn,
                                  void *user) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "hal_ct_subscribe", status);
    if (d == nullptr) return status;
    if (!granted(*d, channel, "CT")) return HEARTH_E_DENIED;
    if (fn == nullptr) return HEARTH_E_INVALID;
    d->host_->ct_subscriptions_.push_back({d, d->generation_.load(), channel, fn, user});
    return HEARTH_OK;
  }

  static int32_t health_set(hearth_device *dev, int32_t online, const char *reason) {
    int32_t status = HEARTH_OK;
    FakeDevice *d = enter(dev, "health_set", status);
    if (d == nullptr) return status;
    if (online != 0 && online != 1) return HEARTH_E_INVALID;
    const std::string why = reason ? reason : "";
    if (d->health.empty() || d->health.back().online != (online == 1) ||
        d->health.back().reason != why)
      d->health.push_back({online == 1, why, d->host_->now_mono_ns()});
    return HEARTH_OK;
  }
};

hearth_host_api FakeHost::make_api() {
  using A = FakeHostAccess;
  hearth_host_api api{};
  api.struct_size = sizeof api;
  api.abi_version = HEARTH_ABI_VERSION;
  api.log = &A::log;
  api.now_mono_ns = &A::now_mono_ns;
  api.now_wall_ms = &A::now_wall_ms;
  api.post = &A::post;
  api.set_error = &A::set_error;
  api.device_id = &A::device_id;
  api.param_int = &A::param_int;
  api.param_double = &A::param_double;
  api.param_bool = &A::param_bool;
  api.param_string = &A::param_string;
  api.param_list_count = &A::param_list_count;
  api.param_list_item = &A::param_list_item;
  api.identity_set = &A::identity_set;
  api.timer_start = &A::timer_start;
  api.timer_cancel = &A::timer_cancel;
  api.fd_watch = &A::fd_watch;
  api.fd_unwatch = &A::fd_unwatch;
  api.work_submit = &A::work_submit;
  api.point_declare = &A::point_declare;
  api.point_publish = &A::point_publish;
  api.capability_register = &A::capability_register;
  api.command_complete = &A::command_complete;
  api.alarm_raise = &A::alarm_raise;
  api.alarm_clear = &A::alarm_clear;
  api.kv_get = &A::kv_get;
  api.kv_set = &A::kv_set;
  api.modbus_submit = &A::modbus_submit;
  api.failsafe_register = &A::failsafe_register;
  api.hal_do_set = &A::hal_do_set;
  api.hal_di_get = &A::hal_di_get;
  api.hal_ct_subscribe = &A::hal_ct_subscribe;
  api.health_set = &A::health_set;
  return api;
}

}  // namespace hearth::testing
