// The fake host's engine: plugin loading, device lifetime, the manual clock and the delivery of
// callbacks on the test thread. The C table itself is in fake_host_api.cpp.
#include <dlfcn.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <hearth/testing/fake_host.hpp>
#include <stdexcept>

namespace hearth::testing {
namespace {

std::atomic<FakeHost *> g_active_host{nullptr};
constexpr int64_t kCallBudgetNs = 1'000'000;  // plugin.h THREADS: a call must return within 1 ms

std::string version_text(uint32_t version) {
  return std::to_string(HEARTH_ABI_MAJOR_OF(version)) + "." +
         std::to_string(HEARTH_ABI_MINOR_OF(version));
}

}  // namespace

FakeHost *active_fake_host() {
  return g_active_host.load();
}  // for fake_host_api.cpp

/* ---- Records -------------------------------------------------------------------------------- */

double Publication::number() const {
  switch (value.type) {
    case HEARTH_VALUE_DOUBLE:
      return value.as.d;
    case HEARTH_VALUE_INT:
      return static_cast<double>(value.as.i);
    case HEARTH_VALUE_BOOL:
      return value.as.b;
    default:
      throw std::logic_error("publication is not a number");
  }
}

std::string Publication::text() const {
  if (value.type != HEARTH_VALUE_STRING) throw std::logic_error("publication is not text");
  return std::string(value.as.s, strnlen(value.as.s, HEARTH_VALUE_STRING_MAX));
}

const Publication &PointRecord::last() const {
  if (publications.empty()) throw std::logic_error("point '" + name + "' was never published");
  return publications.back();
}

/* ---- Devices -------------------------------------------------------------------------------- */

int32_t FakeDevice::start() {
  if (state_ != State::kCreated)
    throw std::logic_error("start() on device '" + id_ + "' that is not created");
  int32_t status = HEARTH_E_INTERNAL;
  last_error_.clear();
  state_ = State::kRunning;
  host_->call_plugin(this, [&] { status = driver_->start(instance_); });
  if (status != HEARTH_OK) {
    state_ = State::kCreated;
    ++generation_;  // drop whatever the failed start queued
  }
  return status;
}

void FakeDevice::stop() {
  if (state_ != State::kRunning) return;
  stopping_ = true;
  host_->call_plugin(this, [&] { driver_->stop(instance_); });
  stopping_ = false;
  state_ = State::kStopped;
  ++generation_;  // everything still queued for this device is dropped
}

void FakeDevice::destroy() {
  if (state_ == State::kRunning) stop();
  if (state_ != State::kCreated && state_ != State::kStopped) return;
  stopping_ = true;  // destroy may still cancel timers or log
  host_->call_plugin(this, [&] { driver_->destroy(instance_); });
  stopping_ = false;
  instance_ = nullptr;
  state_ = State::kDestroyed;
  ++generation_;
}

uint64_t FakeDevice::command(const std::string &capability, const std::string &name,
                             const std::vector<std::pair<std::string, hearth_value>> &args,
                             int64_t deadline_ms, int32_t priority) {
  if (state_ != State::kRunning)
    throw std::logic_error("command to device '" + id_ + "' that is not running");
  if (args.size() > HEARTH_COMMAND_ARGS_MAX) throw std::invalid_argument("too many command args");
  hearth_command cmd{};
  cmd.struct_size = sizeof cmd;
  cmd.priority = priority;
  cmd.id = host_->next_command_id_++;
  cmd.deadline_mono_ns = host_->now_mono_ns() + deadline_ms * 1'000'000;
  snprintf(cmd.capability, sizeof cmd.capability, "%s", capability.c_str());
  snprintf(cmd.name, sizeof cmd.name, "%s", name.c_str());
  cmd.arg_count = static_cast<uint32_t>(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    snprintf(cmd.args[i].name, sizeof cmd.args[i].name, "%s", args[i].first.c_str());
    cmd.args[i].value = args[i].second;
  }
  CommandRecord record;
  record.id = cmd.id;
  record.capability = capability;
  record.name = name;
  commands.push_back(record);
  deadlines_[cmd.id] = cmd.deadline_mono_ns;
  int32_t status = HEARTH_E_INTERNAL;
  last_error_.clear();
  host_->call_plugin(this, [&] { status = driver_->command(instance_, &cmd); });
  CommandRecord &stored = *std::find_if(commands.begin(), commands.end(),
                                        [&](const CommandRecord &c) { return c.id == cmd.id; });
  stored.call_status = status;
  if (status < 0 && stored.plugin_completions > 0)
    host_->violation(this, "command " + std::to_string(cmd.id) +
                               " completed by the plugin and failed by command()'s return value");
  if (status < 0 && !stored.status) {
    stored.status = status;
    stored.message = last_error_;
    stored.completed_by_host = true;
  }
  return cmd.id;
}

const CommandRecord &FakeDevice::command_record(uint64_t command_id) const {
  for (const auto &c : commands)
    if (c.id == command_id) return c;
  throw std::out_of_range("no command " + std::to_string(command_id));
}

const PointRecord &FakeDevice::point(const std::string &name) const {
  auto it = points.find(name);
  if (it == points.end())
    throw std::out_of_range("device '" + id_ + "' has no point '" + name + "'");
  return it->second;
}

bool FakeDevice::alarm_active(int32_t code) const {
  auto it = alarms.find(code);
  return it != alarms.end() && it->second.active;
}

size_t FakeDevice::active_timers() const {
  size_t n = 0;
  for (const auto &[id, timer] : host_->timers_)
    if (timer.device == this && timer.generation == generation_) ++n;
  return n;
}

/* ---- The host ------------------------------------------------------------------------------- */

FakeHost::FakeHost() : FakeHost(Options()) {}

FakeHost::FakeHost(Options options)
    : options_(options),
      api_(make_api()),
      core_thread_(std::this_thread::get_id()),
      mono_ns_(options.start_mono_ns),
      wall_ms_(options.start_wall_ms) {
  api_.abi_version = options.abi_version;
  FakeHost *expected = nullptr;
  if (!g_active_host.compare_exchange_strong(expected, this))
    throw std::logic_error("only one hearth::testing::FakeHost may exist at a time");
}

FakeHost::~FakeHost() {
  for (auto &device : devices_) device->destroy();
  g_active_host.store(nullptr);
}

template <class Fn>
void FakeHost::call_plugin(FakeDevice *device, Fn &&fn) {
  FakeDevice *outer = calling_;
  calling_ = device;
  const auto began = std::chrono::steady_clock::now();
  fn();
  const int64_t took_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began)
          .count();
  calling_ = outer;
  if (device == nullptr) return;
  device->longest_call_ns = std::max(device->longest_call_ns, took_ns);
  if (took_ns > kCallBudgetNs) ++device->slow_calls;
}

