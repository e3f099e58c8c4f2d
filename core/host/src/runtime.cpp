#include "hearth/host/runtime.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "hearth/host/host_api.hpp"
#include "hearth/host/link_settings.hpp"

namespace hearth::host {

namespace {

constexpr const char *kHostSource = "hearthd";

bool granted(const Device &device, const char *kind, const std::string &channel) {
  auto found = device.config.hal.find(kind);
  if (found == device.config.hal.end()) return false;
  return std::find(found->second.begin(), found->second.end(), channel) != found->second.end();
}

}  // namespace

Runtime::Runtime(RuntimeOptions options, const Clock &clock)
    : options_(std::move(options)),
      clock_(clock),
      core_thread_(std::this_thread::get_id()),
      points_(clock_),
      commands_(clock_),
      log_limiter_(clock_),
      failsafe_(options_.state_dir / "failsafe.json"),
      watchdog_(clock_, options_.core_stall_timeout,
                Watchdog::Actions{
                    [this](int64_t stalled_ms) { on_core_stall(stalled_ms); },
                    [this] { on_core_recovered(); },
                    [this] {
                      if (options_.notify_service_manager) sd_notify(0, "WATCHDOG=1");
                    }}),
      loader_(host_api_table()) {
  std::filesystem::create_directories(options_.state_dir);
  if (options_.database_path.empty()) options_.database_path = options_.state_dir / "hearth.db";
  if (options_.database_path.has_parent_path()) {
    std::filesystem::create_directories(options_.database_path.parent_path());
  }
  database_ = std::make_unique<store::Database>(options_.database_path);
  kv_ = std::make_unique<store::KvStore>(*database_);
  settings_ = std::make_unique<store::SettingsStore>(*database_);
  options_.history.database_path = options_.database_path;
  history_ = std::make_unique<HistoryService>(
      points_, alarms_, clock_, io_, workers_, options_.history,
      [this] {
        std::vector<store::IdentityReport> identities;
        for (const auto &device : devices_) {
          identities.push_back({device->id, device->config.driver, device->model, device->serial,
                                device->firmware});
        }
        return identities;
      },
      kv_.get());
}

Runtime::~Runtime() {
  shutdown();
  workers_.join();  // lets a pending fail-safe persist finish
}

// --- configuration ------------------------------------------------------------------------------

void Runtime::apply(const config::Config &config) {
  // Devices whose entry or link changed, or that disappeared, stop first.
  std::set<std::string> changed_links;
  for (const auto &[name, link] : config.links) {
    auto old = link_configs_.find(name);
    if (old == link_configs_.end() ||
        to_json(to_link_settings(old->second)) != to_json(to_link_settings(link))) {
      changed_links.insert(name);
    }
  }
  for (const auto &[name, link] : link_configs_) {
    if (!config.links.contains(name)) changed_links.insert(name);
  }
  std::map<std::string, const config::DeviceConfig *> wanted;
  for (const auto &entry : config.devices) wanted[entry.id] = &entry;

  for (auto it = devices_.rbegin(); it != devices_.rend(); ++it) {
    Device &device = **it;
    auto next = wanted.find(device.id);
    const bool keep = next != wanted.end() && next->second->fingerprint == device.config.fingerprint &&
                      !changed_links.contains(device.config.link) &&
                      device.state == DeviceState::Running;
    if (!keep) stop_device(device);
  }
  std::erase_if(devices_, [&](const std::shared_ptr<Device> &device) {
    if (device->state == DeviceState::Running) return false;
    retired_.push_back(device);  // plugin threads may still hold the handle: keep it alive
    return true;
  });

  apply_links(config, changed_links);
  for (const auto &entry : config.devices) {
    if (find_device(entry.id) == nullptr) start_device(entry);
  }
  spdlog::info("configuration applied: {} device(s) running, {} link(s)", devices_.size(),
               links_.size());
}

void Runtime::apply_links(const config::Config &config, const std::set<std::string> &changed) {
  std::lock_guard lock(links_mutex_);
  for (const auto &name : changed) {
    if (auto old = links_.find(name); old != links_.end()) {
      old->second->stop();
      links_.erase(old);
    }
    link_configs_.erase(name);
    auto entry = config.links.find(name);
    if (entry == config.links.end()) continue;
    auto link = std::make_unique<links::ModbusLink>(to_link_settings(entry->second), clock_);
    link->start();
    links_.emplace(name, std::move(link));
    link_configs_.emplace(name, entry->second);
  }
}

void Runtime::start_device(const config::DeviceConfig &entry) {
  const DriverEntry *driver = loader_.find_driver(entry.driver);
  if (driver == nullptr) {
    spdlog::error("device {}: driver '{}' is not loaded; device not started", entry.id,
                  entry.driver);
    return;
  }
  auto device = std::make_shared<Device>(*this, entry, *driver);
  device->link = entry.link.empty() ? nullptr : find_link(entry.link);
  devices_.push_back(device);
  health_.set(device->id, false, "starting", clock_.wall_ms());

  device->state = DeviceState::Running;  // callbacks are accepted from create() on
  device->accepting_posts = true;
  const uint64_t generation = device->generation.load();
  int32_t status = HEARTH_OK;
  call_plugin(*device, generation, "create",
              [&] { status = device->driver.create(&device->handle, &device->instance); });
  if (status == HEARTH_OK) {
    commands_.register_handler(device->id, [this, device, generation](const hearth_command &c) {
      return deliver_command(device, generation, c);
    });
    call_plugin(*device, generation, "start",
                [&] { status = device->driver.start(device->instance); });
    if (status != HEARTH_OK) {
      const std::string reason = device->take_error("start failed");
      stop_device(*device);
      fail_device(*device, "start: " + reason + " (status " + std::to_string(status) + ")");
      return;
    }
  } else {
    const std::string reason = device->take_error("create failed");
    device->instance = nullptr;
    device->state = DeviceState::Stopped;
    device->accepting_posts = false;
    device->generation++;
    fail_device(*device, "create: " + reason + " (status " + std::to_string(status) + ")");
    return;
  }
  spdlog::info("device {} started (driver {}, plugin {})", device->id, entry.driver,
               device->plugin.id);
}

void Runtime::fail_device(Device &device, const std::string &reason) {
  spdlog::error("device {} not running: {}", device.id, reason);
  device.state = DeviceState::Disabled;
  health_.set(device.id, false, reason, clock_.wall_ms());
  alarms_.raise(device.id, kAlarmDeviceStartFailed, HEARTH_SEVERITY_MAJOR, reason,
                clock_.wall_ms());
}

int32_t Runtime::deliver_command(const std::shared_ptr<Device> &device, uint64_t generation,
                                 const hearth_command &command) {
  // Posted, never called inline: the submitter may itself be inside a host call of this plugin.
  post_for(device, generation, [this, device, generation, command] {
    int32_t status = HEARTH_OK;
    call_plugin(*device, generation, "command",
                [&] { status = device->driver.command(device->instance, &command); });
    if (status < 0) {
      commands_.complete(device->id, command.id, status, device->take_error("command refused"));
    }
  });
  return HEARTH_OK;
}

void Runtime::stop_device(Device &device) {
  if (device.state != DeviceState::Running) return;
  const uint64_t generation = device.generation.load();
  device.accepting_posts = false;
  if (device.instance != nullptr) {
    call_plugin(device, generation, "stop", [&] { device.driver.stop(device.instance); });
  }
  // From here on, everything still in flight for this device is dropped.
  device.state = DeviceState::Stopped;
  device.generation++;
  for (auto &[id, timer] : device.timers) timer->cancel();
  device.timers.clear();
  for (auto &[fd, watch] : device.fd_watches) {
    watch->cancel();
    watch->release();
  }
  device.fd_watches.clear();
  commands_.cancel_device(device.id);
  commands_.unregister_handler(device.id);
  if (device.instance != nullptr) {
    device.driver.destroy(device.instance);
    device.instance = nullptr;
  }
  health_.set(device.id, false, "stopped", clock_.wall_ms());
  spdlog::info("device {} stopped", device.id);
}

void Runtime::disable_device(Device &device, const std::string &reason) {
  if (device.state != DeviceState::Running) return;
  spdlog::error("device {} disabled: {}", device.id, reason);
  stop_device(device);
  device.state = DeviceState::Disabled;
  health_.set(device.id, false, "disabled: " + reason, clock_.wall_ms());
  alarms_.raise(device.id, kAlarmDeviceDisabled, HEARTH_SEVERITY_MAJOR, reason, clock_.wall_ms());
}

void Runtime::account_call_time(Device &device, const char *what,
                                std::chrono::nanoseconds spent) {
  if (spent <= options_.callback_budget) return;
  const auto now = std::chrono::steady_clock::now();
  device.overruns.push_back(now);
  device.overrun_total++;
  while (!device.overruns.empty() && now - device.overruns.front() > options_.overrun_window) {
    device.overruns.pop_front();
  }
  const auto spent_us = std::chrono::duration_cast<std::chrono::microseconds>(spent).count();
  if (log_limiter_allows(device.id)) {
    spdlog::warn("[{}] {} took {} us; the budget is {} us", device.id, what, spent_us,
                 options_.callback_budget.count());
  }
  if (static_cast<int>(device.overruns.size()) >= options_.overruns_to_disable) {
    const std::string reason = "overran its callback budget of " +
                               std::to_string(options_.callback_budget.count()) + " us " +
                               std::to_string(device.overruns.size()) + " times within " +
                               std::to_string(options_.overrun_window.count()) + " ms (last: " +
                               what + ", " + std::to_string(spent_us) + " us)";
    auto shared = find_device(device.id);
    boost::asio::post(io_, [this, shared, reason] {
      if (shared) disable_device(*shared, reason);
    });
  }
}

// --- services for host_api.cpp --------------------------------------------------------------------

bool Runtime::log_limiter_allows(const std::string &device_id) {
  const auto decision = log_limiter_.allow(device_id);
  if (decision.pass && decision.suppressed_before > 0) {
    spdlog::warn("[{}] {} log lines suppressed", device_id, decision.suppressed_before);
  }
  return decision.pass;
}

int32_t Runtime::start_timer(Device &device, uint32_t first_ms, uint32_t period_ms,
                             hearth_callback_fn fn, void *user) {
  const int32_t id = next_timer_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::milliseconds(first_ms));
  auto *raw = timer.get();
  device.timers.emplace(id, std::move(timer));
  arm_timer(find_device(device.id), device.generation.load(), id, raw, period_ms, fn, user);
  return id;
}

