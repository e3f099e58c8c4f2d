#pragma once
// A current-transformer channel as the CT hardware would sample it: per-phase voltage and current
// waveforms with a gain error on the current and a skew between the two sample instants. A small
// model for the in-process HAL sim to feed its CT sample blocks from.
#include <cstdint>
#include <vector>

#include "hearth/sim/house.hpp"
#include "hearth/sim/scenario.hpp"

namespace hearth::sim {

struct CtSampleBlock {
  int64_t first_voltage_sample_ns = 0;  // time of voltage_v[0]
  int64_t current_skew_ns = 0;          // current_a[k] was taken this much after voltage_v[k]
  double sample_rate_hz = 0;
  std::vector<double> voltage_v, current_a;
};

class CtChannel {
 public:
  explicit CtChannel(CtChannelSettings settings) : settings_(settings) {}
  const CtChannelSettings &settings() const { return settings_; }
  // `count` samples from `start_ns` for the phase this channel clamps (power + import, unity
  // power factor as in the meter model).
  CtSampleBlock sample(const PhaseReading &phase, double frequency_hz, int64_t start_ns,
                       size_t count, double sample_rate_hz) const;

 private:
  CtChannelSettings settings_;
};

}  // namespace hearth::sim
