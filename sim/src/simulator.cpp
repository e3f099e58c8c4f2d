#include "hearth/sim/simulator.hpp"

#include <chrono>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "hearth/sim/control_server.hpp"

namespace hearth::sim {
namespace {

using nlohmann::json;
constexpr int kMaxStepsPerLock = 2000;  // let endpoints in during long accelerated catch-ups
constexpr double kDefaultRebootS = 5.0;
// About 30 minutes of 100 ms steps with the Modbus traffic of a small site.
constexpr size_t kEventCapacity = 200'000;
constexpr size_t kDefaultEventsPerReply = 5000;
constexpr double kMaxRampS = 86'400;
// The DTSU666's total active power Pt (CHINT block) and its twin in the Huawei block
// (protocols.md §4); a SUN2000 republishes the meter's power at 37113 (§1).
constexpr uint16_t kMeterPowerRegisters[] = {0x2012, 2126};
constexpr uint16_t kInverterMeterPowerRegister = 37113;

std::string meter_name() {
  return "meter";
}

const char *grid_mode_name(GridPointMode mode) {
  switch (mode) {
    case GridPointMode::kUnlimited:
      return "unlimited";
    case GridPointMode::kDiScheduling:
      return "di_scheduling";
    case GridPointMode::kZeroExport:
      return "zero_export";
    case GridPointMode::kLimitedW:
      return "limited_w";
    case GridPointMode::kLimitedPct:
      return "limited_pct";
  }
  return "unknown";
}

json reading_json(const MeterReading &r) {
  json phases = json::array();
  for (const auto &p : r.phase)
    phases.push_back(
        {{"voltage_v", p.voltage_v}, {"current_a", p.current_a}, {"power_w", p.power_w}});
  return {{"power_w", r.power_w},
          {"frequency_hz", r.frequency_hz},
          {"import_kwh", r.import_wh / 1000.0},
          {"export_kwh", r.export_wh / 1000.0},
          {"phases", phases}};
}

json error(const std::string &message) {
  return {{"ok", false}, {"error", message}};
}

uint16_t be16(const uint8_t *p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

bool covers(uint16_t address, uint16_t count, uint16_t reg) {
  return address <= reg && reg < address + count;
}

// Commands that only look: not logged as control events.
bool read_only_command(const std::string &cmd) {
  return cmd == "status" || cmd == "events";
}

// A ramp length from a request: absent means a step.
double ramp_seconds(const json &request) {
  const double ramp_s = request.value("ramp_s", 0.0);
  if (ramp_s < 0 || ramp_s > kMaxRampS) throw std::invalid_argument("'ramp_s' must be 0..86400");
  return ramp_s;
}

}  // namespace

Simulator::Simulator(Scenario scenario)
    : scenario_(std::move(scenario)),
      house_(scenario_, make_pv_profile(scenario_), make_load_profile(scenario_)),
      speed_(scenario_.time.speed),
      events_(kEventCapacity) {
  for (size_t i = 0; i < house_.inverters().size(); ++i) {
    devices_.push_back(
        std::make_unique<Sun2000Device>(house_.inverters()[i], i, scenario_.time.start_utc_s));
    faults_[house_.inverters()[i].settings.name] = {};
  }
  if (scenario_.meter.present && scenario_.meter.wiring == MeterWiring::kOwnRtuBus)
    devices_.push_back(std::make_unique<Dtsu666Device>(scenario_.meter));
  faults_[meter_name()] = {};
  for (const auto &ct : scenario_.ct_channels) ct_channels_.emplace_back(ct);
  for (auto &device : devices_) device->refresh(house_, meter_view_locked());
}

Simulator::~Simulator() {
  stop();
}

MeterView Simulator::meter_view_locked() const {
  const auto &f = faults_.at(meter_name());
  return {frozen_meter_ ? *frozen_meter_ : house_.meter(), !f.link_down && !f.no_answer};
}

DeviceFaults &Simulator::faults_of(const std::string &device) {
  return faults_.at(device);
}

void Simulator::start() {
  const auto &ep = scenario_.endpoints;
  const std::filesystem::path pty_dir(ep.pty_dir);
  std::map<std::string, std::vector<RtuBusEndpoint::Member>> buses;
  for (size_t i = 0; i < devices_.size(); ++i) {
    auto &device = *devices_[i];
    if (auto *inverter = dynamic_cast<Sun2000Device *>(&device)) {
      const auto &settings = house_.inverters()[inverter->index()].settings;
      const int port = settings.tcp_port >= 0 ? settings.tcp_port
                       : ep.port_base == 0    ? 0
                                              : ep.port_base + static_cast<int>(inverter->index());
      tcp_.push_back(std::make_unique<TcpEndpoint>(*this, i, port, ep.single_tcp_client));
      tcp_device_.push_back(i);
      buses[settings.rtu_bus].push_back({i, device.unit()});
    } else {
      buses[scenario_.meter.rtu_bus].push_back({i, device.unit()});
    }
  }
  for (auto &[name, members] : buses)
    rtu_.push_back(std::make_unique<RtuBusEndpoint>(*this, name, (pty_dir / name).string(), members,
                                                    scenario_.endpoints.rtu_wire_baud));
  const std::string control_path =
      ep.control_socket.empty() ? (pty_dir / "control.sock").string() : ep.control_socket;
  control_ =
      std::make_unique<ControlServer>(control_path, [this](const json &r) { return command(r); });
  for (auto &endpoint : tcp_) endpoint->start();
  for (auto &endpoint : rtu_) endpoint->start();
  control_->start();
  clock_thread_ = std::thread([this] { run_clock(); });
}

void Simulator::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  clock_changed_.notify_all();
  if (clock_thread_.joinable()) clock_thread_.join();
  if (control_) control_->stop();
  for (auto &endpoint : tcp_) endpoint->stop();
  for (auto &endpoint : rtu_) endpoint->stop();
}

json Simulator::endpoints() const {
  json devices = json::array();
  for (size_t i = 0; i < devices_.size(); ++i) {
    const auto &device = *devices_[i];
    json entry = {{"name", device.name()}, {"kind", device.kind()}, {"unit", device.unit()}};
    for (size_t k = 0; k < tcp_.size(); ++k)
      if (tcp_device_[k] == i) entry["tcp"] = "127.0.0.1:" + std::to_string(tcp_[k]->port());
    const auto *inverter = dynamic_cast<const Sun2000Device *>(&device);
    const std::string bus =
        inverter ? house_.inverters()[inverter->index()].settings.rtu_bus : scenario_.meter.rtu_bus;
    for (const auto &endpoint : rtu_)
      if (endpoint->name() == bus) entry["rtu"] = endpoint->link_path();
    devices.push_back(entry);
  }
  return {{"control", control_ ? control_->path() : ""}, {"devices", devices}};
}

void Simulator::run_clock() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mutex_);
  Clock::time_point anchor_real;
  int64_t anchor_sim_ms = 0;
  while (!stopping_) {
    if (clock_reanchor_) {
      anchor_real = Clock::now();
      anchor_sim_ms = house_.now_ms();
      clock_reanchor_ = false;
    }
    if (speed_ <= 0) {
      clock_changed_.wait(lock, [this] { return stopping_ || clock_reanchor_; });
      continue;
    }
    const double elapsed_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - anchor_real).count();
    const auto target_ms = anchor_sim_ms + static_cast<int64_t>(elapsed_ms * speed_);
    int budget = kMaxStepsPerLock;
    while (house_.now_ms() + house_.step_ms() <= target_ms && budget-- > 0) step_locked();
    if (budget < 0) {
      lock.unlock();
      lock.lock();
      continue;
    }
    const double next_ms =
        static_cast<double>(house_.now_ms() + house_.step_ms() - anchor_sim_ms) / speed_;
    const auto next_real = anchor_real + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double, std::milli>(next_ms));
    clock_changed_.wait_until(lock, next_real, [this] { return stopping_ || clock_reanchor_; });
  }
}