void Runtime::arm_timer(std::shared_ptr<Device> device, uint64_t generation, int32_t id,
                        boost::asio::steady_timer *timer, uint32_t period_ms,
                        hearth_callback_fn fn, void *user) {
  timer->async_wait([this, device, generation, id, timer, period_ms, fn,
                     user](const boost::system::error_code &error) {
    if (error || !device->is_live(generation) || !device->timers.contains(id)) return;
    call_plugin(*device, generation, "timer", [&] { fn(user); });
    // The callback may have cancelled this timer, or the device may have been disabled.
    if (!device->is_live(generation) || !device->timers.contains(id)) return;
    if (period_ms == 0) {
      device->timers.erase(id);
      return;
    }
    timer->expires_at(timer->expiry() + std::chrono::milliseconds(period_ms));
    arm_timer(device, generation, id, timer, period_ms, fn, user);
  });
}

int32_t Runtime::watch_fd(Device &device, int32_t fd, uint32_t events, hearth_fd_fn fn,
                          void *user) {
  if (device.fd_watches.contains(fd)) return HEARTH_E_BUSY;
  auto watch = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  auto *raw = watch.get();
  device.fd_watches.emplace(fd, std::move(watch));
  arm_fd(find_device(device.id), device.generation.load(), fd, raw, events, fn, user);
  return HEARTH_OK;
}

