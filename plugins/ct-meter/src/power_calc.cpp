#include "power_calc.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::ct_meter {
namespace {

// A cycle whose voltage peak stays below this is noise on a dead input, not a grid cycle.
constexpr double kMinCyclePeakV = 10.0;
// Hysteresis of the zero-crossing detector, as a fraction of the last cycle's voltage peak.
constexpr double kCrossingHysteresis = 0.1;
// A block may start this many sample periods off its expected time and still continue the
// stream (timestamp jitter); beyond it the stream restarts.
constexpr double kGapToleranceSamples = 0.5;

// The instantaneous products integrated per cycle.
struct Products {
  double v2, i2, p;
};
Products products(double v, double i) {
  return {v * v, i * i, v * i};
}
Products lerp(const Products &a, const Products &b, double t) {
  return {a.v2 + t * (b.v2 - a.v2), a.i2 + t * (b.i2 - a.i2), a.p + t * (b.p - a.p)};
}

// Trapezoid over `length` samples between a and b; `quadrature` is the whole interval's value.
void add_trapezoid(CycleSums &sums, const Products &a, const Products &b, double length,
                   double quadrature) {
  sums.length_samples += length;
  sums.v2 += length * 0.5 * (a.v2 + b.v2);
  sums.i2 += length * 0.5 * (a.i2 + b.i2);
  sums.p += length * 0.5 * (a.p + b.p);
  sums.quadrature += length * quadrature;
}

// 4-point Lagrange interpolation at fraction u in [0, 1) between y0 and y1 (ym1 before y0, y2
// after y1).
double cubic_interpolate(double ym1, double y0, double y1, double y2, double u) {
  const double wm1 = -u * (u - 1.0) * (u - 2.0) / 6.0;
  const double w0 = (u + 1.0) * (u - 1.0) * (u - 2.0) / 2.0;
  const double w1 = -(u + 1.0) * u * (u - 2.0) / 2.0;
  const double w2 = (u + 1.0) * u * (u - 1.0) / 6.0;
  return wm1 * ym1 + w0 * y0 + w1 * y1 + w2 * y2;
}

template <class T>
void drop_front(std::vector<T> &values, int64_t &base, int64_t new_base) {
  if (new_base <= base) return;
  const auto n = static_cast<size_t>(std::min<int64_t>(new_base - base, values.size()));
  values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
  base += static_cast<int64_t>(n);
}

}  // namespace

void CycleSums::add(const CycleSums &other) {
  length_samples += other.length_samples;
  v2 += other.v2;
  i2 += other.i2;
  p += other.p;
  quadrature += other.quadrature;
  cycles += other.cycles;
}

PhaseReading reading_from_sums(const CycleSums &sums, double sample_rate_hz) {
  PhaseReading r;
  if (sums.cycles == 0 || sums.length_samples <= 0.0 || !(sample_rate_hz > 0.0)) return r;
  const double n = sums.length_samples;
  r.cycles = sums.cycles;
  r.duration_s = n / sample_rate_hz;
  r.frequency_hz = sums.cycles / r.duration_s;
  r.voltage_rms_v = std::sqrt(sums.v2 / n);
  r.current_rms_a = std::sqrt(sums.i2 / n);
  r.active_power_w = sums.p / n;
  r.apparent_power_va = r.voltage_rms_v * r.current_rms_a;
  const double nonactive_squared = std::max(
      0.0, r.apparent_power_va * r.apparent_power_va - r.active_power_w * r.active_power_w);
  r.reactive_power_var = std::copysign(std::sqrt(nonactive_squared), sums.quadrature);
  r.power_factor = r.apparent_power_va > 0.0 ? r.active_power_w / r.apparent_power_va : 1.0;
  r.energy_wh = sums.p / sample_rate_hz / 3600.0;
  return r;
}

const char *outcome_name(BlockOutcome outcome) {
  switch (outcome) {
    case BlockOutcome::kAccepted:
      return "accepted";
    case BlockOutcome::kRestarted:
      return "accepted after a gap (cycle in progress dropped)";
    case BlockOutcome::kBadSampleRate:
      return "rejected: sample rate not a positive number";
    case BlockOutcome::kBadSample:
      return "rejected: a sample is not a finite number";
    case BlockOutcome::kUnknownChannel:
      return "rejected: channel not used by this grid type";
  }
  return "?";
}

/* ---- PhaseMeter ----------------------------------------------------------------------------- */

PhaseMeter::PhaseMeter(ChannelCalibration calibration) : calibration_(calibration) {}

void PhaseMeter::reset() {
  restart_stream();
  window_ = {};
}

void PhaseMeter::restart_stream() {
  streaming_ = false;
  voltage_.clear();
  current_.clear();
  voltage_base_ = current_base_ = next_pair_ = 0;
  have_previous_ = armed_ = in_cycle_ = false;
  cycle_ = {};
  cycle_peak_v_ = 0.0;
  last_crossing_index_ = 0.0;
  last_pair_index_ = 0;
}

