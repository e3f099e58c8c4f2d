#pragma once
// A closed loop on one machine: hearth-sim (the house, over real Modbus TCP and RTU) and hearthd
// (the real daemon with its plugins and energy manager) as child processes, with the sim's own
// record of what happened (sim/README.md, "Events": physics steps, writes, meter reads, all
// stamped with CLOCK_MONOTONIC) turned into traces that tests and bench/step_response measure.
// Waits are condition waits with a deadline; nothing sleeps for synchronisation.
#include <chrono>
#include <cstdint>
#include <functional>
#include <hearth/testing/child_process.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hearth::closed_loop {

using namespace std::chrono_literals;

// ---- what the sim recorded ----

struct GridSample {  // one physics step
  int64_t mono_ns = 0;
  double grid_w = 0;  // + import / − export
  double load_w = 0;
  std::vector<double> ac_w, limit_w, pv_available_w;  // per inverter, scenario order
  double export_w() const { return -grid_w; }
  double ac_sum_w() const;
};

struct WriteFrame {  // a Modbus write an inverter received
  int64_t mono_ns = 0;
  std::string device;
  int address = 0;
  std::vector<int> values;
  int exception = 0;
  double limit_w = 0;  // the inverter's active-power cap after the write
  // Touches 40125..40127, the active-power derating (protocols.md §1).
  bool is_limit() const;
};

// A meter reply carrying the grid power.
struct MeterRead {
  int64_t mono_ns = 0;  // when the reply left the sim (the sample reaches hearthd then)
  double power_w = 0;
  bool frozen = false;
  bool sent = false;  // the reply went out (a request answered as the link went down may not)
};

struct SimRecord {
  std::vector<GridSample> steps;
  std::vector<WriteFrame> writes;
  std::vector<MeterRead> meter_reads;
  std::vector<nlohmann::json> controls;  // accepted control commands, with mono_ns
  void append(const SimRecord &more);
};

SimRecord parse_events(const nlohmann::json &events);

// ---- analysis over a record (times in CLOCK_MONOTONIC ns) ----

// When the first control command `cmd` of the record (set_load, set_pv, link_down, ...) took
// effect in the physics: the first step after the sim accepted it.
std::optional<int64_t> took_effect_at(const SimRecord &record, const std::string &cmd);
// The earliest time t >= from_ns after which every step up to the end of the record has
// export <= bound_w; nullopt when the last step is still above.
std::optional<int64_t> settled_at(const std::vector<GridSample> &steps, int64_t from_ns,
                                  double bound_export_w);
// The same for any condition on a step (an import bound, a band).
std::optional<int64_t> settled_at(const std::vector<GridSample> &steps, int64_t from_ns,
                                  const std::function<bool(const GridSample &)> &within);
double max_export_w(const std::vector<GridSample> &steps, int64_t from_ns, int64_t to_ns);
double mean_grid_w(const std::vector<GridSample> &steps, int64_t from_ns, int64_t to_ns);
// The last step at or before t_ns (the state at that time).
const GridSample *step_at(const std::vector<GridSample> &steps, int64_t t_ns);
const MeterRead *first_meter_read(const std::vector<MeterRead> &reads, int64_t after_ns,
                                  const std::function<bool(const MeterRead &)> &shows);
// The last good sample hearthd got up to t_ns: a reply that went out, not frozen. A reply already
// on its way when the meter went silent still counts.
const MeterRead *last_good_meter_read(const std::vector<MeterRead> &reads, int64_t t_ns);
const WriteFrame *first_limit_write(const std::vector<WriteFrame> &writes, int64_t after_ns,
                                    const std::function<bool(const WriteFrame &)> &accept = {});

// p-th percentile (0..100) by nearest rank; NaN for an empty set.
double percentile(std::vector<double> values, double p);

int64_t monotonic_ns();
// Timing allowances grow under sanitizers (HEARTH_SANITIZED=1): everything runs 2-5x slower.
double timing_scale();

// ---- the processes ----