void Runtime::arm_fd(std::shared_ptr<Device> device, uint64_t generation, int32_t fd,
                     boost::asio::posix::stream_descriptor *watch, uint32_t events,
                     hearth_fd_fn fn, void *user) {
  const auto wait = (events & HEARTH_FD_READ) ? boost::asio::posix::stream_descriptor::wait_read
                                              : boost::asio::posix::stream_descriptor::wait_write;
  watch->async_wait(wait, [this, device, generation, fd, watch, events, fn,
                           user](const boost::system::error_code &error) {
    if (error || !device->is_live(generation) || !device->fd_watches.contains(fd)) return;
    const uint32_t ready = (events & HEARTH_FD_READ) ? HEARTH_FD_READ : HEARTH_FD_WRITE;
    call_plugin(*device, generation, "fd", [&] { fn(user, fd, ready); });
    if (device->is_live(generation) && device->fd_watches.contains(fd)) {
      arm_fd(device, generation, fd, watch, events, fn, user);
    }
  });
}

void Runtime::submit_work(Device &device, hearth_callback_fn work, hearth_callback_fn done,
                          void *user) {
  auto shared = find_device(device.id);
  const uint64_t generation = device.generation.load();
  boost::asio::post(workers_, [this, shared, generation, work, done, user] {
    work(user);
    if (done == nullptr) return;
    post_for(shared, generation, [this, shared, generation, done, user] {
      call_plugin(*shared, generation, "work done", [&] { done(user); });
    });
  });
}