void Simulator::step_locked() {
  house_.step();
  json ac = json::array(), limit = json::array(), pv = json::array();
  for (const auto &inv : house_.inverters()) {
    ac.push_back(inv.state.ac_power_w);
    limit.push_back(inv.derating_cap_w(house_.now_ms()));
    pv.push_back(inv.state.pv_available_w);
  }
  events_.append("step", {{"sim_ms", house_.now_ms()},
                          {"grid_w", house_.grid_w()},
                          {"load_w", house_.load_w()},
                          {"ac_w", std::move(ac)},
                          {"limit_w", std::move(limit)},
                          {"pv_available_w", std::move(pv)}});
}

void Simulator::advance_locked(int64_t duration_ms) {
  const int64_t steps = (duration_ms + house_.step_ms() - 1) / house_.step_ms();
  for (int64_t i = 0; i < steps; ++i) step_locked();
  clock_reanchor_ = true;
}

void Simulator::notify_endpoints() {
  for (auto &endpoint : tcp_) endpoint->wake();
  for (auto &endpoint : rtu_) endpoint->wake();
}

bool Simulator::link_up(size_t device) {
  std::lock_guard lock(mutex_);
  const auto &d = *devices_[device];
  return !faults_of(d.name()).link_down && !d.booting(house_);
}