// hearth-sim on a scenario, with ephemeral TCP ports and its ptys and control socket in `dir`.
class SimHouse {
 public:
  SimHouse(const std::string &scenario_yaml, const std::string &dir,
           std::vector<std::string> extra_args = {});
  ~SimHouse();

  // One control command; throws std::runtime_error naming the command unless {"ok": true}.
  nlohmann::json ctl(const nlohmann::json &request);
  nlohmann::json status() { return ctl({{"cmd", "status"}}); }
  uint64_t next_seq() { return status().at("events_next"); }
  // Every event from `since` on (all pages), parsed; *next receives the seq to ask for next.
  SimRecord record_since(uint64_t since, uint64_t *next = nullptr);

  struct Device {
    std::string name, kind, tcp_port, rtu_path;
    int unit = 0;
  };
  const std::vector<Device> &devices() const { return devices_; }
  std::vector<Device> inverters() const;
  const Device &device(const std::string &name) const;
  testing::ChildProcess &process() { return *process_; }
  // Writes holding registers of an inverter over its RS485 bus (function 0x10), as the owner's
  // app or an installer tool would while hearthd holds the TCP link. Throws on an error.
  void write_registers_rtu(const std::string &device, int address,
                           const std::vector<uint16_t> &values);

 private:
  std::string control_path_;
  std::vector<Device> devices_;
  std::unique_ptr<testing::ChildProcess> process_;
};

// hearthd finds the plugins of the build next to its binary (../plugins-out).
// The hearthd site for a SimHouse: each inverter over its own Modbus TCP link (id = the sim's
// name), the DTSU666 on its RS485 pty as `grid`, the sim HAL with a control socket, and the
// `energy:` section given.
struct SiteOptions {
  double pv_installed_wp = 10000;
  std::string energy_yaml;  // the body of `energy:` (indented by the caller or flow style)
  std::string inverter_params =
      "fast_interval: 200ms, poll_interval: 1s, offline_after: 2, "
      "retry_min: 200ms, retry_max: 1s";
  std::map<std::string, std::string> inverter_extra_params;  // per inverter name
  std::string meter_params =
      "fast_interval: 200ms, poll_interval: 2s, offline_after: 2, "
      "retry_min: 200ms, retry_max: 1s";
  std::string link_timeout = "300ms";
  std::string hal_extra;  // more keys of the `hal:` map (flow style), e.g. "di: {...}"
};

std::string site_yaml(SimHouse &sim, const SiteOptions &options, const std::string &hal_socket);

class Hearthd {
 public:
  // Writes the config to dir/hearth.yaml and starts hearthd on it (state in dir/state).
  Hearthd(const std::string &config_yaml, const std::string &dir,
          std::vector<std::string> extra_env = {});
  ~Hearthd();

  const std::string &config_path() const { return config_path_; }
  const std::string &state_dir() const { return state_dir_; }
  const std::string &hal_socket() const { return hal_socket_; }
  testing::ChildProcess &process() { return *process_; }
  void kill_hard();  // SIGKILL and reap
  // `hearthd --failsafe` on the same state dir; returns its exit status and output.
  std::pair<int, std::string> run_failsafe(std::chrono::milliseconds timeout = 20s);
  // A request to the sim HAL's control socket (hal/include/hearth/hal/sim_control.hpp).
  nlohmann::json hal(const nlohmann::json &request);
  std::string log_tail(size_t bytes = 4000);
  const std::string &log_path() const { return log_path_; }

 private:
  std::string config_path_, state_dir_, hal_socket_, log_path_;
  std::unique_ptr<testing::ChildProcess> process_;
};

// Polls `condition` every `period` until it holds or `timeout` passes (scaled by timing_scale()).
// Children's output is drained meanwhile by the caller's condition (status reads do not need it).
bool wait_until(const std::function<bool()> &condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds period = 50ms);

std::string hearthd_binary();
std::string sim_binary();
std::string repo_root();

}  // namespace hearth::closed_loop
