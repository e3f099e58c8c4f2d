#pragma once
// Synthetic CT sample blocks with known answers for the ct-meter tests: sinusoidal voltage and
// current with harmonics, gain errors and a V/I sampling skew, sampled exactly as a converter
// would (sample k of a stream at start + k / rate; the current `skew_s` later than the voltage).
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>
#include <vector>

#include "power_calc.hpp"

namespace hearth::ct_meter::testing {

struct Harmonic {
  uint32_t order = 3;
  double voltage_fraction = 0.0;  // of the fundamental's amplitude
  double current_fraction = 0.0;
  double current_lag_deg = 0.0;  // behind this harmonic's voltage
};

// The standard harmonic mix of the accuracy tests: 3rd and 5th in voltage and current.
inline std::vector<Harmonic> typical_harmonics() {
  return {{3, 0.05, 0.30, 20.0}, {5, 0.04, 0.15, -35.0}};
}

// One channel's true signals.
struct Waveform {
  double frequency_hz = 50.0;
  double voltage_rms_v = 230.0;
  double voltage_phase_deg = 0.0;
  double current_rms_a = 10.0;
  double current_lag_deg = 0.0;  // + inductive (lagging), - capacitive, 180 export
  std::vector<Harmonic> harmonics{};

  double voltage(double t_s) const { return sum(t_s, true); }
  double current(double t_s) const { return sum(t_s, false); }

  double true_voltage_rms_v() const { return voltage_rms_v * std::sqrt(1.0 + squares(true)); }
  double true_current_rms_a() const { return current_rms_a * std::sqrt(1.0 + squares(false)); }
  double true_active_power_w() const {
    double p = voltage_rms_v * current_rms_a * std::cos(radians(current_lag_deg));
    for (const Harmonic &h : harmonics)
      p += voltage_rms_v * h.voltage_fraction * current_rms_a * h.current_fraction *
           std::cos(radians(h.current_lag_deg));
    return p;
  }
  double true_apparent_power_va() const { return true_voltage_rms_v() * true_current_rms_a(); }

  static double radians(double deg) { return deg * std::numbers::pi / 180.0; }

 private:
  double sum(double t_s, bool voltage_wanted) const {
    const double angle = 2.0 * std::numbers::pi * frequency_hz * t_s + radians(voltage_phase_deg);
    const double rms = voltage_wanted ? voltage_rms_v : current_rms_a;
    double value = std::sin(angle - (voltage_wanted ? 0.0 : radians(current_lag_deg)));
    for (const Harmonic &h : harmonics) {
      const double fraction = voltage_wanted ? h.voltage_fraction : h.current_fraction;
      const double lag = voltage_wanted ? 0.0 : radians(h.current_lag_deg);
      value += fraction * std::sin(h.order * angle - lag);
    }
    return std::numbers::sqrt2 * rms * value;
  }
  double squares(bool voltage_wanted) const {
    double s = 0.0;
    for (const Harmonic &h : harmonics) {
      const double f = voltage_wanted ? h.voltage_fraction : h.current_fraction;
      s += f * f;
    }
    return s;
  }
};

// What the converter gets wrong.
struct Converter {
  double sample_rate_hz = 4000.0;
  uint32_t block_samples = 400;
  double voltage_gain_error = 0.0;  // measured = true * (1 + error)
  double current_gain_error = 0.0;
  double skew_s = 0.0;       // current sampled this much later than voltage
  bool report_skew = false;  // put skew_s into the block's current_skew_s
  // An imperfect front end: DC offsets, white noise (rms) and quantisation steps (0: none).
  double voltage_offset_v = 0.0, current_offset_a = 0.0;
  double voltage_noise_v = 0.0, current_noise_a = 0.0;
  double voltage_step_v = 0.0, current_step_a = 0.0;

  double voltage_sample(double true_v, std::mt19937 &rng) const {
    return sample(true_v * (1.0 + voltage_gain_error) + voltage_offset_v, voltage_noise_v,
                  voltage_step_v, rng);
  }
  double current_sample(double true_a, std::mt19937 &rng) const {
    return sample(true_a * (1.0 + current_gain_error) + current_offset_a, current_noise_a,
                  current_step_a, rng);
  }

 private:
  static double sample(double value, double noise, double step, std::mt19937 &rng) {
    if (noise > 0.0) value += std::normal_distribution<double>(0.0, noise)(rng);
    return step > 0.0 ? step * std::round(value / step) : value;
  }
};

// A block that owns its samples; view() is what the meter is fed.
struct OwnedBlock {
  uint32_t channel = 0;
  int64_t first_sample_mono_ns = 0;
  double sample_rate_hz = 0.0;
  double current_skew_s = 0.0;
  std::vector<float> voltage_v;
  std::vector<float> current_a;

  SampleBlock view() const {
    return {channel,
            first_sample_mono_ns,
            sample_rate_hz,
            current_skew_s,
            voltage_v.data(),
            current_a.data(),
            static_cast<uint32_t>(std::min(voltage_v.size(), current_a.size()))};
  }
};

using Signal = std::function<double(double t_s)>;

// Consecutive blocks of one channel, starting at mono time start_ns (t = 0 of the signals).
class BlockStream {
 public:
  BlockStream(uint32_t channel, Signal voltage, Signal current, Converter converter,
              int64_t start_ns = 1'000'000'000)
      : channel_(channel),
        voltage_(std::move(voltage)),
        current_(std::move(current)),
        converter_(converter),
        start_ns_(start_ns) {}
  BlockStream(uint32_t channel, const Waveform &waveform, Converter converter,
              int64_t start_ns = 1'000'000'000)
      : BlockStream(
            channel, [waveform](double t) { return waveform.voltage(t); },
            [waveform](double t) { return waveform.current(t); }, converter, start_ns) {}

  OwnedBlock next() {
    OwnedBlock block;
    block.channel = channel_;
    block.sample_rate_hz = converter_.sample_rate_hz;
    block.current_skew_s = converter_.report_skew ? converter_.skew_s : 0.0;
    block.first_sample_mono_ns = start_ns_ + std::llround(next_index_ * 1e9 / block.sample_rate_hz);
    for (uint32_t k = 0; k < converter_.block_samples; ++k, ++next_index_) {
      const double t = static_cast<double>(next_index_) / converter_.sample_rate_hz;
      block.voltage_v.push_back(static_cast<float>(converter_.voltage_sample(voltage_(t), rng_)));
      block.current_a.push_back(
          static_cast<float>(converter_.current_sample(current_(t + converter_.skew_s), rng_)));
    }
    return block;
  }
  // Leaves a hole of `blocks` blocks in the stream (a lost transfer).
  void skip(uint32_t blocks) {
    next_index_ += static_cast<int64_t>(blocks) * converter_.block_samples;
  }
  double seconds_generated() const { return next_index_ / converter_.sample_rate_hz; }

 private:
  uint32_t channel_;
  Signal voltage_;
  Signal current_;
  Converter converter_;
  int64_t start_ns_;
  int64_t next_index_ = 0;
  std::mt19937 rng_{12345};  // fixed seed: every run sees the same noise
};

}  // namespace hearth::ct_meter::testing
