#pragma once
// The ct-meter's signal processing: RMS voltage and current, active, reactive and apparent power,
// power factor, frequency and import/export energy from blocks of simultaneous voltage and
// current samples (hearth_ct_block). Pure C++ with no host dependency, so it is tested directly
// against synthetic waveforms with known answers.
//
// Method (per channel):
//   1. Calibration: each sample is multiplied by the channel's voltage and current gain.
//   2. V/I alignment: current sample n was taken `lag` seconds after voltage sample n (the HAL's
//      current_skew_s plus the calibrated phase correction). The voltage is resampled at the
//      current's instants with 4-point (cubic Lagrange) interpolation, so v and i of a pair are
//      simultaneous for every harmonic well below Nyquist.
//   3. Cycles: positive-going zero crossings of the aligned voltage, with hysteresis (armed only
//      after the voltage went below -10 % of the last cycle's peak, so harmonics cannot add
//      crossings) and linear interpolation between the two samples around the crossing.
//   4. Integration over whole cycles only: v^2, i^2 and v*i are integrated with the trapezoid
//      rule from crossing to crossing, the partial intervals at both ends included, so the mean
//      of every product covers an exact number of periods (no ripple from a cut cycle).
//   5. A reading averages the whole cycles gathered since the previous reading.
#include <hearth/plugin.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::ct_meter {

inline constexpr uint32_t kChannelCount = 3;  // CT1..CT3 = phases L1..L3 (hearth_ct_block.channel)

// Accepted grid frequencies; a "cycle" outside this range is a glitch and is dropped.
inline constexpr double kMinFrequencyHz = 40.0;
inline constexpr double kMaxFrequencyHz = 70.0;

// Per-channel calibration, as an installer measures it against a reference meter.
struct ChannelCalibration {
  double voltage_gain = 1.0;  // true = measured * gain
  double current_gain = 1.0;
  // How much later than its voltage the current is sampled (or lags because of the CT), beyond
  // what the HAL reports in current_skew_s. Both forms add up; degrees are at the measured
  // fundamental frequency.
  double current_lag_s = 0.0;
  double current_lag_deg = 0.0;
};

// One block of samples of one channel (the C++ view of a hearth_ct_block).
struct SampleBlock {
  uint32_t channel = 0;
  int64_t first_sample_mono_ns = 0;
  double sample_rate_hz = 0.0;
  double current_skew_s = 0.0;  // current samples lag voltage samples by this much
  const float *voltage_v = nullptr;
  const float *current_a = nullptr;
  uint32_t count = 0;
};

// The view of a block as the host hands it over (valid only as long as `block`).
inline SampleBlock sample_block_from_abi(const hearth_ct_block &block) {
  return {block.channel,        block.first_sample_mono_ns,
          block.sample_rate_hz, block.current_skew_s,
          block.voltage_v,      block.current_a,
          block.count};
}

// Integrals over whole cycles, in sample units (divide by the length for means). Additive.
struct CycleSums {
  double length_samples = 0.0;
  double v2 = 0.0;          // sum of v^2
  double i2 = 0.0;          // sum of i^2
  double p = 0.0;           // sum of v*i
  double quadrature = 0.0;  // sum of v[n-1]*i[n] - v[n]*i[n-1]: > 0 when the current lags
  uint32_t cycles = 0;

  void add(const CycleSums &other);
};

// What one channel measured over the cycles of one reading.
struct PhaseReading {
  double voltage_rms_v = 0.0;
  double current_rms_a = 0.0;
  double active_power_w = 0.0;      // mean of v*i; + import / - export
  double reactive_power_var = 0.0;  // sqrt(S^2 - P^2), + when the current lags (inductive)
  double apparent_power_va = 0.0;   // Vrms * Irms
  double power_factor = 1.0;        // P / S (negative while exporting); 1 without current
  double frequency_hz = 0.0;
  double duration_s = 0.0;  // the whole cycles this reading covers
  double energy_wh = 0.0;   // integral of v*i over them
  uint32_t cycles = 0;
};

PhaseReading reading_from_sums(const CycleSums &sums, double sample_rate_hz);

// Why a block was not (fully) used.
enum class BlockOutcome {
  kAccepted,
  kRestarted,       // accepted after a gap or rate change; the cycle in progress was dropped
  kBadSampleRate,   // not finite or <= 0: rejected
  kBadSample,       // a NaN or infinite sample: rejected, stream restarted
  kUnknownChannel,  // not a channel of this grid: rejected
};
const char *outcome_name(BlockOutcome outcome);

// One channel's stream: alignment, cycle detection and integration.
class PhaseMeter {
 public:
  explicit PhaseMeter(ChannelCalibration calibration = {});

