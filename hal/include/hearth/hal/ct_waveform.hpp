#pragma once
// Synthetic CT sample blocks: sinusoidal voltage and current with harmonics, a gain error and a
// V/I sampling skew, so the ct-meter driver can be tested against known true values (a pure
// function; the sim backend injects its result).
#include <cstdint>
#include <hearth/hal/ct.hpp>
#include <vector>

namespace hearth::hal {

struct CtHarmonic {
  uint32_t order = 3;             // multiple of the fundamental
  double voltage_fraction = 0.0;  // amplitude relative to the fundamental's amplitude
  double current_fraction = 0.0;
  double current_phase_deg = 0.0;  // current lag behind this harmonic's voltage
};

struct CtWaveform {
  double frequency_hz = 50.0;
  double voltage_rms_v = 230.0;
  double current_rms_a = 10.0;
  double current_phase_deg = 0.0;  // current lag behind voltage (+ = inductive); 180 = export
  double voltage_phase_deg = 0.0;  // voltage phase at mono time 0 (phases B, C: -120, -240)
  std::vector<CtHarmonic> harmonics{};
  double voltage_gain_error = 0.0;  // measured = true * (1 + error)
  double current_gain_error = 0.0;
  double sampling_skew_s = 0.0;  // current sampled this much later than voltage
  bool report_skew = false;      // put sampling_skew_s into the block (a known skew)
};

// `count` samples starting at `first_sample_mono_ns`. The waveform is a function of absolute
// monotonic time, so consecutive blocks join without a phase jump.
CtBlock generate_ct_block(uint32_t channel, const CtWaveform &waveform,
                          int64_t first_sample_mono_ns, double sample_rate_hz, uint32_t count);

// True values of the waveform without gain errors or skew, for asserting a meter's results:
// active power P = sum over harmonics of V_h I_h cos(phi_h) (fundamental included).
double true_active_power_w(const CtWaveform &waveform);
double true_voltage_rms_v(const CtWaveform &waveform);
double true_current_rms_a(const CtWaveform &waveform);

}  // namespace hearth::hal