double PhaseMeter::total_lag_samples(double block_skew_s) const {
  const double lag_s = block_skew_s + calibration_.current_lag_s +
                       calibration_.current_lag_deg / (360.0 * frequency_hz_);
  return lag_s * sample_rate_hz_;
}

double PhaseMeter::seconds_since_crossing() const {
  if (!(sample_rate_hz_ > 0.0)) return 0.0;
  return (static_cast<double>(last_pair_index_) - last_crossing_index_) / sample_rate_hz_;
}

BlockOutcome PhaseMeter::feed(const SampleBlock &block) {
  if (!std::isfinite(block.sample_rate_hz) || block.sample_rate_hz <= 0.0 ||
      !std::isfinite(block.current_skew_s))
    return BlockOutcome::kBadSampleRate;
  if (block.count > 0 && (block.voltage_v == nullptr || block.current_a == nullptr))
    return BlockOutcome::kBadSample;
  for (uint32_t k = 0; k < block.count; ++k) {
    if (!std::isfinite(block.voltage_v[k]) || !std::isfinite(block.current_a[k])) {
      restart_stream();
      return BlockOutcome::kBadSample;
    }
  }
  BlockOutcome outcome = BlockOutcome::kAccepted;
  const double period_ns = 1e9 / block.sample_rate_hz;
  if (streaming_ && (block.sample_rate_hz != sample_rate_hz_ ||
                     std::abs(static_cast<double>(block.first_sample_mono_ns - next_block_ns_)) >
                         kGapToleranceSamples * period_ns)) {
    restart_stream();
    outcome = BlockOutcome::kRestarted;
  }
  if (!streaming_) {
    streaming_ = true;
    sample_rate_hz_ = block.sample_rate_hz;
  }
  // Time of stream index 0 as seen from this block, so a slow drift of the converter's clock
  // against the monotonic clock never accumulates.
  stream_start_ns_ =
      block.first_sample_mono_ns -
      static_cast<int64_t>(std::llround(
          static_cast<double>(voltage_base_ + static_cast<int64_t>(voltage_.size())) * period_ns));
  next_block_ns_ = block.first_sample_mono_ns + std::llround(block.count * period_ns);
  block_skew_s_ = block.current_skew_s;
  lag_samples_ = total_lag_samples(block_skew_s_);
  for (uint32_t k = 0; k < block.count; ++k) {
    voltage_.push_back(block.voltage_v[k] * calibration_.voltage_gain);
    current_.push_back(block.current_a[k] * calibration_.current_gain);
  }
  process_available();
  return outcome;
}

void PhaseMeter::process_available() {
  const int64_t voltage_end = voltage_base_ + static_cast<int64_t>(voltage_.size());
  const int64_t current_end = current_base_ + static_cast<int64_t>(current_.size());
  for (; next_pair_ < current_end; ++next_pair_) {
    const double position = static_cast<double>(next_pair_) + lag_samples_;
    const auto k = static_cast<int64_t>(std::floor(position));
    if (k - 1 < voltage_base_) continue;  // stream start, current ahead of voltage: no history
    if (k + 2 >= voltage_end) break;      // wait for the voltage samples of the next block
    const double *v = &voltage_[static_cast<size_t>(k - 1 - voltage_base_)];
    const double aligned_v = cubic_interpolate(v[0], v[1], v[2], v[3], position - k);
    last_pair_index_ = next_pair_;
    process_pair(aligned_v, current_[static_cast<size_t>(next_pair_ - current_base_)]);
  }
  const auto oldest_needed =
      static_cast<int64_t>(std::floor(static_cast<double>(next_pair_) + lag_samples_)) - 3;
  drop_front(voltage_, voltage_base_, oldest_needed);
  drop_front(current_, current_base_, next_pair_);
}

void PhaseMeter::process_pair(double v, double i) {
  cycle_peak_v_ = std::max(cycle_peak_v_, std::abs(v));
  if (seconds_since_crossing() > 1.0 / kMinFrequencyHz) {
    // No crossing for longer than a cycle: follow the amplitude down (or up) from scratch.
    last_peak_v_ = cycle_peak_v_;
  }
  if (!have_previous_) {
    have_previous_ = true;
    previous_ = {v, i};
    last_crossing_index_ = static_cast<double>(last_pair_index_);
    return;
  }
  const Products before = products(previous_.v, previous_.i);
  const Products now = products(v, i);
  const double quadrature = previous_.v * i - v * previous_.i;
  if (armed_ && previous_.v <= 0.0 && v > 0.0) {
    const double fraction = previous_.v / (previous_.v - v);
    const Products at_crossing = lerp(before, now, fraction);
    const double crossing_index = static_cast<double>(last_pair_index_ - 1) + fraction;
    if (in_cycle_) {
      add_trapezoid(cycle_, before, at_crossing, fraction, quadrature);
      close_cycle(crossing_index);
    }
    in_cycle_ = true;
    armed_ = false;
    cycle_ = {};
    cycle_start_index_ = crossing_index;
    add_trapezoid(cycle_, at_crossing, now, 1.0 - fraction, quadrature);
  } else if (in_cycle_) {
    add_trapezoid(cycle_, before, now, 1.0, quadrature);
  }
  const double threshold =
      kCrossingHysteresis * (last_peak_v_ > 0.0 ? last_peak_v_ : cycle_peak_v_);
  if (v < -threshold) armed_ = true;
  previous_ = {v, i};
}