std::string FakeHost::check_descriptor(const hearth_plugin_desc &desc) const {
  if (desc.struct_size < sizeof(hearth_plugin_desc))
    return "descriptor struct_size " + std::to_string(desc.struct_size) + " is too small";
  if (HEARTH_ABI_MAJOR_OF(desc.abi_version) != HEARTH_ABI_MAJOR_OF(api_.abi_version))
    return std::string("plugin '") + (desc.id ? desc.id : "?") + "' was built for ABI " +
           version_text(desc.abi_version) + ", the host offers " + version_text(api_.abi_version);
  if (desc.min_host_abi > api_.abi_version)
    return std::string("plugin '") + (desc.id ? desc.id : "?") + "' needs host ABI " +
           version_text(desc.min_host_abi) + ", the host offers " + version_text(api_.abi_version);
  if (desc.id == nullptr || desc.id[0] == '\0') return "plugin has no id";
  if (desc.driver_count == 0 || desc.drivers == nullptr) return "plugin has no drivers";
  for (const hearth_plugin_desc *loaded : plugins_)
    if (std::string(loaded->id) == desc.id)
      return std::string("duplicate plugin id '") + desc.id + "'";
  for (uint32_t i = 0; i < desc.driver_count; ++i) {
    const auto &d = *reinterpret_cast<const hearth_driver_desc *>(
        reinterpret_cast<const char *>(desc.drivers) + i * desc.drivers[0].struct_size);
    if (d.name == nullptr || !d.create || !d.start || !d.command || !d.stop || !d.destroy)
      return "driver " + std::to_string(i) + " lacks a name or a vtable function";
    if (d.param_count > 0 && d.params == nullptr)
      return std::string("driver '") + d.name + "' has no params";
  }
  return "";
}

const hearth_plugin_desc *FakeHost::load(hearth_plugin_entry_fn entry) {
  load_error_.clear();
  const hearth_plugin_desc *desc = nullptr;
  call_plugin(nullptr, [&] { desc = entry(api_.abi_version, &api_); });
  if (desc == nullptr) {
    load_error_ = "the entry function returned NULL";
    return nullptr;
  }
  load_error_ = check_descriptor(*desc);
  if (!load_error_.empty()) return nullptr;
  plugins_.push_back(desc);
  return desc;
}

