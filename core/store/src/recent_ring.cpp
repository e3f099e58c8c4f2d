#include <algorithm>
#include <hearth/store/recent_ring.hpp>

namespace hearth::store {

void RecentRing::push(int64_t wall_ms, double value) {
  samples_.push_back({wall_ms, value});
  const int64_t oldest_kept = wall_ms - window_.window_ms;
  while (!samples_.empty() && samples_.front().wall_ms < oldest_kept) samples_.pop_front();
  while (samples_.size() > window_.max_samples) {
    samples_.pop_front();
    ++dropped_for_capacity_;
  }
}

std::vector<RecentSample> RecentRing::since(int64_t since_wall_ms) const {
  // Samples arrive in time order per point, so the first one to keep is found by bisection.
  const auto first = std::lower_bound(
      samples_.begin(), samples_.end(), since_wall_ms,
      [](const RecentSample &sample, int64_t wall_ms) { return sample.wall_ms < wall_ms; });
  return {first, samples_.end()};
}

}  // namespace hearth::store
