// bench_step_response (issue 6, "Benchmark"): repeated 3 kW load steps in hearth-sim with a 1 s
// inverter time constant, hearthd holding a 0 W feed-in limit, measured from the sim's own record
// (meter replies and limit frames on the wire, physics steps; CLOCK_MONOTONIC):
//   dead time   meter sample showing the step left the meter -> first limit frame at the inverter
//   settling    load step in the physics -> export back within the limit + 1 % of the rating
//   undershoot  the most the grid point went below the limit after the step (over-curtailing)
//   fail-safe   last good meter sample -> safe-limit frame on the wire, and -> export within the
//               limit (the meter goes silent and the load drops 3 kW at the same moment)
// once with the limits layer on every meter sample (limits_trigger: event) and once on a fixed
// 1 s cycle (limits_trigger: cycle, control_cycle: 1s), reported as ratios cycle / event.
//
//   bench_step_response [--steps N] [--fail-safe N] [--out FILE]
// JSON goes to FILE, or $HEARTH_BENCH_OUT/bench_step_response.json, or the build's bench/ folder.
#include <closed_loop.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <hearth/testing/child_process.hpp>
#include <nlohmann/json.hpp>

namespace hearth::closed_loop {
namespace {

using nlohmann::json;

constexpr double kRatingW = 10000;  // configs/sim/step_response.yaml
constexpr double kTauS = 1.0;
constexpr double kPvW = 8000, kHighLoadW = 6000, kLowLoadW = 3000;
constexpr double kMeterPeriodS = 0.2;
constexpr double kMeterTimeoutS = 1.5;
constexpr double kOnePctW = kRatingW / 100;
// Targets (issue 6).
constexpr double kDeadTimeTargetS = 0.050;
constexpr double kFailSafeWritesTargetS = kMeterTimeoutS + 0.2;
constexpr double kWithinLimitTargetS = 5.0;
constexpr double kUndershootTargetW = 0.05 * kRatingW;

struct StepFigures {
  double dead_time_s = NAN, settling_s = NAN, undershoot_w = NAN;
};
struct FailSafeFigures {
  double writes_s = NAN, within_limit_s = NAN;
};
struct RunFigures {
  std::string trigger;
  std::vector<StepFigures> steps;
  std::vector<FailSafeFigures> fail_safe;
  std::vector<std::string> problems;
};

double seconds(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string energy_yaml(const std::string &trigger) {
  std::string yaml =
      "  mode: self-consumption\n"
      "  feed_in_limit_w: 0\n"
      "  fail_safe: {meter_timeout_s: 1.5, pv_limit_w: 0}\n"
      "  limits_trigger: " +
      trigger + "\n";
  if (trigger == "cycle") yaml += "  control_cycle: 1s\n";
  return yaml;
}

// One hearth-sim and one hearthd for one trigger mode.
class StepBench {
 public:
  explicit StepBench(const std::string &trigger)
      : sim_(read_file(repo_root() + "/configs/sim/step_response.yaml"), dir_.path()) {
    sim_.ctl({{"cmd", "set_pv"}, {"w", kPvW}});
    sim_.ctl({{"cmd", "set_load"}, {"w", kHighLoadW}});
    SiteOptions site;
    site.energy_yaml = energy_yaml(trigger);
    hearthd_ =
        std::make_unique<Hearthd>(site_yaml(sim_, site, dir_.path() + "/hal.sock"), dir_.path());
  }

  // The grid sits at zero export with the high load: the manager holds the inverter at the load.
  bool steady() {
    return grid_holds([](double g) { return g > -kOnePctW && g < 5 * kOnePctW; }, 1000, 30'000);
  }

  StepFigures load_drop() {
    StepFigures figures;
    const uint64_t seq = sim_.next_seq();
    sim_.ctl({{"cmd", "set_load"}, {"w", kLowLoadW}});
    const bool settled = grid_holds([](double g) { return -g <= kOnePctW; }, 1000, 20'000);
    const auto record = sim_.record_since(seq);
    sim_.ctl({{"cmd", "set_load"}, {"w", kHighLoadW}});
    const auto step_ns = took_effect_at(record, "set_load");
    if (!settled || !step_ns) return figures;
    if (const auto at = settled_at(record.steps, *step_ns, kOnePctW))
      figures.settling_s = seconds(*at - *step_ns);
    const auto *sample = first_meter_read(record.meter_reads, *step_ns,
                                          [](const MeterRead &r) { return -r.power_w > kOnePctW; });
    if (sample) {
      if (const auto *frame = first_limit_write(record.writes, sample->mono_ns))
        figures.dead_time_s = seconds(frame->mono_ns - sample->mono_ns);
    }
    double undershoot_w = 0;  // below a 0 W limit = import
    for (const auto &s : record.steps)
      if (s.mono_ns >= *step_ns) undershoot_w = std::max(undershoot_w, s.grid_w);
    figures.undershoot_w = undershoot_w;
    return figures;
  }

  FailSafeFigures meter_silence() {
    FailSafeFigures figures;
    // The last good sample must be in the record, sent: wait for two after seq (the newest may
    // still be on the emulated line).
    const uint64_t seq = sim_.next_seq();
    if (!wait_until([&] { return sim_.record_since(seq).meter_reads.size() >= 2; }, 5s))
      return figures;
    sim_.ctl({{"cmd", "link_down"}, {"device", "meter"}});
    sim_.ctl({{"cmd", "set_load"}, {"w", kLowLoadW}});
    const bool limited = grid_holds([](double g) { return -g <= kOnePctW; }, 1000, 20'000);
    const int64_t restored_ns = monotonic_ns();
    sim_.ctl({{"cmd", "link_down"}, {"device", "meter"}, {"on", false}});
    sim_.ctl({{"cmd", "set_load"}, {"w", kHighLoadW}});
    const auto record = sim_.record_since(seq);
    const auto *last_good = last_good_meter_read(record.meter_reads, restored_ns);
    if (!limited || !last_good) return figures;
    if (const auto *frame = first_limit_write(record.writes, last_good->mono_ns,
                                              [](const WriteFrame &w) { return w.limit_w <= 1; }))
      figures.writes_s = seconds(frame->mono_ns - last_good->mono_ns);
    if (const auto at = settled_at(record.steps, last_good->mono_ns, kOnePctW))
      figures.within_limit_s = seconds(*at - last_good->mono_ns);
    return figures;
  }

  bool alive() { return hearthd_->process().running(); }
  std::string log_tail() { return hearthd_->log_tail(1500); }

 private:
  bool grid_holds(const std::function<bool(double)> &ok, int hold_ms, int timeout_ms) {
    std::optional<int64_t> since;
    return wait_until(
        [&] {
          if (!alive()) return false;
          const double grid_w = sim_.status().at("grid_w");
          if (!ok(grid_w)) {
            since.reset();
            return false;
          }
          if (!since) since = monotonic_ns();
          return monotonic_ns() - *since >= int64_t{hold_ms} * 1'000'000;
        },
        std::chrono::milliseconds(timeout_ms));
  }

  testing::TempDir dir_;
  SimHouse sim_;
  std::unique_ptr<Hearthd> hearthd_;
};

RunFigures run(const std::string &trigger, int steps, int fail_safes) {
  RunFigures figures{trigger, {}, {}, {}};
  StepBench bench(trigger);
  if (!bench.steady()) {
    figures.problems.push_back("hearthd never held zero export with limits_trigger: " + trigger +
                               (bench.alive() ? "" : " (hearthd exited)") + "\n" +
                               bench.log_tail());
    return figures;
  }
  for (int i = 0; i < steps; ++i) {
    figures.steps.push_back(bench.load_drop());
    if (!bench.steady()) {
      figures.problems.push_back("no steady state after step " + std::to_string(i + 1));
      return figures;
    }
  }
  for (int i = 0; i < fail_safes; ++i) {
    figures.fail_safe.push_back(bench.meter_silence());
    if (!bench.steady()) {
      figures.problems.push_back("no recovery after meter silence " + std::to_string(i + 1));
      return figures;
    }
  }
  return figures;
}

template <typename T, typename F>
std::vector<double> column(const std::vector<T> &rows, F field) {
  std::vector<double> out;
  for (const auto &row : rows)
    if (!std::isnan(row.*field)) out.push_back(row.*field);
  return out;
}

json stats(const std::vector<double> &values, size_t attempts) {
  return {{"values", values},
          {"n", values.size()},
          {"missing", attempts - values.size()},
          {"p50", percentile(values, 50)},
          {"p99", percentile(values, 99)},
          {"max", values.empty() ? NAN : *std::max_element(values.begin(), values.end())}};
}

json summary(const RunFigures &run) {
  const size_t n = run.steps.size(), m = run.fail_safe.size();
  json out = {{"trigger", run.trigger},
              {"dead_time_s", stats(column(run.steps, &StepFigures::dead_time_s), n)},
              {"settling_s", stats(column(run.steps, &StepFigures::settling_s), n)},
              {"undershoot_w", stats(column(run.steps, &StepFigures::undershoot_w), n)},
              {"problems", run.problems}};
  if (m > 0) {
    out["fail_safe_writes_s"] = stats(column(run.fail_safe, &FailSafeFigures::writes_s), m);
    out["fail_safe_within_limit_s"] =
        stats(column(run.fail_safe, &FailSafeFigures::within_limit_s), m);
  }
  return out;
}

double number(const json &stat, const char *key) {
  const auto &v = stat.at(key);
  return v.is_number() ? v.get<double>() : NAN;
}

void print_row(const char *label, const json &s) {
  std::printf("%-22s %3zu  %8.1f %8.1f   %8.2f %8.2f   %7.0f %7.0f\n", label,
              s.at("settling_s").at("n").get<size_t>(), number(s.at("dead_time_s"), "p50") * 1000,
              number(s.at("dead_time_s"), "p99") * 1000, number(s.at("settling_s"), "p50"),
              number(s.at("settling_s"), "p99"), number(s.at("undershoot_w"), "p50"),
              number(s.at("undershoot_w"), "p99"));
}

const char *verdict(bool ok) {
  return ok ? "meets" : "MISSES";
}

}  // namespace
}  // namespace hearth::closed_loop

int main(int argc, char **argv) {
  using namespace hearth::closed_loop;
  int steps = 10, fail_safes = 5;
  const char *env_out = std::getenv("HEARTH_BENCH_OUT");
  std::string out = env_out ? std::string(env_out) + "/bench_step_response.json"
                            : std::string(HEARTH_BENCH_DEFAULT_OUT);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps"))
      steps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--fail-safe"))
      fail_safes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--out"))
      out = argv[i + 1];
  }
  std::printf(
      "bench_step_response: %d load steps %.0f -> %.0f W under %.0f W of PV, feed-in limit 0 W, "
      "tau %.1f s, meter every %.0f ms (RTU 9600 bit/s), inverter over Modbus TCP, rating %.0f "
      "W\n",
      steps, kHighLoadW, kLowLoadW, kPvW, kTauS, kMeterPeriodS * 1000, kRatingW);
  const auto event = summary(run("event", steps, fail_safes));
  const auto cycle = summary(run("cycle", steps, 0));

  std::printf("\n%-22s %3s  %17s   %17s   %15s\n", "limits trigger", "n", "dead time ms",
              "settling s", "undershoot W");
  std::printf("%-22s %3s  %8s %8s   %8s %8s   %7s %7s\n", "", "", "p50", "p99", "p50", "p99", "p50",
              "p99");
  print_row("event (every sample)", event);
  print_row("cycle 1 s", cycle);
  json ratios;
  for (const char *figure : {"dead_time_s", "settling_s", "undershoot_w"}) {
    for (const char *p : {"p50", "p99"}) {
      const double e = number(event.at(figure), p), c = number(cycle.at(figure), p);
      ratios[figure][p] = (e > 0 && !std::isnan(c)) ? json(c / e) : json(nullptr);
    }
  }
  auto ratio = [&](const char *figure, const char *p) {
    return ratios[figure][p].is_number() ? ratios[figure][p].get<double>() : NAN;
  };
  std::printf("%-22s      %7.1fx %7.1fx   %7.1fx %7.1fx\n", "ratio cycle / event",
              ratio("dead_time_s", "p50"), ratio("dead_time_s", "p99"), ratio("settling_s", "p50"),
              ratio("settling_s", "p99"));
  if (event.contains("fail_safe_writes_s")) {
    std::printf(
        "\nfail-safe (meter silent, load -3 kW): n %zu  safe writes p50 %.2f s p99 %.2f s"
        "  export within limit p50 %.2f s p99 %.2f s\n",
        event.at("fail_safe_writes_s").at("n").get<size_t>(),
        number(event.at("fail_safe_writes_s"), "p50"),
        number(event.at("fail_safe_writes_s"), "p99"),
        number(event.at("fail_safe_within_limit_s"), "p50"),
        number(event.at("fail_safe_within_limit_s"), "p99"));
  }
  const double dead_p99 = number(event.at("dead_time_s"), "p99");
  const double settle_bound = kMeterPeriodS + dead_p99 + 3.5 * kTauS;
  json targets = {{"dead_time_p99_s", kDeadTimeTargetS},
                  {"settling_p99_s", settle_bound},
                  {"undershoot_w", kUndershootTargetW},
                  {"fail_safe_writes_s", kFailSafeWritesTargetS},
                  {"fail_safe_within_limit_s", kWithinLimitTargetS}};
  std::printf(
      "\ntargets (event path): dead time p99 < %.0f ms + one in-flight frame: %s; "
      "settling p99 <= %.2f s: %s; undershoot p99 < %.0f W: %s",
      kDeadTimeTargetS * 1000, verdict(dead_p99 < kDeadTimeTargetS + 0.02), settle_bound,
      verdict(number(event.at("settling_s"), "p99") <= settle_bound), kUndershootTargetW,
      verdict(number(event.at("undershoot_w"), "p99") < kUndershootTargetW));
  if (event.contains("fail_safe_writes_s")) {
    std::printf(
        "; fail-safe writes p99 <= %.1f s: %s; within limit p99 <= %.0f s: %s",
        kFailSafeWritesTargetS,
        verdict(number(event.at("fail_safe_writes_s"), "p99") <= kFailSafeWritesTargetS),
        kWithinLimitTargetS,
        verdict(number(event.at("fail_safe_within_limit_s"), "p99") <= kWithinLimitTargetS));
  }
  std::printf("\n");
  for (const auto *run : {&event, &cycle})
    for (const auto &problem : run->at("problems"))
      std::printf("problem (%s): %s\n", run->at("trigger").get<std::string>().c_str(),
                  problem.get<std::string>().c_str());

  const json result = {{"benchmark", "step_response"},
                       {"setup",
                        {{"steps", steps},
                         {"load_high_w", kHighLoadW},
                         {"load_low_w", kLowLoadW},
                         {"pv_w", kPvW},
                         {"tau_s", kTauS},
                         {"meter_period_s", kMeterPeriodS},
                         {"meter_timeout_s", kMeterTimeoutS},
                         {"rating_w", kRatingW},
                         {"scenario", "configs/sim/step_response.yaml"}}},
                       {"event", event},
                       {"cycle", cycle},
                       {"ratios_cycle_over_event", ratios},
                       {"targets", targets}};
  std::ofstream(out) << result.dump(2) << "\n";
  std::printf("JSON: %s\n", out.c_str());
  return 0;
}
