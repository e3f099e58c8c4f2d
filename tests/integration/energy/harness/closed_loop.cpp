#include "closed_loop.hpp"

#include <modbus/modbus.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <hearth/sim/control_server.hpp>
#include <limits>
#include <regex>
#include <stdexcept>
#include <thread>

namespace hearth::closed_loop {
namespace {

using nlohmann::json;

constexpr int kLimitFirstRegister = 40125, kLimitLastRegister = 40127;
constexpr int kControlTimeoutMs = 5000;

std::vector<double> doubles(const json &array) {
  std::vector<double> out;
  for (const auto &v : array) out.push_back(v.get<double>());
  return out;
}

}  // namespace

std::string hearthd_binary() {
  return HEARTH_HEARTHD_BIN;
}
std::string sim_binary() {
  return HEARTH_SIM_BIN;
}
std::string repo_root() {
  return HEARTH_REPO_ROOT;
}

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double timing_scale() {
  return testing::sanitized() ? 2.0 : 1.0;
}

double GridSample::ac_sum_w() const {
  double sum = 0;
  for (double w : ac_w) sum += w;
  return sum;
}

bool WriteFrame::is_limit() const {
  const int last = address + static_cast<int>(values.size()) - 1;
  return address <= kLimitLastRegister && last >= kLimitFirstRegister;
}

void SimRecord::append(const SimRecord &more) {
  steps.insert(steps.end(), more.steps.begin(), more.steps.end());
  writes.insert(writes.end(), more.writes.begin(), more.writes.end());
  meter_reads.insert(meter_reads.end(), more.meter_reads.begin(), more.meter_reads.end());
  controls.insert(controls.end(), more.controls.begin(), more.controls.end());
}

SimRecord parse_events(const json &events) {
  SimRecord record;
  for (const auto &event : events) {
    const std::string kind = event.at("kind");
    const int64_t mono_ns = event.at("mono_ns");
    if (kind == "step") {
      record.steps.push_back({mono_ns, event.at("grid_w"), event.at("load_w"),
                              doubles(event.at("ac_w")), doubles(event.at("limit_w")),
                              doubles(event.at("pv_available_w"))});
    } else if (kind == "write") {
      WriteFrame frame{mono_ns, event.at("device"),    event.at("address"),
                       {},      event.at("exception"), event.value("limit_w", 0.0)};
      for (const auto &v : event.at("values")) frame.values.push_back(v.get<int>());
      record.writes.push_back(std::move(frame));
    } else if (kind == "meter_read") {
      record.meter_reads.push_back({event.value("sent_ns", mono_ns), event.at("power_w"),
                                    event.at("frozen"), event.contains("sent_ns")});
    } else if (kind == "control") {
      record.controls.push_back(event);
    }
  }
  return record;
}

// ---- analysis ----

std::optional<int64_t> took_effect_at(const SimRecord &record, const std::string &cmd) {
  for (const auto &control : record.controls) {
    if (control.value("cmd", "") != cmd) continue;
    const int64_t accepted_ns = control.at("mono_ns");
    for (const auto &step : record.steps)
      if (step.mono_ns > accepted_ns) return step.mono_ns;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<int64_t> settled_at(const std::vector<GridSample> &steps, int64_t from_ns,
                                  double bound_export_w) {
  return settled_at(steps, from_ns,
                    [&](const GridSample &step) { return step.export_w() <= bound_export_w; });
}

std::optional<int64_t> settled_at(const std::vector<GridSample> &steps, int64_t from_ns,
                                  const std::function<bool(const GridSample &)> &within) {
  std::optional<int64_t> since;
  for (const auto &step : steps) {
    if (step.mono_ns < from_ns) continue;
    if (!within(step)) {
      since.reset();
    } else if (!since) {
      since = step.mono_ns;
    }
  }
  return since;
}

double max_export_w(const std::vector<GridSample> &steps, int64_t from_ns, int64_t to_ns) {
  double max_w = -std::numeric_limits<double>::infinity();
  for (const auto &step : steps)
    if (step.mono_ns >= from_ns && step.mono_ns <= to_ns) max_w = std::max(max_w, step.export_w());
  return max_w;
}

double mean_grid_w(const std::vector<GridSample> &steps, int64_t from_ns, int64_t to_ns) {
  double sum = 0;
  int count = 0;
  for (const auto &step : steps) {
    if (step.mono_ns < from_ns || step.mono_ns > to_ns) continue;
    sum += step.grid_w;
    ++count;
  }
  return count ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

const GridSample *step_at(const std::vector<GridSample> &steps, int64_t t_ns) {
  const GridSample *found = nullptr;
  for (const auto &step : steps) {
    if (step.mono_ns > t_ns) break;
    found = &step;
  }
  return found;
}

const MeterRead *first_meter_read(const std::vector<MeterRead> &reads, int64_t after_ns,
                                  const std::function<bool(const MeterRead &)> &shows) {
  for (const auto &read : reads)
    if (read.mono_ns >= after_ns && shows(read)) return &read;
  return nullptr;
}

const MeterRead *last_good_meter_read(const std::vector<MeterRead> &reads, int64_t t_ns) {
  const MeterRead *found = nullptr;
  for (const auto &read : reads)
    if (read.sent && !read.frozen && read.mono_ns <= t_ns) found = &read;
  return found;
}

const WriteFrame *first_limit_write(const std::vector<WriteFrame> &writes, int64_t after_ns,
                                    const std::function<bool(const WriteFrame &)> &accept) {
  for (const auto &write : writes)
    if (write.mono_ns >= after_ns && write.is_limit() && (!accept || accept(write))) return &write;
  return nullptr;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, double(values.size()))) - 1;
  return values[index];
}

bool wait_until(const std::function<bool()> &condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds period) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::milliseconds>(timeout * timing_scale());
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(period);  // the poll period of a condition wait
  }
  return true;
}