  BlockOutcome feed(const SampleBlock &block);
  // The whole cycles gathered since the last take(); resets them.
  CycleSums take();
  const CycleSums &pending() const { return window_; }
  double sample_rate_hz() const { return sample_rate_hz_; }
  // The monotonic time of the last crossing that closed a cycle (the end of the data in
  // pending()); 0 before the first.
  int64_t last_cycle_end_mono_ns() const { return last_cycle_end_ns_; }
  // Samples seen since the last zero crossing: large when the voltage is missing.
  double seconds_since_crossing() const;
  // Drops everything in progress (window included), e.g. after an outage.
  void reset();

 private:
  struct Sample {
    double v, i;
  };
  void restart_stream();
  double total_lag_samples(double block_skew_s) const;
  void process_available();
  void process_pair(double v, double i);
  void add_interval(double v0, double i0, double v1, double i1, double fraction, CycleSums &sums);
  void close_cycle(double crossing_index);

  ChannelCalibration calibration_;
  double sample_rate_hz_ = 0.0;
  double block_skew_s_ = 0.0;
  double lag_samples_ = 0.0;
  int64_t stream_start_ns_ = 0;  // time of voltage sample index 0 of the current stream
  int64_t next_block_ns_ = 0;    // expected first_sample_mono_ns of the next block
  bool streaming_ = false;

  // Calibrated samples of the current stream; index 0 of each deque is stream index *_base_.
  std::vector<double> voltage_;
  std::vector<double> current_;
  int64_t voltage_base_ = 0;
  int64_t current_base_ = 0;
  int64_t next_pair_ = 0;  // the next current index to align

  // Aligned pairs.
  bool have_previous_ = false;
  Sample previous_{};
  int64_t previous_index_ = 0;
  bool armed_ = false;
  bool in_cycle_ = false;
  double cycle_start_index_ = 0.0;
  CycleSums cycle_;
  double cycle_peak_v_ = 0.0;
  double last_peak_v_ = 0.0;
  double frequency_hz_ = 50.0;  // for degree corrections until the first measurement
  double last_crossing_index_ = 0.0;
  int64_t last_pair_index_ = 0;

  CycleSums window_;
  int64_t last_cycle_end_ns_ = 0;
};

enum class GridType {
  kSinglePhase,       // L1 + N on CT1
  kThreeWire,         // two-wattmeter (Aron): I_L1 with U_L1-L2 on CT1, I_L3 with U_L3-L2 on CT3
  kThreeWireNeutral,  // L1, L2, L3 against N on CT1..CT3
};
std::optional<GridType> grid_type_from_name(const std::string &name);
const char *grid_type_name(GridType type);
// The channels a grid type uses (0-based, CT1 = 0).
std::vector<uint32_t> grid_channels(GridType type);

struct ChannelReading {
  uint32_t channel = 0;
  PhaseReading phase;
};

struct GridReading {
  std::vector<ChannelReading> channels;  // in grid_channels() order
  double active_power_w = 0.0;           // sum of the channels (also for Aron)
  double reactive_power_var = 0.0;       // sum of the channels' signed reactive power
  double apparent_power_va = 0.0;        // |P + jQ|
  double power_factor = 1.0;             // P / S
  double frequency_hz = 0.0;             // of the first channel
  double energy_import_wh = 0.0;         // running totals after this reading
  double energy_export_wh = 0.0;
  int64_t end_mono_ns = 0;  // when the newest cycle in this reading ended
};

// The meter of a whole grid connection: one PhaseMeter per channel of the grid type, and the
// import/export energy registers, balanced across phases (the net energy of each reading goes to
// import or to export).
class GridMeter {
 public:
  GridMeter(GridType type, const std::array<ChannelCalibration, kChannelCount> &calibration);

  BlockOutcome feed(const SampleBlock &block);
  // A reading once every channel has gathered whole cycles covering `interval_s` (less one
  // period, so a block boundary that cuts a cycle does not delay it by a whole block).
  std::optional<GridReading> take_reading(double interval_s);

  void set_energy(double import_wh, double export_wh);
  double energy_import_wh() const { return import_wh_; }
  double energy_export_wh() const { return export_wh_; }
  GridType type() const { return type_; }
  const PhaseMeter &channel(uint32_t channel) const { return meters_.at(channel); }
  // Drops the cycles gathered so far on every channel (their energy is not counted).
  void reset();

 private:
  bool window_ready(const PhaseMeter &meter, double interval_s) const;

  GridType type_;
  std::vector<uint32_t> channels_;
  std::array<PhaseMeter, kChannelCount> meters_;
  double import_wh_ = 0.0;
  double export_wh_ = 0.0;
};

}  // namespace hearth::ct_meter