uint64_t Runtime::submit_modbus(Device &device, const hearth_modbus_request &request,
                                hearth_modbus_done_fn done, void *user) {
  auto shared = find_device(device.id);
  const uint64_t generation = device.generation.load();
  return device.link->submit(request, [this, shared, generation, done,
                                       user](const links::Result &result) {
    // Link thread: hand the result to the core thread.
    post_for(shared, generation, [this, shared, generation, done, user, result] {
      hearth_modbus_result out{};
      out.struct_size = sizeof out;
      out.status = result.status;
      out.request_id = result.request_id;
      out.received_mono_ns = result.received_mono_ns;
      out.exception_code = result.exception_code;
      out.count = static_cast<uint32_t>(result.raw_pdu.empty() ? result.values.size()
                                                               : result.raw_pdu.size());
      out.values = result.values.data();
      out.raw_pdu = result.raw_pdu.data();
      call_plugin(*shared, generation, "modbus done", [&] { done(user, &out); });
    });
  });
}

int32_t Runtime::register_failsafe(Device &device, std::vector<hearth_modbus_request> writes) {
  // In memory at once (the watchdog uses it from now on); the fsync'd file is written on a
  // worker, so the plugin's call is not charged for the disk.
  failsafe_.update(device.id, device.link->settings(), std::move(writes));
  boost::asio::post(workers_, [this, id = device.id] {
    try {
      failsafe_.persist();
    } catch (const std::exception &error) {
      spdlog::critical("fail-safe writes of {} not persisted: {}", id, error.what());
    }
  });
  return HEARTH_OK;
}

int32_t Runtime::hal_do_set(Device &device, const std::string &channel, int32_t level) {
  if (!granted(device, "do", channel)) return HEARTH_E_DENIED;
  if (hal_ == nullptr) return HEARTH_E_NOT_SUPPORTED;
  return hal_->set_digital_output(channel, level != 0) ? HEARTH_OK : HEARTH_E_NOT_FOUND;
}

int32_t Runtime::hal_di_get(Device &device, const std::string &channel, int32_t &level) {
  if (!granted(device, "di", channel)) return HEARTH_E_DENIED;
  if (hal_ == nullptr) return HEARTH_E_NOT_SUPPORTED;
  const auto value = hal_->digital_input(channel);
  if (!value) return HEARTH_E_NOT_FOUND;
  level = *value ? 1 : 0;
  return HEARTH_OK;
}

int32_t Runtime::hal_ct_subscribe(Device &device, const std::string &channel, hearth_ct_fn fn,
                                  void *user) {
  if (!granted(device, "ct", channel)) return HEARTH_E_DENIED;
  if (hal_ == nullptr) return HEARTH_E_NOT_SUPPORTED;
  return hal_->subscribe_ct(device, channel, fn, user);
}

// --- lookup ---------------------------------------------------------------------------------------

std::shared_ptr<Device> Runtime::find_device(std::string_view id) {
  for (const auto &device : devices_) {
    if (device->id == id) return device;
  }
  return nullptr;
}

links::ModbusLink *Runtime::find_link(std::string_view name) {
  auto found = links_.find(name);
  return found == links_.end() ? nullptr : found->second.get();
}

// --- the loop -------------------------------------------------------------------------------------

void Runtime::start_services() {
  if (services_started_) return;
  services_started_ = true;
  schedule_status_log();
  schedule_core_tick();
  schedule_kv_flush();
  schedule_command_expiry();
  history_->start();
  watchdog_.start();
}

void Runtime::run() {
  if (!on_core_thread()) throw std::logic_error("Runtime::run must run on the core thread");
  auto guard = boost::asio::make_work_guard(io_);
  start_services();
  if (options_.notify_service_manager) sd_notify(0, "READY=1");
  io_.run();
  watchdog_.stop();
}

void Runtime::request_stop() {
  boost::asio::post(io_, [this] {
    if (options_.notify_service_manager) sd_notify(0, "STOPPING=1");
    shutdown();
    io_.stop();
  });
}