// ---- hearth-sim ----

SimHouse::SimHouse(const std::string &scenario_yaml, const std::string &dir,
                   std::vector<std::string> extra_args) {
  const std::string scenario = dir + "/scenario.yaml";
  std::ofstream(scenario) << scenario_yaml;
  std::vector<std::string> argv{sim_binary(), "--scenario", scenario,      "--port-base", "0",
                                "--pty-dir",  dir + "/pty", "--repo-root", repo_root()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<testing::ChildProcess>(argv);
  const auto ready = process_->wait_for_line(std::regex("^hearth-sim ready "), 30s);
  if (!ready) throw std::runtime_error("hearth-sim did not start:\n" + process_->output());
  const json endpoints = json::parse(ready->substr(ready->find('{')));
  control_path_ = endpoints.at("control");
  for (const auto &d : endpoints.at("devices")) {
    Device device{d.at("name"), d.at("kind"), "", d.value("rtu", ""), d.at("unit")};
    const std::string tcp = d.value("tcp", "");
    if (!tcp.empty()) device.tcp_port = tcp.substr(tcp.rfind(':') + 1);
    devices_.push_back(device);
  }
}

SimHouse::~SimHouse() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    process_->wait_exit(10s);
  }
}

json SimHouse::ctl(const json &request) {
  const json reply = sim::control_request(control_path_, request, kControlTimeoutMs);
  if (!reply.value("ok", false))
    throw std::runtime_error("hearth-sim refused " + request.dump() + ": " + reply.dump());
  return reply;
}

SimRecord SimHouse::record_since(uint64_t since, uint64_t *next) {
  SimRecord record;
  while (true) {
    const json page = ctl({{"cmd", "events"}, {"since", since}});
    record.append(parse_events(page.at("events")));
    const uint64_t after = page.at("next");
    if (after == since || page.at("events").empty()) break;
    since = after;
  }
  if (next) *next = since;
  return record;
}

std::vector<SimHouse::Device> SimHouse::inverters() const {
  std::vector<Device> out;
  for (const auto &d : devices_)
    if (d.kind == "sun2000") out.push_back(d);
  return out;
}

const SimHouse::Device &SimHouse::device(const std::string &name) const {
  for (const auto &d : devices_)
    if (d.name == name) return d;
  throw std::runtime_error("hearth-sim has no device " + name);
}

