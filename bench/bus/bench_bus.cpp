// bench_bus: how fast the scheduler bus moves data on this machine.
//   - point publish -> subscriber delivery: throughput (deliveries/s) and the time from the
//     publish call to the callback (p50/p99);
//   - command round trip in process: submit -> handler -> complete -> completion callback, with
//     the device answering inside its handler and, as with a real plugin, later from the loop.
// The console shows Google Benchmark's table; JSON goes to $HEARTH_BENCH_OUT (a file, or a
// directory to put bench_bus.json in), else to the build directory, unless --benchmark_out is
// given. Target (issue 3): >= 1,000,000 deliveries per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <hearth/bus/command_bus.hpp>
#include <hearth/bus/latency_recorder.hpp>
#include <hearth/bus/point_store.hpp>
#include <string>
#include <vector>

namespace {

using hearth::SystemClock;
using hearth::bus::CommandBus;
using hearth::bus::CommandResult;
using hearth::bus::LatencyRecorder;
using hearth::bus::PointId;
using hearth::bus::PointSample;
using hearth::bus::PointStore;

hearth_value power_value(double watts) {
  hearth_value value{};
  value.type = HEARTH_VALUE_DOUBLE;
  value.as.d = watts;
  return value;
}

void report_latency(benchmark::State &state, const LatencyRecorder &latency) {
  state.counters["p50_ns"] = static_cast<double>(latency.p50_ns());
  state.counters["p99_ns"] = static_cast<double>(latency.p99_ns());
}

// One point, range(0) subscribers: the meter -> limiter event path, with several listeners.
void BM_PointPublishToSubscribers(benchmark::State &state) {
  const SystemClock &clock = SystemClock::instance();
  PointStore points(clock);
  const PointId grid = points.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 2000);
  double sum_w = 0;
  for (int64_t i = 0; i < state.range(0); ++i) {
    points.subscribe(grid,
                     [&sum_w](PointId, const PointSample &sample) { sum_w += sample.value.as.d; });
  }
  double watts = 0;
  for (auto _ : state) {
    points.publish(grid, power_value(watts), 0, HEARTH_QUALITY_GOOD);
    watts += 1;
  }
  benchmark::DoNotOptimize(sum_w);
  state.counters["deliveries_per_s"] = benchmark::Counter(
      static_cast<double>(points.stats().deliveries), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(points.stats().deliveries));
}
BENCHMARK(BM_PointPublishToSubscribers)->Arg(1)->Arg(4);

// A site's worth of points (range(0)) with prefix subscribers per device and one catch-all (the
// northbound snapshot), published round-robin.
void BM_PointPublishManyPointsPrefixSubscribers(benchmark::State &state) {
  const SystemClock &clock = SystemClock::instance();
  PointStore points(clock);
  const int64_t point_count = state.range(0);
  constexpr int kDevices = 8;
  uint64_t received = 0;
  for (int device = 0; device < kDevices; ++device) {
    points.subscribe_prefix("device-" + std::to_string(device) + "/",
                            [&received](PointId, const PointSample &) { ++received; });
  }
  points.subscribe_prefix("", [&received](PointId, const PointSample &) { ++received; });
  std::vector<PointId> ids;
  for (int64_t i = 0; i < point_count; ++i) {
    ids.push_back(
        points.declare("device-" + std::to_string(i % kDevices) + "/p" + std::to_string(i),
                       HEARTH_VALUE_DOUBLE, "W", 2000));
  }
  size_t next = 0;
  for (auto _ : state) {
    points.publish(ids[next], power_value(1.0), 0, HEARTH_QUALITY_GOOD);
    next = next + 1 == ids.size() ? 0 : next + 1;
  }
  benchmark::DoNotOptimize(received);
  state.counters["deliveries_per_s"] = benchmark::Counter(
      static_cast<double>(points.stats().deliveries), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(points.stats().deliveries));
}
BENCHMARK(BM_PointPublishManyPointsPrefixSubscribers)->Arg(200);

