#pragma once
// The latest N latencies in a ring, for percentiles over recent behaviour (a box that runs for
// months cares about the last hour, not the average since boot). Recording is O(1) and does not
// allocate; percentile() sorts a copy and is meant for status pages and benchmarks.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth::bus {

class LatencyRecorder {
 public:
  explicit LatencyRecorder(size_t capacity = 4096);

  void record(int64_t latency_ns);
  // Nearest-rank percentile (0 < fraction <= 1) of the samples in the ring; 0 when empty.
  int64_t percentile_ns(double fraction) const;
  int64_t p50_ns() const { return percentile_ns(0.50); }
  int64_t p99_ns() const { return percentile_ns(0.99); }
  int64_t max_ns() const { return max_ns_; }  // over all time
  uint64_t count() const { return count_; }   // over all time
  size_t samples() const {
    return count_ < ring_.size() ? static_cast<size_t>(count_) : ring_.size();
  }
  void clear();

 private:
  std::vector<int64_t> ring_;
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
};

}  // namespace hearth::bus