void SimHouse::write_registers_rtu(const std::string &name, int address,
                                   const std::vector<uint16_t> &values) {
  const auto &target = device(name);
  modbus_t *ctx = modbus_new_rtu(target.rtu_path.c_str(), 9600, 'N', 8, 1);
  if (ctx == nullptr) throw std::runtime_error("modbus_new_rtu " + target.rtu_path);
  const bool ok = modbus_set_slave(ctx, target.unit) == 0 && modbus_connect(ctx) == 0 &&
                  modbus_write_registers(ctx, address, static_cast<int>(values.size()),
                                         values.data()) == static_cast<int>(values.size());
  const std::string error = ok ? "" : modbus_strerror(errno);
  modbus_close(ctx);
  modbus_free(ctx);
  if (!ok)
    throw std::runtime_error("RTU write of " + std::to_string(address) + " to " + name + ": " +
                             error);
}

// ---- hearthd ----

std::string site_yaml(SimHouse &sim, const SiteOptions &options, const std::string &hal_socket) {
  std::string links, devices;
  for (const auto &inv : sim.inverters()) {
    links += "  " + inv.name + "-tcp: {type: tcp, host: 127.0.0.1, port: " + inv.tcp_port +
             ", timeout: " + options.link_timeout + "}\n";
    std::string params = options.inverter_params;
    if (auto it = options.inverter_extra_params.find(inv.name);
        it != options.inverter_extra_params.end())
      params += ", " + it->second;
    devices += "  - {id: " + inv.name + ", driver: huawei-sun2000, link: " + inv.name +
               "-tcp, unit: " + std::to_string(inv.unit) + ", params: {" + params + "}}\n";
  }
  const auto &meter = sim.device("meter");
  links += "  meter-rtu: {type: rtu, device: " + meter.rtu_path +
           ", baud: 9600, timeout: " + options.link_timeout + "}\n";
  devices +=
      "  - {id: grid, driver: dtsu666, link: meter-rtu, unit: " + std::to_string(meter.unit) +
      ", params: {" + options.meter_params + "}}\n";
  char installed[32];
  std::snprintf(installed, sizeof installed, "%.0f", options.pv_installed_wp);
  // clock: rtc: test machines need not run NTP, and the TOU test injects its own wall clock.
  return std::string("site: {name: closed-loop, grid: three-phase-4w, fuse_a: 63, clock: rtc, ") +
         "pv_installed_wp: " + installed +
         ", location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n" +
         "hal: {backend: sim, sim_control_socket: " + hal_socket +
         (options.hal_extra.empty() ? "" : ", " + options.hal_extra) + "}\n" + "links:\n" + links +
         "devices:\n" + devices + "energy:\n" + options.energy_yaml + "\n";
}

// hearthd's log goes to a file, not to a pipe that nobody drains during a long run.
Hearthd::Hearthd(const std::string &config_yaml, const std::string &dir,
                 std::vector<std::string> extra_env)
    : config_path_(dir + "/hearth.yaml"),
      state_dir_(dir + "/state"),
      hal_socket_(dir + "/hal.sock"),
      log_path_(dir + "/hearthd.log") {
  std::ofstream(config_path_) << config_yaml;
  process_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{"/bin/sh", "-c", "exec \"$0\" \"$@\" >>\"$HEARTHD_LOG\" 2>&1",
                               hearthd_binary(), "--config", config_path_, "--state-dir",
                               state_dir_},
      [&] {
        extra_env.push_back("HEARTHD_LOG=" + log_path_);
        return extra_env;
      }());
}

Hearthd::~Hearthd() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (!process_->wait_exit(10s)) process_->signal(SIGKILL);
  }
}

void Hearthd::kill_hard() {
  process_->signal(SIGKILL);
  process_->wait_exit(10s);
}

std::pair<int, std::string> Hearthd::run_failsafe(std::chrono::milliseconds timeout) {
  testing::ChildProcess failsafe(
      {hearthd_binary(), "--failsafe", "--config", config_path_, "--state-dir", state_dir_});
  const auto status = failsafe.wait_exit(timeout);
  return {status.value_or(-1), failsafe.output()};
}

json Hearthd::hal(const json &request) {
  return sim::control_request(hal_socket_, request, kControlTimeoutMs);
}

std::string Hearthd::log_tail(size_t bytes) {
  std::ifstream in(log_path_);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return log.size() > bytes ? "..." + log.substr(log.size() - bytes) : log;
}

}  // namespace hearth::closed_loop
