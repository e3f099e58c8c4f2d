// bench_links: what one RTU link achieves with three polled devices and a grid meter.
//   Line: a socat pty pair; slave: tests/peers/modbus_server.py, which holds every answer back for
//   the time request and answer take on a real line at the baud rate (a pty has no speed).
//   Load: three devices each keep one read of a full block (the baud-rate cap) queued at POLL;
//   a meter read of 10 registers at METER is asked for whenever the last sample is 100 ms old.
//   Figures per baud rate: bus utilisation (wire time of all frames / elapsed time),
//   transactions per second, request latency submit -> completion p50/p99 for POLL and METER,
//   and the worst meter age.
// Prints a table; JSON goes to $HEARTH_BENCH_OUT (a file, or a directory to put bench_links.json
// in), else to the build directory. `bench_links [seconds per baud rate]` (default 5).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hearth/links/modbus_link.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using hearth::links::ModbusLink;
using hearth::links::Result;

constexpr int kMeterUnit = 1;
constexpr int kMeterRegisters = 10;
constexpr int64_t kMeterRefreshNs = 100'000'000;
// A frame's bytes: unit, function, ..., CRC. Read request 8; answer 5 + 2 per register.
constexpr int kReadRequestBytes = 8;
int read_answer_bytes(int registers) {
  return 5 + 2 * registers;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Figures {
  int baud = 0;
  int block_registers = 0;
  double seconds = 0;
  double utilisation = 0;
  double transactions_per_s = 0;
  double poll_p50_ms = 0, poll_p99_ms = 0;
  double meter_p50_ms = 0, meter_p99_ms = 0;
  double worst_meter_age_ms = 0;
  uint64_t failures = 0;
};

double percentile_ms(std::vector<int64_t> samples_ns, double fraction) {
  if (samples_ns.empty()) return 0;
  std::sort(samples_ns.begin(), samples_ns.end());
  const size_t index =
      std::min(samples_ns.size() - 1,
               static_cast<size_t>(fraction * static_cast<double>(samples_ns.size())));
  return static_cast<double>(samples_ns[index]) / 1e6;
}

hearth_modbus_request read_request(int unit, int registers, int priority) {
  hearth_modbus_request request{};
  request.struct_size = sizeof request;
  request.function = HEARTH_MODBUS_READ_HOLDING_REGISTERS;
  request.unit = unit;
  request.address = 0;
  request.count = static_cast<uint32_t>(registers);
  request.priority = priority;
  return request;
}

// State shared with the completions, which run on the link thread.
struct Load {
  std::mutex mutex;
  std::vector<int64_t> poll_latency_ns, meter_latency_ns;
  int64_t wire_bits = 0;
  uint64_t transactions = 0, failures = 0;
  int64_t meter_sample_ns = 0;
  bool meter_pending = false;
  std::atomic<bool> running{true};
};

Figures run_baud(int baud, double seconds) {
  hearth::testing::PtyPair line;
  hearth::testing::ModbusPeer peer({"rtu", "--device", line.device_end(), "--baud",
                                    std::to_string(baud), "--units", "1,2,3,4", "--wire-baud",
                                    std::to_string(baud), "--wire-bits", "10"});
  hearth::links::LinkSettings settings;
  settings.name = "bench";
  settings.transport = hearth::links::RtuSettings{line.link_end(), baud, 'N', 8, 1};
  ModbusLink link(settings);
  link.start();
  const int block = ModbusLink::max_registers_per_read(baud);
  const int bits_per_byte = 10;  // 8N1, as the peer emulates it (--wire-bits)
  Load load;

  std::function<void(int)> poll = [&](int unit) {
    const int64_t submitted_ns = now_ns();
    link.submit(read_request(unit, block, HEARTH_PRIO_POLL), [&, unit,
                                                              submitted_ns](const Result &r) {
      {
        std::lock_guard lock(load.mutex);
        if (r.status != HEARTH_OK) {
          load.failures += r.status == HEARTH_E_CANCELLED ? 0 : 1;  // cancelled: stop() at the end
          return;
        }
        load.poll_latency_ns.push_back(now_ns() - submitted_ns);
        load.wire_bits += (kReadRequestBytes + read_answer_bytes(block)) * bits_per_byte;
        ++load.transactions;
      }
      if (load.running) poll(unit);
    });
  };
  auto read_meter = [&] {
    const int64_t submitted_ns = now_ns();
    link.submit(read_request(kMeterUnit, kMeterRegisters, HEARTH_PRIO_METER),
                [&, submitted_ns](const Result &r) {
                  std::lock_guard lock(load.mutex);
                  load.meter_pending = false;
                  if (r.status != HEARTH_OK) {
                    load.failures += r.status == HEARTH_E_CANCELLED ? 0 : 1;
                    return;
                  }
                  load.meter_latency_ns.push_back(now_ns() - submitted_ns);
                  load.meter_sample_ns = r.received_mono_ns;
                  load.wire_bits +=
                      (kReadRequestBytes + read_answer_bytes(kMeterRegisters)) * bits_per_byte;
                  ++load.transactions;
                });
  };

  const int64_t start_ns = now_ns();
  load.meter_sample_ns = start_ns;
  for (int unit : {2, 3, 4}) poll(unit);
  int64_t worst_age_ns = 0;
  const int64_t end_ns = start_ns + static_cast<int64_t>(seconds * 1e9);
  while (now_ns() < end_ns) {
    {
      std::lock_guard lock(load.mutex);
      const int64_t age_ns = now_ns() - load.meter_sample_ns;
      worst_age_ns = std::max(worst_age_ns, age_ns);
      if (!load.meter_pending && age_ns >= kMeterRefreshNs) {
        load.meter_pending = true;
        read_meter();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the host's timer tick
  }
  load.running = false;
  const double elapsed_s = static_cast<double>(now_ns() - start_ns) / 1e9;
  link.stop();

  std::lock_guard lock(load.mutex);
  Figures figures;
  figures.baud = baud;
  figures.block_registers = block;
  figures.seconds = elapsed_s;
  figures.utilisation = static_cast<double>(load.wire_bits) / baud / elapsed_s;
  figures.transactions_per_s = static_cast<double>(load.transactions) / elapsed_s;
  figures.poll_p50_ms = percentile_ms(load.poll_latency_ns, 0.50);
  figures.poll_p99_ms = percentile_ms(load.poll_latency_ns, 0.99);
  figures.meter_p50_ms = percentile_ms(load.meter_latency_ns, 0.50);
  figures.meter_p99_ms = percentile_ms(load.meter_latency_ns, 0.99);
  figures.worst_meter_age_ms = static_cast<double>(worst_age_ns) / 1e6;
  figures.failures = load.failures;
  return figures;
}

std::string json_out_path() {
  const char *configured = std::getenv("HEARTH_BENCH_OUT");
  if (configured == nullptr || *configured == '\0') return HEARTH_BENCH_DEFAULT_OUT;
  const std::filesystem::path path(configured);
  if (std::filesystem::is_directory(path)) return (path / "bench_links.json").string();
  return path.string();
}

void write_json(const std::vector<Figures> &all, const std::string &path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path);
  out << "{\n  \"benchmark\": \"bench_links\",\n  \"runs\": [\n";
  for (size_t i = 0; i < all.size(); ++i) {
    const Figures &f = all[i];
    char line[640];
    std::snprintf(line, sizeof line,
                  "    {\"baud\": %d, \"block_registers\": %d, \"seconds\": %.2f, "
                  "\"bus_utilisation\": %.3f, \"transactions_per_s\": %.1f, "
                  "\"poll_latency_p50_ms\": %.2f, \"poll_latency_p99_ms\": %.2f, "
                  "\"meter_latency_p50_ms\": %.2f, \"meter_latency_p99_ms\": %.2f, "
                  "\"worst_meter_age_ms\": %.1f, \"failures\": %llu}%s\n",
                  f.baud, f.block_registers, f.seconds, f.utilisation, f.transactions_per_s,
                  f.poll_p50_ms, f.poll_p99_ms, f.meter_p50_ms, f.meter_p99_ms,
                  f.worst_meter_age_ms, static_cast<unsigned long long>(f.failures),
                  i + 1 < all.size() ? "," : "");
    out << line;
  }
  out << "  ]\n}\n";
}

}  // namespace

int main(int argc, char **argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  if (seconds <= 0) {
    std::fprintf(stderr, "usage: bench_links [seconds per baud rate > 0]\n");
    return 2;
  }
  std::vector<Figures> all;
  for (int baud : {9600, 115200}) all.push_back(run_baud(baud, seconds));
  std::printf("%8s %6s %9s %8s %14s %14s %14s %14s %10s %6s\n", "baud", "block", "bus_util",
              "trans/s", "poll_p50_ms", "poll_p99_ms", "meter_p50_ms", "meter_p99_ms", "meter_age",
              "fails");
  for (const Figures &f : all) {
    std::printf("%8d %6d %8.1f%% %8.1f %14.2f %14.2f %14.2f %14.2f %10.1f %6llu\n", f.baud,
                f.block_registers, 100 * f.utilisation, f.transactions_per_s, f.poll_p50_ms,
                f.poll_p99_ms, f.meter_p50_ms, f.meter_p99_ms, f.worst_meter_age_ms,
                static_cast<unsigned long long>(f.failures));
  }
  const std::string path = json_out_path();
  write_json(all, path);
  std::printf("JSON written to %s\n", path.c_str());
  return 0;
}
