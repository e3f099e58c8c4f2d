#pragma once
// Recognises a grid meter that still answers but no longer measures (architecture.md,
// "Fail-safe at the grid point"): a power value that stays bit-identical for N samples while the
// inverters' output moves, or energy counters that stand still while power flows. (A meter that
// stops answering is the manager's stale timer; one that goes offline, its health listener.)
// Plain logic on sample times: the manager feeds it, tests drive it directly.
#include <cstdint>
#include <optional>

namespace hearth::energy {

struct MeterWatchSettings {
  int frozen_samples = 10;
  double counter_stall_wh = 50;
  // The inverters' output must move at least this much during a frozen run to call it frozen
  // (a quiet house at night may read the same watts twice).
  double inverter_change_w = 200;
  // Gaps between power samples longer than this do not count as flowing energy.
  int64_t max_gap_ns = 5'000'000'000;
};

class MeterWatch {
 public:
  explicit MeterWatch(MeterWatchSettings settings = {}) : settings_(settings) {}

  void on_power(double power_w, double inverter_output_w, int64_t sampled_ns);
  // Energy counters in Wh (magnitudes that only grow).
  void on_import_counter(double wh) { on_counter(import_, wh); }
  void on_export_counter(double wh) { on_counter(export_, wh); }

  bool frozen() const { return frozen_; }
  bool counters_stopped() const { return import_.stopped || export_.stopped; }
  int identical_run() const { return identical_run_; }
  void reset();

 private:
  struct Counter {
    std::optional<double> last_wh;
    double flowed_since_change_wh = 0;  // what the meter's power says went this way since
    bool stopped = false;
  };
  void on_counter(Counter &counter, double wh);

  MeterWatchSettings settings_;
  std::optional<uint64_t> last_bits_;
  int identical_run_ = 0;
  double run_min_output_w_ = 0, run_max_output_w_ = 0;
  bool frozen_ = false;
  std::optional<int64_t> last_sample_ns_;
  std::optional<double> last_power_w_;
  Counter import_, export_;
};

}  // namespace hearth::energy