ServeDecision Simulator::serve(size_t device, uint8_t unit, const uint8_t *pdu, size_t length,
                               Transport transport) {
  std::lock_guard lock(mutex_);
  auto &d = *devices_[device];
  const auto &f = faults_of(d.name());
  ServeDecision decision;
  if (f.link_down || d.booting(house_) || length == 0) return decision;
  decision.answer = true;
  // A directly connected inverter answers its own unit id and 0 (protocols.md §1, unit ids).
  if (transport == Transport::kTcp && unit != d.unit() && unit != 0) {
    decision.pdu = exception_pdu(pdu[0], ModbusException::kGatewayTargetFailed);
    return decision;
  }
  d.note_master_frame(house_);
  if (f.no_answer) return ServeDecision{};
  d.refresh(house_, meter_view_locked());
  decision.pdu = reply_pdu(d, house_, pdu, length);
  log_request(d, pdu, length, decision.pdu, transport, decision);
  ++requests_served_;
  decision.delay_ms = f.delay_ms;
  decision.malformed = f.malformed;
  decision.crc_broken = f.crc_broken && transport == Transport::kRtu;
  return decision;
}

void Simulator::reply_sent(uint64_t event_seq) {
  const int64_t now_ns = monotonic_now_ns();
  std::lock_guard lock(mutex_);
  events_.stamp_sent(event_seq, now_ns);
}

// Writes (every one, refused ones with their exception) and the meter reads that carry the grid
// power, so a test can tell when a value left the meter and when a limit reached an inverter.
void Simulator::log_request(const ModbusDevice &device, const uint8_t *pdu, size_t length,
                            const Bytes &reply, Transport transport, ServeDecision &decision) {
  if (length < 5 || reply.empty()) return;
  const uint8_t function = pdu[0];
  const uint16_t address = be16(pdu + 1);
  const uint8_t exception = (reply[0] & 0x80) ? reply[1] : 0;
  const char *transport_name = transport == Transport::kTcp ? "tcp" : "rtu";
  if (function == 0x06 || function == 0x10) {
    json values = json::array();
    if (function == 0x06) {
      values.push_back(be16(pdu + 3));
    } else {
      const uint16_t count = be16(pdu + 3);
      for (uint16_t i = 0; i < count && 6u + 2u * i + 1 < length; ++i)
        values.push_back(be16(pdu + 6 + 2 * i));
    }
    json event = {{"device", device.name()},     {"transport", transport_name},
                  {"address", address},          {"count", values.size()},
                  {"values", std::move(values)}, {"exception", exception}};
    if (const auto *inverter = dynamic_cast<const Sun2000Device *>(&device))
      event["limit_w"] = house_.inverters()[inverter->index()].derating_cap_w(house_.now_ms());
    decision.event_seq = events_.append("write", std::move(event));
    return;
  }
  if ((function != 0x03 && function != 0x04) || exception != 0) return;
  const uint16_t count = be16(pdu + 3);
  const auto *inverter = dynamic_cast<const Sun2000Device *>(&device);
  bool carries_power = false;
  if (inverter) {
    carries_power = house_.inverters()[inverter->index()].has_meter &&
                    covers(address, count, kInverterMeterPowerRegister);
  } else {
    for (uint16_t reg : kMeterPowerRegisters) carries_power |= covers(address, count, reg);
  }
  if (!carries_power) return;
  const auto view = meter_view_locked();
  decision.event_seq = events_.append("meter_read", {{"device", device.name()},
                                                     {"transport", transport_name},
                                                     {"address", address},
                                                     {"count", count},
                                                     {"power_w", view.reading.power_w},
                                                     {"online", view.online},
                                                     {"frozen", frozen_meter_.has_value()}});
}

