// bench_modbus_wiring: issue 5's benchmark. Two wirings, each at 9600 and 115200 bit/s:
//   (a) the reference product's: three SUN2000 on RS485-1, the DTSU666 alone on RS485-2;
//   (b) three SUN2000 on one bus, the meter behind inverter-1 (read through 37100 ff.).
// hearth-sim serves the devices on its ptys; the drivers run in an in-process hearthd runtime.
// Printed: bus utilisation per link and the age of the grid power point (p50/p99), as a table
// and as JSON (argument 1, or $HEARTH_BENCH_OUT/bench_modbus_wiring.json).
//
// A pty moves bytes without baud-rate timing, so the sim holds each RTU answer back for the time
// request and answer take on a line at the same rate (endpoints.rtu_wire_baud): the age includes
// the wire time. Utilisation is computed from the frames the link traced (unit + PDU + CRC, 10
// bits per byte for 8N1, plus the 3.5-character gap) at that baud rate.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <hearth/host/runtime.hpp>
#include <hearth/testing/child_process.hpp>
#include <nlohmann/json.hpp>
#include <regex>

namespace {

using namespace std::chrono_literals;
using hearth::testing::ChildProcess;
using hearth::testing::TempDir;

constexpr auto kWarmUp = 3s;
constexpr auto kMeasure = 15s;
constexpr auto kSampleEvery = 5ms;
constexpr double kBitsPerByte = 10.0;  // 8N1
constexpr double kGapCharacters = 3.5;
constexpr double kCrcBytes = 2.0;

class LoaderCatalog final : public hearth::config::DriverCatalog {
 public:
  explicit LoaderCatalog(const hearth::host::PluginLoader &loader) : loader_(loader) {}
  const hearth_driver_desc *find(std::string_view driver) const override {
    const auto *entry = loader_.find_driver(driver);
    return entry ? entry->desc : nullptr;
  }

 private:
  const hearth::host::PluginLoader &loader_;
};

struct Wiring {
  const char *name;
  bool meter_behind_inverter;
};

struct Outcome {
  std::string wiring;
  int baud = 0;
  std::map<std::string, double> utilisation_pct;  // per link
  double age_p50_ms = 0, age_p99_ms = 0;
  size_t samples = 0;
};

// The sim's RTU buses take as long as a real line at `baud` (endpoints.rtu_wire_baud).
std::string scenario(const Wiring &wiring, int baud) {
  std::string yaml = "time: { start: 2024-06-25T10:30:00Z, speed: 1 }\n"
                     "endpoints: { rtu_wire_baud: " + std::to_string(baud) + " }\ninverters:\n";
  for (int i = 1; i <= 3; ++i)
    yaml += "  - { name: inv" + std::to_string(i) + ", unit: " + std::to_string(i) +
            ", rated_w: 8000, pv_kwp: 8, rtu_bus: rs485-1 }\n";
  yaml += wiring.meter_behind_inverter ? "meter: { wiring: behind_inverter, inverter: inv1 }\n"
                                       : "meter: { wiring: rtu, unit: 11, rtu_bus: rs485-meter }\n";
  return yaml;
}

std::string site(const Wiring &wiring, int baud, const nlohmann::json &endpoints) {
  std::string bus1, meter_bus;
  for (const auto &device : endpoints["devices"]) {
    if (device["name"] == "inv1") bus1 = device["rtu"];
    if (device["name"] == "meter" && device.contains("rtu")) meter_bus = device["rtu"];
  }
  const std::string block = baud < 19200 ? "41" : "64";
  const std::string b = std::to_string(baud);
  std::string yaml =
      "site: {name: bench, grid: three-phase-4w, fuse_a: 35,\n"
      "       location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n"
      "links:\n  rs485-1: {type: rtu, device: " +
      bus1 + ", baud: " + b + "}\n";
  if (!wiring.meter_behind_inverter)
    yaml += "  rs485-2: {type: rtu, device: " + meter_bus + ", baud: " + b + "}\n";
  yaml += "devices:\n";
  for (int i = 1; i <= 3; ++i) {
    const bool meter = wiring.meter_behind_inverter && i == 1;
    yaml += "  - {id: inverter-" + std::to_string(i) +
            ", driver: huawei-sun2000, link: rs485-1, params: {unit: " + std::to_string(i) +
            ", max_block_registers: " + block +
            (meter ? ", meter: true, fast_interval: 250ms" : "") + "}}\n";
  }
  if (!wiring.meter_behind_inverter)
    yaml +=
        "  - {id: grid, driver: dtsu666, link: rs485-2, params: {unit: 11, "
        "max_block_registers: " +
        block + ", fast_interval: 250ms}}\n";
  return yaml;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1)));
  return values[index];
}

// Bus time of the traced frames at `baud`.
double wire_seconds(const std::vector<hearth::links::TraceEntry> &trace, int64_t from_ns,
                    int baud) {
  double seconds = 0;
  for (const auto &frame : trace) {
    if (frame.mono_ns < from_ns) continue;
    const double bytes = static_cast<double>((frame.bytes_hex.size() + 1) / 3) + kCrcBytes;
    seconds += (bytes + kGapCharacters) * kBitsPerByte / baud;
  }
  return seconds;
}

