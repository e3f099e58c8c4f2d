#include <cmath>
#include <hearth/hal/ct_waveform.hpp>
#include <numbers>
#include <stdexcept>

namespace hearth::hal {

namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;

// Instantaneous value of a sum of harmonics at absolute time t (seconds): the fundamental with
// amplitude sqrt(2) * rms and each harmonic as a fraction of that amplitude.
double voltage_at(const CtWaveform &w, double t_s) {
  const double omega = 2.0 * std::numbers::pi * w.frequency_hz;
  const double peak = std::sqrt(2.0) * w.voltage_rms_v;
  const double phase0 = w.voltage_phase_deg * kDegToRad;
  double v = peak * std::sin(omega * t_s + phase0);
  for (const auto &h : w.harmonics) {
    v += peak * h.voltage_fraction * std::sin(h.order * (omega * t_s + phase0));
  }
  return v;
}

double current_at(const CtWaveform &w, double t_s) {
  const double omega = 2.0 * std::numbers::pi * w.frequency_hz;
  const double peak = std::sqrt(2.0) * w.current_rms_a;
  const double phase0 = w.voltage_phase_deg * kDegToRad;
  double i = peak * std::sin(omega * t_s + phase0 - w.current_phase_deg * kDegToRad);
  for (const auto &h : w.harmonics) {
    i += peak * h.current_fraction *
         std::sin(h.order * (omega * t_s + phase0) - h.current_phase_deg * kDegToRad);
  }
  return i;
}

}  // namespace

CtBlock generate_ct_block(uint32_t channel, const CtWaveform &waveform,
                          int64_t first_sample_mono_ns, double sample_rate_hz, uint32_t count) {
  if (channel >= kCtChannelCount) throw std::invalid_argument("ct: channel out of range");
  if (!(sample_rate_hz > 0.0)) throw std::invalid_argument("ct: sample rate must be positive");
  CtBlock block;
  block.channel = channel;
  block.first_sample_mono_ns = first_sample_mono_ns;
  block.sample_rate_hz = sample_rate_hz;
  block.current_skew_s = waveform.report_skew ? waveform.sampling_skew_s : 0.0;
  block.voltage_v.reserve(count);
  block.current_a.reserve(count);
  const double voltage_gain = 1.0 + waveform.voltage_gain_error;
  const double current_gain = 1.0 + waveform.current_gain_error;
  for (uint32_t n = 0; n < count; ++n) {
    const double t_s = static_cast<double>(first_sample_mono_ns) * 1e-9 + n / sample_rate_hz;
    block.voltage_v.push_back(static_cast<float>(voltage_gain * voltage_at(waveform, t_s)));
    block.current_a.push_back(
        static_cast<float>(current_gain * current_at(waveform, t_s + waveform.sampling_skew_s)));
  }
  return block;
}

double true_voltage_rms_v(const CtWaveform &w) {
  double sum = 1.0;
  for (const auto &h : w.harmonics) sum += h.voltage_fraction * h.voltage_fraction;
  return w.voltage_rms_v * std::sqrt(sum);
}

double true_current_rms_a(const CtWaveform &w) {
  double sum = 1.0;
  for (const auto &h : w.harmonics) sum += h.current_fraction * h.current_fraction;
  return w.current_rms_a * std::sqrt(sum);
}

double true_active_power_w(const CtWaveform &w) {
  double p = w.voltage_rms_v * w.current_rms_a * std::cos(w.current_phase_deg * kDegToRad);
  for (const auto &h : w.harmonics) {
    p += w.voltage_rms_v * h.voltage_fraction * w.current_rms_a * h.current_fraction *
         std::cos(h.current_phase_deg * kDegToRad);
  }
  return p;
}

}  // namespace hearth::hal