void PhaseMeter::close_cycle(double crossing_index) {
  const double length = crossing_index - cycle_start_index_;
  const double frequency_hz = sample_rate_hz_ / length;
  const bool plausible = frequency_hz >= kMinFrequencyHz && frequency_hz <= kMaxFrequencyHz &&
                         cycle_peak_v_ >= kMinCyclePeakV;
  last_peak_v_ = cycle_peak_v_;
  cycle_peak_v_ = 0.0;
  last_crossing_index_ = crossing_index;
  if (!plausible) return;
  cycle_.cycles = 1;
  window_.add(cycle_);
  frequency_hz_ = frequency_hz;
  lag_samples_ = total_lag_samples(block_skew_s_);  // a correction in degrees follows f
  last_cycle_end_ns_ =
      stream_start_ns_ + std::llround((crossing_index + lag_samples_) * 1e9 / sample_rate_hz_);
}

CycleSums PhaseMeter::take() {
  CycleSums taken = window_;
  window_ = {};
  return taken;
}

/* ---- Grid types ----------------------------------------------------------------------------- */

std::optional<GridType> grid_type_from_name(const std::string &name) {
  for (GridType type : {GridType::kSinglePhase, GridType::kThreeWire, GridType::kThreeWireNeutral})
    if (name == grid_type_name(type)) return type;
  return std::nullopt;
}

const char *grid_type_name(GridType type) {
  switch (type) {
    case GridType::kSinglePhase:
      return "single-phase";
    case GridType::kThreeWire:
      return "3w";
    case GridType::kThreeWireNeutral:
      return "3w+n";
  }
  return "?";
}

std::vector<uint32_t> grid_channels(GridType type) {
  switch (type) {
    case GridType::kSinglePhase:
      return {0};
    case GridType::kThreeWire:
      return {0, 2};
    case GridType::kThreeWireNeutral:
      return {0, 1, 2};
  }
  return {};
}

/* ---- GridMeter ------------------------------------------------------------------------------ */

GridMeter::GridMeter(GridType type,
                     const std::array<ChannelCalibration, kChannelCount> &calibration)
    : type_(type),
      channels_(grid_channels(type)),
      meters_{PhaseMeter(calibration[0]), PhaseMeter(calibration[1]), PhaseMeter(calibration[2])} {}

BlockOutcome GridMeter::feed(const SampleBlock &block) {
  if (std::find(channels_.begin(), channels_.end(), block.channel) == channels_.end())
    return BlockOutcome::kUnknownChannel;
  return meters_[block.channel].feed(block);
}

bool GridMeter::window_ready(const PhaseMeter &meter, double interval_s) const {
  const CycleSums &sums = meter.pending();
  if (sums.cycles == 0) return false;
  const double duration_s = sums.length_samples / meter.sample_rate_hz();
  const double period_s = duration_s / sums.cycles;
  return duration_s >= interval_s - period_s;
}

std::optional<GridReading> GridMeter::take_reading(double interval_s) {
  for (uint32_t channel : channels_)
    if (!window_ready(meters_[channel], interval_s)) return std::nullopt;
  GridReading reading;
  double net_energy_wh = 0.0;
  for (uint32_t channel : channels_) {
    PhaseMeter &meter = meters_[channel];
    const PhaseReading phase = reading_from_sums(meter.take(), meter.sample_rate_hz());
    reading.channels.push_back({channel, phase});
    reading.active_power_w += phase.active_power_w;
    reading.reactive_power_var += phase.reactive_power_var;
    net_energy_wh += phase.energy_wh;
    reading.end_mono_ns = std::max(reading.end_mono_ns, meter.last_cycle_end_mono_ns());
  }
  reading.apparent_power_va = std::hypot(reading.active_power_w, reading.reactive_power_var);
  reading.power_factor =
      reading.apparent_power_va > 0.0 ? reading.active_power_w / reading.apparent_power_va : 1.0;
  reading.frequency_hz = reading.channels.front().phase.frequency_hz;
  if (net_energy_wh >= 0.0)
    import_wh_ += net_energy_wh;
  else
    export_wh_ -= net_energy_wh;
  reading.energy_import_wh = import_wh_;
  reading.energy_export_wh = export_wh_;
  return reading;
}

void GridMeter::set_energy(double import_wh, double export_wh) {
  import_wh_ = import_wh;
  export_wh_ = export_wh;
}

void GridMeter::reset() {
  for (PhaseMeter &meter : meters_) meter.reset();
}

}  // namespace hearth::ct_meter
