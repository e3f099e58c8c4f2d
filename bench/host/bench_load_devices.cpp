// How long hearthd takes to check a 40-device YAML file and create and start the devices
// (target < 200 ms on the 2-core reference machine). Prints Google Benchmark's table; JSON with
// --benchmark_out=FILE --benchmark_out_format=json.
#include <benchmark/benchmark.h>
#include <hearth/host/runtime.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>

#include "site_40.hpp"

namespace {


void BM_LoadAndStart40Devices(benchmark::State &state) {
  spdlog::set_level(spdlog::level::warn);
  char pattern[] = "/tmp/hearth-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(pattern);
  // Port 9 (discard) on loopback: nothing listens, the links just keep reconnecting.
  std::ofstream(dir / "site.yaml") << hearth::bench::site_with_40_meters(9);
  for (auto _ : state) {
    state.PauseTiming();
    auto runtime = std::make_unique<hearth::host::Runtime>(
        hearth::host::RuntimeOptions{.state_dir = dir / "state", .notify_service_manager = false});
    runtime->loader().load_directories({HEARTH_PLUGIN_DIR});
    hearth::host::LoaderCatalog catalog(runtime->loader());
    state.ResumeTiming();

    auto loaded = hearth::config::load_file(dir / "site.yaml", catalog);
    if (!loaded.ok()) state.SkipWithError(hearth::config::format_errors(loaded.errors).c_str());
    runtime->apply(loaded.config);
    benchmark::DoNotOptimize(runtime->devices().size());

    state.PauseTiming();
    if (runtime->devices().size() != 40) state.SkipWithError("not all 40 devices started");
    runtime.reset();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LoadAndStart40Devices)->Unit(benchmark::kMillisecond)->Iterations(10)->Repetitions(3);

}  // namespace

BENCHMARK_MAIN();
