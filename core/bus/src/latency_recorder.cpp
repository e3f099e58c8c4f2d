#include <algorithm>
#include <cmath>
#include <hearth/bus/latency_recorder.hpp>

namespace hearth::bus {

LatencyRecorder::LatencyRecorder(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void LatencyRecorder::record(int64_t latency_ns) {
  ring_[static_cast<size_t>(count_ % ring_.size())] = latency_ns;
  ++count_;
  max_ns_ = std::max(max_ns_, latency_ns);
}

int64_t LatencyRecorder::percentile_ns(double fraction) const {
  const size_t held = samples();
  if (held == 0) return 0;
  std::vector<int64_t> sorted(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(held));
  const double clamped = std::clamp(fraction, 0.0, 1.0);
  // Nearest rank: the smallest sample with at least `fraction` of all samples at or below it.
  const auto rank = static_cast<size_t>(std::ceil(clamped * static_cast<double>(held)));
  const size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index),
                   sorted.end());
  return sorted[index];
}

void LatencyRecorder::clear() {
  count_ = 0;
  max_ns_ = 0;
}

}  // namespace hearth::bus