const hearth_plugin_desc *FakeHost::load_library(const std::string &path) {
  // Never closed: plugin.h, "The host never unloads a plugin library".
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    load_error_ = std::string("dlopen failed: ") + dlerror();
    return nullptr;
  }
  void *symbol = dlsym(library, HEARTH_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    load_error_ = path + " exports no " HEARTH_PLUGIN_ENTRY_SYMBOL;
    return nullptr;
  }
  return load(reinterpret_cast<hearth_plugin_entry_fn>(symbol));
}

const hearth_driver_desc *FakeHost::find_driver(const std::string &name) const {
  for (const hearth_plugin_desc *p : plugins_)
    for (uint32_t i = 0; i < p->driver_count; ++i) {
      const auto *d = reinterpret_cast<const hearth_driver_desc *>(
          reinterpret_cast<const char *>(p->drivers) + i * p->drivers[0].struct_size);
      if (name == d->name) return d;
    }
  return nullptr;
}

FakeDevice &FakeHost::create_device(const std::string &id, const std::string &driver,
                                    const Params &params, DeviceOptions options) {
  for (const auto &d : devices_)
    if (d->id_ == id && d->state_ != FakeDevice::State::kDestroyed)
      throw std::logic_error("device '" + id + "' exists");
  devices_.push_back(std::unique_ptr<FakeDevice>(new FakeDevice()));
  FakeDevice &device = *devices_.back();
  {
    std::lock_guard<std::mutex> lock(shared_mutex_);
    known_devices_.push_back(&device);
  }
  device.host_ = this;
  device.id_ = id;
  device.driver_name_ = driver;
  device.options_ = std::move(options);
  device.driver_ = find_driver(driver);
  if (device.driver_ == nullptr) {
    device.create_status_ = HEARTH_E_NOT_FOUND;
    device.last_error_ = "no loaded plugin offers driver '" + driver + "'";
    return device;
  }
  device.last_error_ = resolve_params(device, params);
  if (!device.last_error_.empty()) {
    device.create_status_ = HEARTH_E_INVALID;
    return device;
  }
  device.state_ = FakeDevice::State::kCreated;
  device.creating_ = true;
  call_plugin(&device, [&] {
    device.create_status_ = device.driver_->create(device.handle(), &device.instance_);
  });
  device.creating_ = false;
  if (device.create_status_ != HEARTH_OK) {
    device.state_ = FakeDevice::State::kCreateFailed;
    ++device.generation_;
  }
  return device;
}

FakeDevice &FakeHost::device(const std::string &id) {
  for (auto it = devices_.rbegin(); it != devices_.rend(); ++it)
    if ((*it)->id_ == id) return **it;
  throw std::out_of_range("no device '" + id + "'");
}

std::optional<int32_t> FakeHost::do_level(const std::string &channel) const {
  auto it = do_levels_.find(channel);
  if (it == do_levels_.end()) return std::nullopt;
  return it->second;
}

void FakeHost::push_ct_block(const std::string &channel, double sample_rate_hz,
                             const std::vector<float> &voltage_v,
                             const std::vector<float> &current_a) {
  const int64_t first_ns = now_mono_ns();
  for (const CtSubscription &s : ct_subscriptions_) {
    if (s.channel != channel) continue;
    pending_.push_back({s.device, s.generation, first_ns, [=] {
                          hearth_ct_block block{};
                          block.struct_size = sizeof block;
                          block.channel = static_cast<uint32_t>(channel.back() - '1');
                          block.first_sample_mono_ns = first_ns;
                          block.sample_rate_hz = sample_rate_hz;
                          block.count =
                              static_cast<uint32_t>(std::min(voltage_v.size(), current_a.size()));
                          block.voltage_v = voltage_v.data();
                          block.current_a = current_a.data();
                          s.fn(s.user, &block);
                        }});
  }
}

/* ---- Records shared with plugin threads ----------------------------------------------------- */

void FakeHost::violation(const FakeDevice *device, const std::string &rule) {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  violations_.push_back({device ? device->id_ : "", rule});
  shared_changed_.notify_all();
}

void FakeHost::add_log(const FakeDevice *device, int32_t level, const std::string &message) {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  logs_.push_back({device ? device->id_ : "", level, message});
  shared_changed_.notify_all();
}

std::vector<LogLine> FakeHost::logs() const {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  return logs_;
}

bool FakeHost::logged(const std::string &substring) const {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  return std::any_of(logs_.begin(), logs_.end(), [&](const LogLine &l) {
    return l.message.find(substring) != std::string::npos;
  });
}

std::vector<Violation> FakeHost::violations() const {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  return violations_;
}

/* ---- Delivery ------------------------------------------------------------------------------- */

bool FakeHost::deliverable(const FakeDevice *device, uint32_t generation) const {
  return device->state_ == FakeDevice::State::kRunning && device->generation_ == generation;
}