json Simulator::inverter_status(const Inverter &inv) const {
  const auto &st = inv.state;
  json out = {{"name", inv.settings.name},
              {"unit", inv.settings.unit},
              {"rated_w", inv.settings.rated_w},
              {"pv_available_w", st.pv_available_w},
              {"pv_w", st.pv_used_w},
              {"ac_power_w", st.ac_power_w},
              {"ac_target_w", st.ac_target_w},
              {"limit_w", inv.derating_cap_w(house_.now_ms())},
              {"derating_pct", inv.controls.derating_pct},
              {"derating_w", inv.controls.derating_w},
              {"grid_mode", grid_mode_name(inv.controls.grid_mode)},
              {"grid_limit_w", inv.controls.grid_limit_w},
              {"running", inv.controls.running},
              {"rebooting", inv.rebooting(house_.now_ms())},
              {"comm_loss", st.comm_loss_active},
              {"peak_ac_today_w", st.peak_ac_today_w},
              {"daily_yield_kwh", st.daily_yield_wh / 1000.0},
              {"total_yield_kwh", st.total_yield_wh / 1000.0},
              {"irradiance_factor", st.irradiance_factor},
              {"response_time_s", inv.settings.response_time_s},
              {"pv_override", st.pv_override_w.has_value()},
              {"has_meter", inv.has_meter}};
  if (inv.battery) {
    const auto &b = *inv.battery;
    out["battery"] = {{"capacity_wh", b.settings.capacity_wh},
                      {"soc_pct", b.soc_pct()},
                      {"power_w", b.state.power_w},
                      {"mode", static_cast<int>(b.controls.mode)},
                      {"forcible", static_cast<int>(b.controls.forcible)},
                      {"max_charge_w", b.controls.max_charge_w},
                      {"max_discharge_w", b.controls.max_discharge_w},
                      {"charged_total_kwh", b.state.charged_total_wh / 1000.0},
                      {"discharged_total_kwh", b.state.discharged_total_wh / 1000.0}};
  }
  return out;
}

json Simulator::status_locked() {
  json inverters = json::array();
  double pv_w = 0, battery_w = 0;
  for (const auto &inv : house_.inverters()) {
    inverters.push_back(inverter_status(inv));
    pv_w += inv.state.pv_used_w;
    if (inv.battery) battery_w += inv.battery->state.power_w;
  }
  json faults = json::object();
  for (const auto &[name, f] : faults_)
    faults[name] = {{"link_down", f.link_down},
                    {"no_answer", f.no_answer},
                    {"malformed", f.malformed},
                    {"crc_broken", f.crc_broken},
                    {"delay_ms", f.delay_ms}};
  json meter = {
      {"present", scenario_.meter.present},
      {"wiring", scenario_.meter.wiring == MeterWiring::kOwnRtuBus ? "rtu" : "behind_inverter"},
      {"frozen", frozen_meter_.has_value()},
      {"served", reading_json(meter_view_locked().reading)},
      {"live", reading_json(house_.meter())}};
  const auto &e = house_.energy();
  uint64_t refused = 0, bad_crc = 0;
  for (const auto &t : tcp_) refused += t->refused_connections();
  for (const auto &r : rtu_) bad_crc += r->bad_crc_frames();
  json ct = json::array();
  for (const auto &c : ct_channels_)
    ct.push_back({{"phase", c.settings().phase},
                  {"gain_error", c.settings().gain_error},
                  {"skew_us", c.settings().skew_us}});
  return {{"ok", true},
          {"time_utc", format_utc_iso8601(house_.now_ms() / 1000)},
          {"sim_ms", house_.now_ms()},
          {"mono_ns", monotonic_now_ns()},
          {"events_next", events_.next_seq()},
          {"speed", speed_},
          {"load_w", house_.load_w()},
          {"grid_w", house_.grid_w()},
          {"pv_w", pv_w},
          {"battery_w", battery_w},
          {"irradiance_factor", house_.irradiance_factor()},
          {"inverters", inverters},
          {"meter", meter},
          {"energy_kwh",
           {{"load", e.load_wh / 1000.0},
            {"pv", e.pv_wh / 1000.0},
            {"ac", e.ac_wh / 1000.0},
            {"battery_charge", e.battery_charge_wh / 1000.0},
            {"battery_discharge", e.battery_discharge_wh / 1000.0},
            {"import", e.import_wh / 1000.0},
            {"export", e.export_wh / 1000.0}}},
          {"faults", faults},
          {"ct_channels", ct},
          {"counters",
           {{"requests_served", requests_served_},
            {"control_errors", control_errors_},
            {"tcp_refused", refused},
            {"rtu_bad_crc_frames", bad_crc}}}};
}

