// hearthd idle with 40 devices polled every second over Modbus TCP (a pymodbus slave answering
// units 1..40): the share of one core its core thread uses, and its memory (PSS and private
// dirty, from /proc/PID/smaps_rollup). Targets: core thread < 1 % of a core, PSS < 20 MB.
// Usage: bench_hearthd_idle [window_s=10] [windows=3] [json_out]
#include <hearth/testing/child_process.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "site_40.hpp"

namespace {

using namespace std::chrono_literals;

// utime + stime (fields 14 and 15 of a /proc stat file), in clock ticks.
long cpu_ticks(const std::string &stat_path) {
  std::ifstream stat(stat_path);
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long ticks = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index >= 14) ticks += std::stol(field);
  }
  return ticks;
}

long smaps_kib(int pid, const std::string &key) {
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  const int window_s = argc > 1 ? std::atoi(argv[1]) : 10;
  const int windows = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string json_out = argc > 3 ? argv[3] : "bench_hearthd_idle.json";

  std::string units;
  for (int unit = 1; unit <= 40; ++unit) units += (unit > 1 ? "," : "") + std::to_string(unit);
  auto peer = hearth::testing::ModbusPeer::tcp({"--units", units});
  hearth::testing::TempDir dir;
  const std::string config = dir.path() + "/site.yaml";
  std::ofstream(config) << hearth::bench::site_with_40_meters(peer->tcp_port());

  hearth::testing::ChildProcess hearthd(
      {HEARTHD, "--config", config, "--state-dir", dir.path() + "/state", "--plugin-path",
       HEARTH_PLUGIN_DIR});
  if (!hearthd.wait_for_line(std::regex("40 device\\(s\\) running"), 20s)) {
    std::cerr << "hearthd did not start its 40 devices:\n" << hearthd.output();
    return 1;
  }
  std::this_thread::sleep_for(3s);  // warm-up: connections made, first polls done
  const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  std::vector<double> core_pct, process_pct;
  // The core thread is the main thread: its tid is the pid.
  const std::string core_stat =
      "/proc/" + std::to_string(hearthd.pid()) + "/task/" + std::to_string(hearthd.pid()) + "/stat";
  const std::string process_stat = "/proc/" + std::to_string(hearthd.pid()) + "/stat";
  for (int window = 0; window < windows; ++window) {
    const long core_before = cpu_ticks(core_stat);
    const long process_before = cpu_ticks(process_stat);
    std::this_thread::sleep_for(std::chrono::seconds(window_s));
    core_pct.push_back(100.0 * (cpu_ticks(core_stat) - core_before) / ticks_per_s / window_s);
    process_pct.push_back(100.0 * (cpu_ticks(process_stat) - process_before) / ticks_per_s /
                          window_s);
  }
  const long pss_kib = smaps_kib(hearthd.pid(), "Pss");
  const long private_dirty_kib = smaps_kib(hearthd.pid(), "Private_Dirty");
  const long rss_kib = smaps_kib(hearthd.pid(), "Rss");
  const size_t polls = peer->requests().size();

  std::printf("%-34s %12s %10s\n", "hearthd idle, 40 devices at 1 s", "median", "target");
  std::printf("%-34s %11.2f%% %9s\n", "core thread, share of one core", median(core_pct), "< 1 %");
  std::printf("%-34s %11.2f%% %10s\n", "whole process, share of one core", median(process_pct), "");
  std::printf("%-34s %9.1f MB %10s\n", "PSS", pss_kib / 1024.0, "< 20 MB");
  std::printf("%-34s %9.1f MB %10s\n", "private dirty", private_dirty_kib / 1024.0, "");
  std::printf("%-34s %9.1f MB %10s\n", "RSS", rss_kib / 1024.0, "");
  std::printf("%-34s %12zu\n", "polls answered by the slave", polls);

  nlohmann::json result{{"benchmark", "hearthd_idle_40_devices"},
                        {"window_s", window_s},
                        {"windows", windows},
                        {"core_thread_pct", core_pct},
                        {"process_pct", process_pct},
                        {"core_thread_pct_median", median(core_pct)},
                        {"pss_kib", pss_kib},
                        {"private_dirty_kib", private_dirty_kib},
                        {"rss_kib", rss_kib},
                        {"polls", polls}};
  std::ofstream(json_out) << result.dump(2) << "\n";
  std::printf("JSON: %s\n", json_out.c_str());
  hearthd.signal(SIGTERM);
  return hearthd.wait_exit(10s) == 0 ? 0 : 1;
}