size_t FakeHost::fire_due_timers() {
  size_t fired = 0;
  for (;;) {
    auto due = std::min_element(timers_.begin(), timers_.end(), [](const auto &a, const auto &b) {
      return a.second.due_ns < b.second.due_ns;
    });
    if (due == timers_.end() || due->second.due_ns > now_mono_ns()) return fired;
    const Timer timer = due->second;
    if (!deliverable(timer.device, timer.generation) || timer.period_ns == 0) {
      timers_.erase(due);
    } else {
      due->second.due_ns += timer.period_ns;
    }
    if (!deliverable(timer.device, timer.generation)) continue;
    call_plugin(timer.device, [&] { timer.fn(timer.user); });
    ++fired;
  }
}

size_t FakeHost::poll_fds() {
  std::vector<pollfd> fds;
  for (const auto &[fd, watch] : fd_watches_) {
    short events = 0;
    if (watch.events & HEARTH_FD_READ) events |= POLLIN;
    if (watch.events & HEARTH_FD_WRITE) events |= POLLOUT;
    fds.push_back({fd, events, 0});
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), 0) <= 0) return 0;
  size_t delivered = 0;
  for (const pollfd &p : fds) {
    auto watch = fd_watches_.find(p.fd);
    if (p.revents == 0 || watch == fd_watches_.end()) continue;
    FdWatch w = watch->second;
    if (!deliverable(w.device, w.generation)) continue;
    uint32_t ready = 0;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) ready |= HEARTH_FD_READ;
    if (p.revents & POLLOUT) ready |= HEARTH_FD_WRITE;
    call_plugin(w.device, [&] { w.fn(w.user, p.fd, ready); });
    ++delivered;
  }
  return delivered;
}

size_t FakeHost::expire_commands() {
  size_t expired = 0;
  for (auto &device : devices_)
    for (CommandRecord &c : device->commands) {
      auto deadline = device->deadlines_.find(c.id);
      if (c.status || deadline == device->deadlines_.end() || deadline->second > now_mono_ns())
        continue;
      c.status = HEARTH_E_TIMEOUT;
      c.message = "deadline passed";
      c.completed_by_host = true;
      ++expired;
    }
  return expired;
}

size_t FakeHost::run_pending() {
  size_t delivered = 0;
  // Bounded, so a plugin that re-posts from every post cannot hang the test.
  for (int round = 0; round < 1000; ++round) {
    size_t this_round = 0;
    std::vector<Posted> posted;
    {
      std::lock_guard<std::mutex> lock(shared_mutex_);
      posted.swap(posted_);
    }
    for (const Posted &p : posted)
      pending_.push_back({p.device, p.generation, now_mono_ns(), [p] { p.fn(p.user); }});
    // Only what was queued before this pass: callbacks queue more for the next round.
    std::deque<Pending> batch;
    batch.swap(pending_);
    for (Pending &item : batch) {
      if (item.ready_ns > now_mono_ns()) {
        pending_.push_back(std::move(item));
        continue;
      }
      if (!deliverable(item.device, item.generation)) continue;
      if (item.prepare) item.prepare();
      call_plugin(item.device, item.deliver);
      ++this_round;
    }
    this_round += poll_fds();
    this_round += fire_due_timers();
    expire_commands();
    delivered += this_round;
    if (this_round == 0) break;
  }
  return delivered;
}

std::optional<int64_t> FakeHost::next_event_ns() const {
  std::optional<int64_t> next;
  auto consider = [&](int64_t t) {
    if (t > now_mono_ns() && (!next || t < *next)) next = t;
  };
  for (const auto &[id, t] : timers_) consider(t.due_ns);
  for (const Pending &p : pending_) consider(p.ready_ns);
  for (const auto &device : devices_)
    for (const CommandRecord &c : device->commands)
      if (!c.status) consider(device->deadlines_.at(c.id));
  return next;
}

void FakeHost::advance_ns(int64_t ns) {
  const int64_t target = now_mono_ns() + ns;
  run_pending();
  for (auto next = next_event_ns(); next && *next <= target; next = next_event_ns()) {
    wall_ms_ += (*next - now_mono_ns()) / 1'000'000;
    mono_ns_ = *next;
    run_pending();
  }
  wall_ms_ += (target - now_mono_ns()) / 1'000'000;
  mono_ns_ = target;
  run_pending();
}

bool FakeHost::wait_until(const std::function<bool()> &pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    run_pending();
    if (pred()) return true;
    std::unique_lock<std::mutex> lock(shared_mutex_);
    if (!posted_.empty()) continue;
    if (shared_changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lock.unlock();
      run_pending();
      return pred();
    }
  }
}

}  // namespace hearth::testing
