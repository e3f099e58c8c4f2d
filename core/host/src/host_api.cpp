// hearth_host_api: the functions plugins call. Each one finds the calling device from its handle,
// checks the thread rule of plugin.h, and forwards to the runtime's parts.
#include "hearth/host/host_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cstring>

#include "hearth/host/journal_log.hpp"
#include "hearth/host/runtime.hpp"

namespace hearth::host {

namespace {

// --- helpers ------------------------------------------------------------------------------------

Device *device_of(hearth_device *handle) { return handle ? handle->device : nullptr; }

int32_t copy_out(const std::string &text, char *buf, uint32_t size) {
  if (buf == nullptr || text.size() + 1 > size) return HEARTH_E_TOO_SMALL;
  std::memcpy(buf, text.c_str(), text.size() + 1);
  return static_cast<int32_t>(text.size());
}

// Resolves the device for a [core thread] function. From another thread the call is refused and
// the device is disabled, because the plugin broke the threading contract.
Device *core_thread_device(hearth_device *handle, const char *function) {
  Device *device = device_of(handle);
  if (device == nullptr) return nullptr;
  Runtime &runtime = device->runtime;
  if (runtime.on_core_thread()) return device;
  const std::string_view name = std::string_view(function).substr(sizeof("host_") - 1);
  const std::string reason = "called " + std::string(name) +
                             " from a thread of its own; only log, the clocks and post are "
                             "thread-safe (plugin.h, THREADS)";
  spdlog::error("device {}: {}", device->id, reason);
  auto shared = runtime.find_device(device->id);
  boost::asio::post(runtime.io(), [&runtime, shared, reason] {
    if (shared != nullptr && shared->state == DeviceState::Running) {
      runtime.disable_device(*shared, reason);
    }
  });
  return nullptr;
}

#define HEARTH_CORE_DEVICE(handle)                                 \
  Device *device = core_thread_device(handle, __func__);           \
  if (device == nullptr) {                                         \
    return device_of(handle) ? HEARTH_E_WRONG_THREAD : HEARTH_E_INVALID; \
  }

const config::ParamValue *find_param(Device &device, const char *name) {
  if (name == nullptr) return nullptr;
  auto found = device.config.params.find(name);
  return found == device.config.params.end() ? nullptr : &found->second;
}

template <typename T>
int32_t param_as(hearth_device *handle, const char *name, T *out, const char *function) {
  Device *device = core_thread_device(handle, function);
  if (device == nullptr) return device_of(handle) ? HEARTH_E_WRONG_THREAD : HEARTH_E_INVALID;
  const auto *value = find_param(*device, name);
  if (value == nullptr || out == nullptr) return HEARTH_E_NOT_FOUND;
  if (const auto *i = std::get_if<int64_t>(value)) {
    *out = static_cast<T>(*i);
  } else if (const auto *d = std::get_if<double>(value)) {
    if constexpr (std::is_floating_point_v<T>) {
      *out = *d;
    } else {
      return HEARTH_E_INVALID;
    }
  } else if (const auto *b = std::get_if<bool>(value)) {
    *out = static_cast<T>(*b);
  } else {
    return HEARTH_E_INVALID;
  }
  return HEARTH_OK;
}

// --- [any thread] ---------------------------------------------------------------------------------

void host_log(hearth_device *handle, int32_t level, const char *message) {
  Device *device = device_of(handle);
  const char *text = message ? message : "";
  const auto spd_level = level <= HEARTH_LOG_DEBUG  ? spdlog::level::debug
                         : level == HEARTH_LOG_INFO ? spdlog::level::info
                         : level == HEARTH_LOG_WARN ? spdlog::level::warn
                                                    : spdlog::level::err;
  if (device == nullptr) {
    spdlog::log(spd_level, "plugin: {}", text);
    return;
  }
  if (!device->runtime.log_limiter_allows(device->id)) return;
  const ScopedLogSource source({device->id, device->plugin.id});  // the journal's HEARTH_ fields
  spdlog::log(spd_level, "[{}] {}", device->id, text);
}

int64_t host_now_mono_ns() { return SystemClock::instance().mono_ns(); }
int64_t host_now_wall_ms() { return SystemClock::instance().wall_ms(); }

int32_t host_post(hearth_device *handle, hearth_callback_fn fn, void *user) {
  Device *device = device_of(handle);
  if (device == nullptr || fn == nullptr) return HEARTH_E_INVALID;
  // A post racing with stop() reads the old generation and is dropped, as it must be.
  Runtime &runtime = device->runtime;
  if (!device->accepting_posts.load()) return HEARTH_E_STATE;
  const uint64_t generation = device->generation.load();
  boost::asio::post(runtime.io(), [device, generation, fn, user] {
    device->runtime.call_plugin(*device, generation, "post", [&] { fn(user); });
  });
  return HEARTH_OK;
}

// --- [core thread] --------------------------------------------------------------------------------

void host_set_error(hearth_device *handle, const char *message) {
  Device *device = core_thread_device(handle, __func__);
  if (device != nullptr) device->last_error = message ? message : "";
}

int32_t host_device_id(hearth_device *handle, char *buf, uint32_t size) {
  HEARTH_CORE_DEVICE(handle);
  return copy_out(device->id, buf, size);
}

int32_t host_param_int(hearth_device *handle, const char *name, int64_t *out) {
  return param_as(handle, name, out, __func__);
}
int32_t host_param_double(hearth_device *handle, const char *name, double *out) {
  return param_as(handle, name, out, __func__);
}
int32_t host_param_bool(hearth_device *handle, const char *name, int32_t *out) {
  return param_as(handle, name, out, __func__);
}

int32_t host_param_string(hearth_device *handle, const char *name, char *buf, uint32_t size) {
  HEARTH_CORE_DEVICE(handle);
  const auto *value = find_param(*device, name);
  if (value == nullptr) return HEARTH_E_NOT_FOUND;
  const auto *text = std::get_if<std::string>(value);
  return text ? copy_out(*text, buf, size) : HEARTH_E_INVALID;
}

int32_t host_param_list_count(hearth_device *handle, const char *name) {
  HEARTH_CORE_DEVICE(handle);
  const auto *value = find_param(*device, name);
  if (value == nullptr) return HEARTH_E_NOT_FOUND;
  const auto *list = std::get_if<std::vector<std::string>>(value);
  return list ? static_cast<int32_t>(list->size()) : HEARTH_E_INVALID;
}

int32_t host_param_list_item(hearth_device *handle, const char *name, uint32_t index, char *buf,
                             uint32_t size) {
  HEARTH_CORE_DEVICE(handle);
  const auto *value = find_param(*device, name);
  if (value == nullptr) return HEARTH_E_NOT_FOUND;
  const auto *list = std::get_if<std::vector<std::string>>(value);
  if (list == nullptr) return HEARTH_E_INVALID;
  if (index >= list->size()) return HEARTH_E_NOT_FOUND;
  return copy_out((*list)[index], buf, size);
}

int32_t host_identity_set(hearth_device *handle, const char *model, const char *serial,
                          const char *firmware) {
  HEARTH_CORE_DEVICE(handle);
  if (model) device->model = model;
  if (serial) device->serial = serial;
  if (firmware) device->firmware = firmware;
  spdlog::info("[{}] identity: model '{}', serial '{}', firmware '{}'", device->id, device->model,
               device->serial, device->firmware);
  return HEARTH_OK;
}

int32_t host_timer_start(hearth_device *handle, uint32_t first_ms, uint32_t period_ms,
                         hearth_callback_fn fn, void *user) {
  HEARTH_CORE_DEVICE(handle);
  if (fn == nullptr) return HEARTH_E_INVALID;
  return device->runtime.start_timer(*device, first_ms, period_ms, fn, user);
}

int32_t host_timer_cancel(hearth_device *handle, int32_t timer_id) {
  HEARTH_CORE_DEVICE(handle);
  auto found = device->timers.find(timer_id);
  if (found == device->timers.end()) return HEARTH_E_NOT_FOUND;
  found->second->cancel();
  device->timers.erase(found);
  return HEARTH_OK;
}

int32_t host_fd_watch(hearth_device *handle, int32_t fd, uint32_t events, hearth_fd_fn fn,
                      void *user) {
  HEARTH_CORE_DEVICE(handle);
  if (fn == nullptr || fd < 0 || (events & (HEARTH_FD_READ | HEARTH_FD_WRITE)) == 0) {
    return HEARTH_E_INVALID;
  }
  return device->runtime.watch_fd(*device, fd, events, fn, user);
}

int32_t host_fd_unwatch(hearth_device *handle, int32_t fd) {
  HEARTH_CORE_DEVICE(handle);
  auto found = device->fd_watches.find(fd);
  if (found == device->fd_watches.end()) return HEARTH_E_NOT_FOUND;
  found->second->cancel();
  found->second->release();  // the plugin owns the descriptor: never close it
  device->fd_watches.erase(found);
  return HEARTH_OK;
}

int32_t host_work_submit(hearth_device *handle, hearth_callback_fn work, hearth_callback_fn done,
                         void *user) {
  HEARTH_CORE_DEVICE(handle);
  if (work == nullptr) return HEARTH_E_INVALID;
  device->runtime.submit_work(*device, work, done, user);
  return HEARTH_OK;
}

int32_t host_point_declare(hearth_device *handle, const char *name, int32_t value_type,
                           const char *unit, uint32_t max_age_ms) {
  HEARTH_CORE_DEVICE(handle);
  if (name == nullptr || *name == '\0') return HEARTH_E_INVALID;
  const int32_t id = device->runtime.points().declare(device->id + "/" + name, value_type,
                                                      unit ? unit : "", max_age_ms);
  if (id >= 0) device->points.insert(id);
  return id;
}

int32_t host_point_publish(hearth_device *handle, int32_t point_id, const hearth_value *value,
                           int64_t sampled_mono_ns, int32_t quality) {
  HEARTH_CORE_DEVICE(handle);
  if (value == nullptr || !device->points.contains(point_id)) return HEARTH_E_INVALID;
  if (quality == HEARTH_QUALITY_STALE) return HEARTH_E_INVALID;  // the host decides staleness
  return device->runtime.points().publish(point_id, *value, sampled_mono_ns, quality);
}

int32_t host_capability_register(hearth_device *handle, const char *capability,
                                 const hearth_arg *limits, uint32_t limit_count) {
  HEARTH_CORE_DEVICE(handle);
  if (capability == nullptr || (limit_count > 0 && limits == nullptr)) return HEARTH_E_INVALID;
  std::vector<hearth_arg> copied(limits, limits + limit_count);
  return device->runtime.capabilities().register_capability(device->id, capability, copied);
}

int32_t host_command_complete(hearth_device *handle, uint64_t command_id, int32_t status,
                              const char *message) {
  HEARTH_CORE_DEVICE(handle);
  return device->runtime.commands().complete(device->id, command_id, status,
                                             message ? message : "");
}

int32_t host_alarm_raise(hearth_device *handle, int32_t code, int32_t severity, const char *text) {
  HEARTH_CORE_DEVICE(handle);
  if (severity < HEARTH_SEVERITY_WARNING || severity > HEARTH_SEVERITY_CRITICAL) {
    return HEARTH_E_INVALID;
  }
  device->runtime.alarms().raise(device->id, code, severity, text ? text : "",
                                 device->runtime.clock().wall_ms());
  return HEARTH_OK;
}

int32_t host_alarm_clear(hearth_device *handle, int32_t code) {
  HEARTH_CORE_DEVICE(handle);
  device->runtime.alarms().clear(device->id, code, device->runtime.clock().wall_ms());
  return HEARTH_OK;
}

int32_t host_kv_get(hearth_device *handle, const char *key, void *buf, uint32_t size) {
  HEARTH_CORE_DEVICE(handle);
  if (key == nullptr) return HEARTH_E_INVALID;
  const auto value = device->runtime.kv().get(device->id, key);
  if (!value) return HEARTH_E_NOT_FOUND;
  if (buf == nullptr && size == 0) return static_cast<int32_t>(value->size());
  if (value->size() > size || buf == nullptr) return HEARTH_E_TOO_SMALL;
  if (!value->empty()) std::memcpy(buf, value->data(), value->size());
  return static_cast<int32_t>(value->size());
}

int32_t host_kv_set(hearth_device *handle, const char *key, const void *data, uint32_t length) {
  HEARTH_CORE_DEVICE(handle);
  if (key == nullptr || (data == nullptr && length > 0)) return HEARTH_E_INVALID;
  return device->runtime.kv().set(device->id, key,
                                  std::span(static_cast<const uint8_t *>(data), length));
}

int32_t host_modbus_submit(hearth_device *handle, const hearth_modbus_request *request,
                           hearth_modbus_done_fn done, void *user, uint64_t *request_id) {
  HEARTH_CORE_DEVICE(handle);
  if (request == nullptr || done == nullptr) return HEARTH_E_INVALID;
  if (device->link == nullptr) {
    device->last_error = "device has no link in its configuration";
    return HEARTH_E_DENIED;
  }
  hearth_modbus_request copy{};
  std::memcpy(&copy, request, std::min<size_t>(request->struct_size, sizeof copy));
  copy.struct_size = sizeof copy;
  if (auto problem = device->link->check_request(copy); !problem.empty()) {
    device->last_error = problem;
    return HEARTH_E_INVALID;
  }
  const uint64_t id = device->runtime.submit_modbus(*device, copy, done, user);
  if (request_id != nullptr) *request_id = id;
  return HEARTH_OK;
}

int32_t host_failsafe_register(hearth_device *handle, const hearth_modbus_request *writes,
                               uint32_t count) {
  HEARTH_CORE_DEVICE(handle);
  if (device->link == nullptr) return HEARTH_E_DENIED;
  if (count > 0 && writes == nullptr) return HEARTH_E_INVALID;
  std::vector<hearth_modbus_request> copies;
  for (uint32_t i = 0; i < count; ++i) {
    hearth_modbus_request copy{};
    std::memcpy(&copy, &writes[i], std::min<size_t>(writes[i].struct_size, sizeof copy));
    copy.struct_size = sizeof copy;
    copy.priority = HEARTH_PRIO_SAFETY;
    if (!is_failsafe_write(copy)) {
      device->last_error = "fail-safe entry " + std::to_string(i) + " is not a write";
      return HEARTH_E_INVALID;
    }
    copies.push_back(copy);
  }
  return device->runtime.register_failsafe(*device, std::move(copies));
}

int32_t host_hal_do_set(hearth_device *handle, const char *channel, int32_t level) {
  HEARTH_CORE_DEVICE(handle);
  return device->runtime.hal_do_set(*device, channel ? channel : "", level);
}

int32_t host_hal_di_get(hearth_device *handle, const char *channel, int32_t *level) {
  HEARTH_CORE_DEVICE(handle);
  if (level == nullptr) return HEARTH_E_INVALID;
  return device->runtime.hal_di_get(*device, channel ? channel : "", *level);
}

int32_t host_hal_ct_subscribe(hearth_device *handle, const char *channel, hearth_ct_fn fn,
                              void *user) {
  HEARTH_CORE_DEVICE(handle);
  if (fn == nullptr) return HEARTH_E_INVALID;
  return device->runtime.hal_ct_subscribe(*device, channel ? channel : "", fn, user);
}

int32_t host_health_set(hearth_device *handle, int32_t online, const char *reason) {
  HEARTH_CORE_DEVICE(handle);
  device->runtime.health().set(device->id, online != 0, reason ? reason : "",
                               device->runtime.clock().wall_ms());
  return HEARTH_OK;
}

const hearth_host_api kHostApi = {
    sizeof(hearth_host_api),
    HEARTH_ABI_VERSION,
    host_log,
    host_now_mono_ns,
    host_now_wall_ms,
    host_post,
    host_set_error,
    host_device_id,
    host_param_int,
    host_param_double,
    host_param_bool,
    host_param_string,
    host_param_list_count,
    host_param_list_item,
    host_identity_set,
    host_timer_start,
    host_timer_cancel,
    host_fd_watch,
    host_fd_unwatch,
    host_work_submit,
    host_point_declare,
    host_point_publish,
    host_capability_register,
    host_command_complete,
    host_alarm_raise,
    host_alarm_clear,
    host_kv_get,
    host_kv_set,
    host_modbus_submit,
    host_failsafe_register,
    host_hal_do_set,
    host_hal_di_get,
    host_hal_ct_subscribe,
    host_health_set,
};

}  // namespace

const hearth_host_api &host_api_table() { return kHostApi; }

}  // namespace hearth::host