void Runtime::shutdown() {
  for (auto it = devices_.rbegin(); it != devices_.rend(); ++it) stop_device(**it);
  history_->stop();  // the running minutes and the last alarm changes, written and waited for
  try {
    kv_->flush();
  } catch (const std::exception &error) {
    spdlog::error("key-value flush at shutdown failed: {}", error.what());
  }
  watchdog_.stop();
  std::lock_guard lock(links_mutex_);
  for (auto &[name, link] : links_) link->stop();
  core_tick_.cancel();
  status_log_.cancel();
  kv_flush_.cancel();
  command_expiry_.cancel();
}

void Runtime::schedule_status_log() {
  status_log_.expires_after(options_.status_interval);
  status_log_.async_wait([this](const boost::system::error_code &error) {
    if (error) return;
    size_t fresh = 0;
    for (bus::PointId id = 0; id < static_cast<bus::PointId>(points_.size()); ++id) {
      const auto sample = points_.get(id);
      fresh += sample.has_value && sample.quality == HEARTH_QUALITY_GOOD ? 1 : 0;
    }
    spdlog::info("status: {} of {} devices online, {} of {} points fresh, {} alarms (highest "
                 "severity {})",
                 health_.all().size() - health_.offline_count(), devices_.size(), fresh,
                 points_.size(), alarms_.active_count(), alarms_.highest_severity());
    schedule_status_log();
  });
}

void Runtime::schedule_core_tick() {
  watchdog_.tick();
  core_tick_.expires_after(watchdog_.check_interval());
  core_tick_.async_wait([this](const boost::system::error_code &error) {
    if (!error) schedule_core_tick();
  });
}

void Runtime::schedule_kv_flush() {
  kv_flush_.expires_after(options_.kv_flush_interval);
  kv_flush_.async_wait([this](const boost::system::error_code &error) {
    if (error) return;
    // SQLite writes block: they belong on the worker pool, but the KvStore is core-thread only,
    // and one coalesced transaction per interval is small enough to do here.
    try {
      kv_->flush();
    } catch (const std::exception &flush_error) {
      spdlog::error("key-value flush failed: {}", flush_error.what());
    }
    schedule_kv_flush();
  });
}

void Runtime::schedule_command_expiry() {
  command_expiry_.expires_after(std::chrono::milliseconds(20));
  command_expiry_.async_wait([this](const boost::system::error_code &error) {
    if (error) return;
    commands_.expire_due(clock_.mono_ns());
    schedule_command_expiry();
  });
}

// --- fail-safe --------------------------------------------------------------------------------------

void Runtime::on_core_stall(int64_t stalled_ms) {
  // Watchdog thread: the core is stuck, so act directly on the links.
  spdlog::critical("core loop stalled for {} ms: executing the fail-safe writes", stalled_ms);
  const int64_t when_ms = clock_.wall_ms();
  std::lock_guard lock(links_mutex_);
  const auto outcomes = replay_failsafe(failsafe_.entries(), [this](const links::LinkSettings &s)
                                                                 -> links::ModbusLink & {
    auto found = links_.find(s.name);
    if (found != links_.end()) return *found->second;
    // A link that is no longer configured: open it just for the replay.
    auto &spare = stall_links_[s.name];
    if (!spare) spare = std::make_unique<links::ModbusLink>(s, clock_);
    return *spare;
  });
  for (const auto &outcome : outcomes) {
    spdlog::log(outcome.status == HEARTH_OK ? spdlog::level::warn : spdlog::level::err,
                "fail-safe write {} register {} on {}: {}", outcome.device, outcome.address,
                outcome.link, outcome.status == HEARTH_OK ? "done" : "FAILED");
  }
  stall_writes_done_ += outcomes.size();
  boost::asio::post(io_, [this, stalled_ms, when_ms] {
    alarms_.raise(kHostSource, kAlarmCoreStalled, HEARTH_SEVERITY_CRITICAL,
                  "core loop stalled for " + std::to_string(stalled_ms) +
                      " ms; fail-safe writes executed",
                  when_ms);
  });
}

void Runtime::on_core_recovered() {
  spdlog::warn("core loop running again");
  boost::asio::post(io_, [this] { alarms_.clear(kHostSource, kAlarmCoreStalled, clock_.wall_ms()); });
}

}  // namespace hearth::host
