#include "hearth/sim/ct_channel.hpp"

#include <cmath>
#include <numbers>

namespace hearth::sim {

CtSampleBlock CtChannel::sample(const PhaseReading &phase, double frequency_hz, int64_t start_ns,
                                size_t count, double sample_rate_hz) const {
  CtSampleBlock block;
  block.first_voltage_sample_ns = start_ns;
  block.current_skew_ns = static_cast<int64_t>(settings_.skew_us * 1000.0);
  block.sample_rate_hz = sample_rate_hz;
  const double omega = 2.0 * std::numbers::pi * frequency_hz;
  const double v_peak = std::sqrt(2.0) * phase.voltage_v;
  // Import: current in phase with the voltage; export: in antiphase.
  const double i_peak =
      std::sqrt(2.0) * std::copysign(phase.current_a, phase.power_w) * (1.0 + settings_.gain_error);
  const double phase_offset = -2.0 * std::numbers::pi * (settings_.phase - 1) / 3.0;
  for (size_t k = 0; k < count; ++k) {
    const double t_s =
        static_cast<double>(start_ns) * 1e-9 + static_cast<double>(k) / sample_rate_hz;
    const double t_current_s = t_s + static_cast<double>(block.current_skew_ns) * 1e-9;
    block.voltage_v.push_back(v_peak * std::sin(omega * t_s + phase_offset));
    block.current_a.push_back(i_peak * std::sin(omega * t_current_s + phase_offset));
  }
  return block;
}

}  // namespace hearth::sim
