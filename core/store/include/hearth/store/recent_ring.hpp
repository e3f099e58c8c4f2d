#pragma once
// A point's raw recent values in RAM (architecture.md, "Persistence": raw values never reach the
// flash; the API serves them from here). Samples older than the window are dropped as new ones
// arrive, and at most max_samples are kept, so a point published far faster than expected cannot
// eat the memory. Core thread only.
#include <cstdint>
#include <deque>
#include <vector>

namespace hearth::store {

// 16 bytes a sample. value is NaN when the device flagged the sample INVALID.
struct RecentSample {
  int64_t wall_ms = 0;
  double value = 0;
};

struct RecentWindow {
  int64_t window_ms = 15 * 60'000;
  size_t max_samples = 4096;
};

class RecentRing {
 public:
  explicit RecentRing(RecentWindow window = {}) : window_(window) {}

  void push(int64_t wall_ms, double value);
  // Samples with wall_ms >= since_wall_ms, oldest first.
  std::vector<RecentSample> since(int64_t since_wall_ms) const;
  size_t size() const { return samples_.size(); }
  uint64_t dropped_for_capacity() const { return dropped_for_capacity_; }

 private:
  RecentWindow window_;
  std::deque<RecentSample> samples_;
  uint64_t dropped_for_capacity_ = 0;
};

}  // namespace hearth::store