// Time from just before publish() to the subscriber's callback, per delivery.
void BM_PointPublishLatency(benchmark::State &state) {
  const SystemClock &clock = SystemClock::instance();
  PointStore points(clock);
  const PointId grid = points.declare("meter-1/power_w", HEARTH_VALUE_DOUBLE, "W", 2000);
  LatencyRecorder latency(1 << 16);
  int64_t published_ns = 0;
  points.subscribe(
      grid, [&](PointId, const PointSample &) { latency.record(clock.mono_ns() - published_ns); });
  for (auto _ : state) {
    published_ns = clock.mono_ns();
    points.publish(grid, power_value(1.0), published_ns, HEARTH_QUALITY_GOOD);
  }
  report_latency(state, latency);
}
BENCHMARK(BM_PointPublishLatency);

// submit -> handler completes inside command() -> completion callback.
void BM_CommandRoundTripSynchronous(benchmark::State &state) {
  const SystemClock &clock = SystemClock::instance();
  CommandBus bus(clock, 1 << 16);
  bus.register_handler("inverter-1", [&bus](const hearth_command &command) {
    return bus.complete("inverter-1", command.id, HEARTH_OK, "");
  });
  hearth_arg limit{};
  std::snprintf(limit.name, sizeof(limit.name), "limit_w");
  limit.value = power_value(3000);
  uint64_t completed = 0;
  for (auto _ : state) {
    bus.submit("inverter-1", "pv_inverter", "set_active_power_limit_w", {&limit, 1},
               HEARTH_PRIO_CONTROL, clock.mono_ns() + 1'000'000'000,
               [&completed](const CommandResult &) { ++completed; });
  }
  if (completed != bus.stats().submitted) state.SkipWithError("a command did not complete");
  report_latency(state, bus.latency());
  state.SetItemsProcessed(static_cast<int64_t>(completed));
}
BENCHMARK(BM_CommandRoundTripSynchronous);

// The device takes the command and answers later from the event loop, as a Modbus driver does.
void BM_CommandRoundTripDeferred(benchmark::State &state) {
  const SystemClock &clock = SystemClock::instance();
  CommandBus bus(clock, 1 << 16);
  std::deque<uint64_t> pending;
  bus.register_handler("inverter-1", [&pending](const hearth_command &command) {
    pending.push_back(command.id);
    return HEARTH_OK;
  });
  hearth_arg limit{};
  std::snprintf(limit.name, sizeof(limit.name), "limit_w");
  limit.value = power_value(3000);
  uint64_t completed = 0;
  for (auto _ : state) {
    bus.submit("inverter-1", "pv_inverter", "set_active_power_limit_w", {&limit, 1},
               HEARTH_PRIO_CONTROL, clock.mono_ns() + 1'000'000'000,
               [&completed](const CommandResult &) { ++completed; });
    while (!pending.empty()) {
      bus.complete("inverter-1", pending.front(), HEARTH_OK, "");
      pending.pop_front();
    }
  }
  if (completed != bus.stats().submitted) state.SkipWithError("a command did not complete");
  report_latency(state, bus.latency());
  state.SetItemsProcessed(static_cast<int64_t>(completed));
}
BENCHMARK(BM_CommandRoundTripDeferred);

std::string json_out_path() {
  const char *configured = std::getenv("HEARTH_BENCH_OUT");
  if (configured == nullptr || *configured == '\0') return HEARTH_BENCH_DEFAULT_OUT;
  const std::filesystem::path path(configured);
  if (std::filesystem::is_directory(path)) return (path / "bench_bus.json").string();
  return path.string();
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<char *> args(argv, argv + argc);
  bool has_out = false;
  for (const char *arg : args)
    has_out = has_out || std::string(arg).starts_with("--benchmark_out=");
  std::string out_arg;
  std::string format_arg = "--benchmark_out_format=json";
  if (!has_out) {
    const std::string path = json_out_path();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    out_arg = "--benchmark_out=" + path;
    args.push_back(out_arg.data());
    args.push_back(format_arg.data());
  }
  int arg_count = static_cast<int>(args.size());
  benchmark::Initialize(&arg_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(arg_count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!has_out) std::printf("JSON written to %s\n", json_out_path().c_str());
  return 0;
}
