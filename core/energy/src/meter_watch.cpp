// Frozen meter and stopped counters (meter_watch.hpp).
#include <algorithm>
#include <bit>
#include <cmath>
#include <hearth/energy/meter_watch.hpp>

namespace hearth::energy {

void MeterWatch::on_power(double power_w, double inverter_output_w, int64_t sampled_ns) {
  const auto bits = std::bit_cast<uint64_t>(power_w);
  if (last_bits_ == bits) {
    ++identical_run_;
    run_min_output_w_ = std::min(run_min_output_w_, inverter_output_w);
    run_max_output_w_ = std::max(run_max_output_w_, inverter_output_w);
  } else {
    identical_run_ = 1;
    run_min_output_w_ = run_max_output_w_ = inverter_output_w;
    frozen_ = false;
  }
  last_bits_ = bits;
  if (identical_run_ >= settings_.frozen_samples &&
      run_max_output_w_ - run_min_output_w_ >= settings_.inverter_change_w) {
    frozen_ = true;
  }
  // The energy the previous power value stands for, by direction (rectangle rule).
  if (last_sample_ns_ && last_power_w_ && sampled_ns > *last_sample_ns_) {
    const int64_t gap_ns = std::min(sampled_ns - *last_sample_ns_, settings_.max_gap_ns);
    const double wh = *last_power_w_ * static_cast<double>(gap_ns) / 3.6e12;
    (wh > 0 ? import_ : export_).flowed_since_change_wh += std::abs(wh);
  }
  last_sample_ns_ = sampled_ns;
  last_power_w_ = power_w;
}

void MeterWatch::on_counter(Counter &counter, double wh) {
  if (!counter.last_wh || wh != *counter.last_wh) {
    counter.last_wh = wh;
    counter.flowed_since_change_wh = 0;
    counter.stopped = false;
    return;
  }
  if (counter.flowed_since_change_wh >= settings_.counter_stall_wh) counter.stopped = true;
}

void MeterWatch::reset() {
  *this = MeterWatch(settings_);
}

}  // namespace hearth::energy