Outcome run(const Wiring &wiring, int baud) {
  TempDir dir;
  std::ofstream(dir.path() + "/scenario.yaml") << scenario(wiring, baud);
  ChildProcess sim({HEARTH_SIM_BIN, "--scenario", dir.path() + "/scenario.yaml", "--port-base", "0",
                    "--pty-dir", dir.path() + "/pty", "--repo-root", HEARTH_REPO_ROOT});
  const auto ready = sim.wait_for_line(std::regex("^hearth-sim ready "), 20s);
  if (!ready) throw std::runtime_error("hearth-sim did not start: " + sim.output());
  const auto endpoints = nlohmann::json::parse(ready->substr(ready->find('{')));

  hearth::host::RuntimeOptions options;
  options.state_dir = dir.path() + "/state";
  options.notify_service_manager = false;
  hearth::host::Runtime runtime(options);
  runtime.loader().load_directories({HEARTH_PLUGIN_DIR});
  std::ofstream(dir.path() + "/site.yaml") << site(wiring, baud, endpoints);
  LoaderCatalog catalog(runtime.loader());
  auto config = hearth::config::load_file(dir.path() + "/site.yaml", catalog);
  if (!config.ok()) throw std::runtime_error(hearth::config::format_errors(config.errors));
  runtime.apply(config.config);
  std::vector<std::string> links{"rs485-1"};
  if (!wiring.meter_behind_inverter) links.push_back("rs485-2");
  for (const auto &name : links) runtime.find_link(name)->enable_trace(1'000'000);

  auto guard = boost::asio::make_work_guard(runtime.io());
  runtime.io().run_for(kWarmUp);
  const std::string grid_point =
      wiring.meter_behind_inverter ? "inverter-1/grid_power_w" : "grid/power_w";
  const int64_t from_ns = runtime.clock().mono_ns();
  std::vector<double> ages_ms;
  const auto end = std::chrono::steady_clock::now() + kMeasure;
  while (std::chrono::steady_clock::now() < end) {
    runtime.io().run_for(kSampleEvery);
    if (const auto id = runtime.points().find(grid_point)) {
      const auto sample = runtime.points().get(*id);
      if (sample.has_value) ages_ms.push_back(static_cast<double>(sample.age_ms));
    }
  }
  const double window_s = (runtime.clock().mono_ns() - from_ns) / 1e9;
  Outcome out{wiring.name,   baud, {}, percentile(ages_ms, 0.5), percentile(ages_ms, 0.99),
              ages_ms.size()};
  for (const auto &name : links)
    out.utilisation_pct[name] =
        100.0 * wire_seconds(runtime.find_link(name)->trace(), from_ns, baud) / window_s;
  runtime.shutdown();
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  const char *env_out = std::getenv("HEARTH_BENCH_OUT");
  const std::string out_path = argc > 1  ? argv[1]
                               : env_out ? std::string(env_out) + "/bench_modbus_wiring.json"
                                         : HEARTH_BENCH_DEFAULT_OUT;
  const Wiring wirings[] = {{"a: meter on RS485-2", false}, {"b: meter behind inverter-1", true}};
  nlohmann::json results = nlohmann::json::array();
  std::printf("%-28s %7s %12s %12s %10s %10s %8s\n", "wiring", "baud", "rs485-1 %", "rs485-2 %",
              "age p50", "age p99", "samples");
  for (const Wiring &wiring : wirings) {
    for (int baud : {9600, 115200}) {
      try {
        const Outcome o = run(wiring, baud);
        const auto util = [&](const char *link) {
          auto it = o.utilisation_pct.find(link);
          return it == o.utilisation_pct.end() ? -1.0 : it->second;
        };
        std::printf("%-28s %7d %12.1f %12.1f %8.0fms %8.0fms %8zu\n", o.wiring.c_str(), o.baud,
                    util("rs485-1"), util("rs485-2"), o.age_p50_ms, o.age_p99_ms, o.samples);
        results.push_back({{"wiring", o.wiring},
                           {"baud", o.baud},
                           {"utilisation_pct", o.utilisation_pct},
                           {"grid_power_age_p50_ms", o.age_p50_ms},
                           {"grid_power_age_p99_ms", o.age_p99_ms},
                           {"samples", o.samples}});
      } catch (const std::exception &e) {
        std::printf("%-28s %7d failed: %s\n", wiring.name, baud, e.what());
      }
    }
  }
  std::ofstream(out_path) << results.dump(2) << "\n";
  std::printf(
      "(rs485-2 -1: no such link. Utilisation from traced frames at the nominal baud; "
      "ages over ptys whose answers the sim holds back for their line time at that baud.)\n"
      "JSON: %s\n",
      out_path.c_str());
  return 0;
}