std::vector<CtSampleBlock> Simulator::sample_ct(int64_t start_ns, size_t count,
                                                double sample_rate_hz) {
  std::lock_guard lock(mutex_);
  const auto &reading = house_.meter();
  std::vector<CtSampleBlock> blocks;
  for (const auto &channel : ct_channels_)
    blocks.push_back(channel.sample(reading.phase[channel.settings().phase - 1],
                                    reading.frequency_hz, start_ns, count, sample_rate_hz));
  return blocks;
}

json Simulator::status() {
  std::lock_guard lock(mutex_);
  return status_locked();
}

json Simulator::set_fault(const json &request, const std::string &cmd) {
  const auto device = request.at("device").get<std::string>();
  if (!faults_.count(device)) return error("unknown device '" + device + "'");
  auto &f = faults_[device];
  if (cmd == "delay") {
    const int ms = request.at("ms").get<int>();
    if (ms < 0 || ms > 60000) return error("'ms' must be 0..60000");
    f.delay_ms = ms;
    return {{"ok", true}};
  }
  const bool on = request.value("on", true);
  if (cmd == "link_down") f.link_down = on;
  if (cmd == "no_answer") f.no_answer = on;
  if (cmd == "malformed") f.malformed = on;
  if (cmd == "crc_broken") f.crc_broken = on;
  return {{"ok", true}};
}

json Simulator::command_locked(const json &request, bool &faults_changed) {
  const auto cmd = request.at("cmd").get<std::string>();
  if (cmd == "status") return status_locked();
  if (cmd == "link_down" || cmd == "no_answer" || cmd == "malformed" || cmd == "crc_broken" ||
      cmd == "delay") {
    faults_changed = true;
    return set_fault(request, cmd);
  }
  if (cmd == "clear_faults") {
    for (auto &[name, f] : faults_) f = DeviceFaults{};
    frozen_meter_.reset();
    faults_changed = true;
    return {{"ok", true}};
  }
  if (cmd == "freeze_meter") {
    if (request.value("on", true)) {
      if (!frozen_meter_) frozen_meter_ = house_.meter();
    } else {
      frozen_meter_.reset();
    }
    return {{"ok", true}};
  }
  if (cmd == "reboot") {
    const auto name = request.at("device").get<std::string>();
    const double seconds = request.value("seconds", kDefaultRebootS);
    if (seconds < 0 || seconds > 3600) return error("'seconds' must be 0..3600");
    for (auto &device : devices_) {
      if (device->name() != name || device->kind() != "sun2000") continue;
      device->reboot(house_, seconds);
      device->refresh(house_, meter_view_locked());
      faults_changed = true;
      return {{"ok", true},
              {"until_utc_ms", house_.now_ms() + static_cast<int64_t>(seconds * 1000)}};
    }
    return error("reboot: no inverter named '" + name + "'");
  }
  if (cmd == "set_load") return set_load(request);
  if (cmd == "set_pv") return set_pv(request);
  if (cmd == "set_response_time") return set_response_time(request);
  if (cmd == "events") return events_since(request);
  if (cmd == "set_irradiance") {
    const double factor = request.at("factor").get<double>();
    if (factor < 0 || factor > 2) return error("'factor' must be 0..2");
    if (!request.contains("inverter")) {
      house_.set_irradiance_factor(factor);
      return {{"ok", true}};
    }
    auto *inv = house_.find_inverter(request.at("inverter").get<std::string>());
    if (!inv) return error("set_irradiance: unknown inverter");
    inv->state.irradiance_factor = factor;
    return {{"ok", true}};
  }
  if (cmd == "step") {
    const double seconds = request.at("seconds").get<double>();
    if (seconds < 0 || seconds > 7 * 86400) return error("'seconds' must be 0..604800");
    advance_locked(static_cast<int64_t>(seconds * 1000.0));
    return {{"ok", true}, {"sim_ms", house_.now_ms()}};
  }
  if (cmd == "set_speed") {
    const double factor = request.at("factor").get<double>();
    if (factor < 0 || factor > 100000) return error("'factor' must be 0..100000");
    speed_ = factor;
    clock_reanchor_ = true;
    return {{"ok", true}};
  }
  return error("unknown command '" + cmd + "'");
}

json Simulator::set_load(const json &request) {
  const double ramp_s = ramp_seconds(request);
  if (!request.contains("w") || request.at("w").is_null()) {
    house_.set_load_override_w(std::nullopt);
    return {{"ok", true}};
  }
  const double w = request.at("w").get<double>();
  if (w < 0 || w > 1e6) return error("'w' must be 0..1e6");
  house_.set_load_override_w(w, ramp_s);
  return {{"ok", true}};
}

// PV available in W, for one inverter or for all (split by their kWp), reached over ramp_s.
json Simulator::set_pv(const json &request) {
  const double ramp_s = ramp_seconds(request);
  std::optional<double> w;
  if (request.contains("w") && !request.at("w").is_null()) {
    w = request.at("w").get<double>();
    if (*w < 0 || *w > 1e6) return error("'w' must be 0..1e6");
  }
  if (request.contains("inverter")) {
    auto *inv = house_.find_inverter(request.at("inverter").get<std::string>());
    if (!inv) return error("set_pv: unknown inverter");
    house_.set_pv_override_w(*inv, w, ramp_s);
    return {{"ok", true}};
  }
  double kwp_sum = 0;
  for (const auto &inv : house_.inverters()) kwp_sum += inv.settings.pv_kwp;
  for (auto &inv : house_.inverters()) {
    std::optional<double> share_w;
    if (w) share_w = kwp_sum > 0 ? *w * inv.settings.pv_kwp / kwp_sum : 0.0;
    house_.set_pv_override_w(inv, share_w, ramp_s);
  }
  return {{"ok", true}};
}

json Simulator::set_response_time(const json &request) {
  const double seconds = request.at("s").get<double>();
  if (seconds < 0.01 || seconds > 600) return error("'s' must be 0.01..600");
  bool found = false;
  const std::string only = request.value("inverter", "");
  for (auto &inv : house_.inverters()) {
    if (!only.empty() && inv.settings.name != only) continue;
    inv.settings.response_time_s = seconds;
    found = true;
  }
  if (!found) return error("set_response_time: unknown inverter '" + only + "'");
  return {{"ok", true}};
}

json Simulator::events_since(const json &request) const {
  std::set<std::string> kinds;
  if (request.contains("kinds")) {
    if (!request.at("kinds").is_array()) return error("'kinds' must be a list of event kinds");
    for (const auto &kind : request.at("kinds")) kinds.insert(kind.get<std::string>());
  }
  const auto limit = request.value("limit", kDefaultEventsPerReply);
  if (limit == 0 || limit > kEventCapacity) return error("'limit' must be 1..200000");
  json reply = events_.since(request.value("since", uint64_t{1}), kinds, limit);
  reply["ok"] = true;
  return reply;
}

json Simulator::command(const json &request) {
  bool faults_changed = false;
  json reply;
  {
    std::lock_guard lock(mutex_);
    try {
      reply = command_locked(request, faults_changed);
    } catch (const json::exception &e) {
      reply = error(std::string("bad request: ") + e.what());
    } catch (const std::invalid_argument &e) {
      reply = error(e.what());
    }
    if (!reply.value("ok", false)) {
      ++control_errors_;
    } else if (!read_only_command(request.value("cmd", ""))) {
      events_.append("control", request);
    }
  }
  clock_changed_.notify_all();
  if (faults_changed) notify_endpoints();
  return reply;
}

}  // namespace hearth::sim
