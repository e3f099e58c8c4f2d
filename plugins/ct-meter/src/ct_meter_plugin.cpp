// ct-meter: the board's built-in grid meter, computed from the HAL's CT sample blocks
// (hearth_ct_block via hal_ct_subscribe). The signal processing is in power_calc.{hpp,cpp}; this
// file reads and checks the parameters, subscribes the channels of the grid type, publishes the
// readings as points and keeps the energy registers across restarts. See README.md.
#include <array>
#include <cstring>
#include <hearth/plugin.hpp>
#include <string>

#include "power_calc.hpp"

namespace hearth::ct_meter {
namespace {

// The reference product's CT options (emma-functions.md, "Ports"): the internal CT measures up
// to 63 A; external CTs have a 50 mA secondary and a primary of N x 50 A, N an integer >= 2.
constexpr double kInternalCtMaxA = 63.0;
constexpr double kExternalCtStepA = 50.0;
// Currents this far above the CT's range are reported with an alarm (the reading stays good:
// the meter still measures, but its accuracy is not specified there).
constexpr double kOverRangeFactor = 1.2;
// A channel that delivers no block, or no voltage cycle, for this long takes the meter offline.
constexpr int64_t kSilenceLimitNs = 1'000'000'000;
constexpr std::chrono::milliseconds kWatchdogPeriod{250};
// Energy registers are written to the device's store at most this often (and at stop).
constexpr int64_t kEnergySaveIntervalNs = 10'000'000'000;
constexpr const char *kEnergyKey = "energy_wh";

constexpr int32_t kAlarmOverRange = 1;
constexpr int32_t kAlarmNoSignal = 2;

const char *const kChannelNames[kChannelCount] = {"CT1", "CT2", "CT3"};

// What the YAML says about the current transformers.
struct CtRange {
  bool external = false;
  int64_t ratio_n = 0;  // external only
  double max_current_a = kInternalCtMaxA;
};

CtRange read_ct_range(const Host &host) {
  CtRange range;
  range.external = host.param_string("ct") == "external";
  int64_t ratio_n = 0;
  const int32_t status = host.api().param_int(host.device(), "ct_ratio_n", &ratio_n);
  const bool ratio_given = status == HEARTH_OK;
  if (!ratio_given && status != HEARTH_E_NOT_FOUND)
    throw Error(status, text("parameter 'ct_ratio_n': ", status_name(status)));
  if (!range.external) {
    if (ratio_given)
      throw Error(HEARTH_E_INVALID,
                  "ct_ratio_n applies only to 'ct: external'; the internal CT measures up to 63 A");
    return range;
  }
  if (!ratio_given)
    throw Error(HEARTH_E_INVALID,
                "'ct: external' needs ct_ratio_n: the CT's primary is ct_ratio_n x 50 A with a "
                "50 mA secondary (an integer >= 2, e.g. 4 for a 200 A CT)");
  if (ratio_n < 2)
    throw Error(HEARTH_E_INVALID, text("ct_ratio_n is ", ratio_n,
                                       "; external CTs have a primary "
                                       "of N x 50 A with N >= 2 (use 'ct: internal' up to 63 A)"));
  range.ratio_n = ratio_n;
  range.max_current_a = kExternalCtStepA * static_cast<double>(ratio_n);
  return range;
}

std::string channel_param(uint32_t channel, const char *suffix) {
  return text("ct", channel + 1, "_", suffix);
}

ChannelCalibration read_calibration(const Host &host, uint32_t channel) {
  ChannelCalibration c;
  c.voltage_gain = host.param_double(channel_param(channel, "voltage_gain").c_str());
  c.current_gain = host.param_double(channel_param(channel, "current_gain").c_str());
  // A CT clipped on the other way round measures the current with the wrong sign.
  if (host.param_bool(channel_param(channel, "reversed").c_str())) c.current_gain = -c.current_gain;
  c.current_lag_deg = host.param_double(channel_param(channel, "phase_deg").c_str());
  c.current_lag_s = host.param_double(channel_param(channel, "skew_us").c_str()) * 1e-6;
  return c;
}

GridType read_grid_type(const Host &host) {
  const std::string name = host.param_string("grid");
  const auto type = grid_type_from_name(name);
  if (!type) throw Error(HEARTH_E_INVALID, text("grid '", name, "' is not single-phase|3w|3w+n"));
  return *type;
}

// The points of one channel. A two-wattmeter channel measures a line-to-line voltage and its
// element power is no phase's power, so it publishes voltage and current only.
struct ChannelPoints {
  Point<double> voltage_v, current_a, power_w, reactive_power_var, power_factor;
  bool per_phase_power = false;
};

class CtMeter : public Device {
 public:
  CtMeter()
      : grid_type_(read_grid_type(host())),
        range_(read_ct_range(host())),
        update_interval_s_(static_cast<double>(host().param_duration("update_interval").count()) /
                           1000.0),
        meter_(grid_type_, {read_calibration(host(), 0), read_calibration(host(), 1),
                            read_calibration(host(), 2)}) {}

  void start() override {
    declare_points();
    restore_energy();
    const double nominal_voltage_v = host().param_double("nominal_voltage_v");
    const double phases = grid_type_ == GridType::kSinglePhase ? 1.0 : 3.0;
    host().register_capability(
        "grid_meter", {limit("max_current_a", range_.max_current_a),
                       limit("rated_w", phases * nominal_voltage_v * range_.max_current_a)});
    const int64_t now_ns = host().now_mono_ns();
    for (uint32_t channel : grid_channels(grid_type_)) {
      subscribe(channel);
      last_block_ns_[channel] = now_ns;
    }
    started_ns_ = now_ns;
    host().set_offline("waiting for the first CT samples");
    host().every(kWatchdogPeriod, [this] { watch_channels(); });
  }

  void stop() override { save_energy(); }

 private:
  void subscribe(uint32_t channel) {
    const char *name = kChannelNames[channel];
    try {
      host().subscribe_ct(
          name, [this, channel](const hearth_ct_block &block) { on_block(channel, block); });
    } catch (const Error &e) {
      throw Error(e.status(),
                  text("CT channel ", name, " (needed by grid ", grid_type_name(grid_type_),
                       ") refused: ", status_name(e.status()), refusal_hint(e.status())));
    }
  }

  static const char *refusal_hint(int32_t status) {
    if (status == HEARTH_E_DENIED)
      return "; grant it in the device's YAML, e.g. hal: { ct: [CT1, CT2, CT3] }";
    if (status == HEARTH_E_NOT_SUPPORTED) return "; this host or board does not deliver CT samples";
    return "";
  }

  void declare_points() {
    const uint32_t max_age_ms = static_cast<uint32_t>(5000.0 * update_interval_s_);
    auto point = [&](const std::string &name, const char *unit) {
      return host().declare_point<double>(name.c_str(), unit, max_age_ms);
    };
    power_w_ = point("power_w", "W");
    reactive_power_var_ = point("reactive_power_var", "var");
    apparent_power_va_ = point("apparent_power_va", "VA");
    power_factor_ = point("power_factor", "");
    frequency_hz_ = point("frequency_hz", "Hz");
    energy_import_wh_ = point("energy_import_wh", "Wh");
    energy_export_wh_ = point("energy_export_wh", "Wh");
    blocks_rejected_ = host().declare_point<int64_t>("ct_blocks_rejected", "", max_age_ms);
    stream_restarts_ = host().declare_point<int64_t>("ct_stream_restarts", "", max_age_ms);
    const bool aron = grid_type_ == GridType::kThreeWire;
    for (uint32_t channel : grid_channels(grid_type_)) {
      ChannelPoints &p = channel_points_[channel];
      const std::string phase = text("l", channel + 1);
      p.voltage_v =
          point(aron ? text("voltage_", phase, "_l2_v") : text("voltage_", phase, "_v"), "V");
      p.current_a = point(text("current_", phase, "_a"), "A");
      p.per_phase_power = !aron;
      if (!p.per_phase_power) continue;
      p.power_w = point(text("power_", phase, "_w"), "W");
      p.reactive_power_var = point(text("reactive_power_", phase, "_var"), "var");
      p.power_factor = point(text("power_factor_", phase), "");
    }
  }

  void on_block(uint32_t channel, const hearth_ct_block &raw) {
    last_block_ns_[channel] = host().now_mono_ns();
    if (raw.struct_size < sizeof(hearth_ct_block) ||
        (raw.count > 0 && (raw.voltage_v == nullptr || raw.current_a == nullptr)))
      return reject(channel, "rejected: struct too small or no sample arrays");
    SampleBlock block = sample_block_from_abi(raw);
    block.channel = channel;  // the channel subscribed to, whatever the block claims
    const BlockOutcome outcome = meter_.feed(block);
    if (outcome == BlockOutcome::kRestarted) {
      ++stream_restarts_count_;
      host().debug(kChannelNames[channel], ": ", outcome_name(outcome));
    } else if (outcome != BlockOutcome::kAccepted) {
      return reject(channel, outcome_name(outcome));
    }
    if (auto reading = meter_.take_reading(update_interval_s_)) publish(*reading);
  }

  void reject(uint32_t channel, const char *why) {
    ++blocks_rejected_count_;
    host().warn(kChannelNames[channel], " block ", why, " (", blocks_rejected_count_,
                " rejected so far)");
  }

  void publish(const GridReading &r) {
    // When the last cycle ended; never later than now, whatever the block's time stamp says.
    const int64_t t = std::min(r.end_mono_ns, host().now_mono_ns());
    power_w_.publish(r.active_power_w, t);
    reactive_power_var_.publish(r.reactive_power_var, t);
    apparent_power_va_.publish(r.apparent_power_va, t);
    power_factor_.publish(r.power_factor, t);
    frequency_hz_.publish(r.frequency_hz, t);
    energy_import_wh_.publish(r.energy_import_wh, t);
    energy_export_wh_.publish(r.energy_export_wh, t);
    blocks_rejected_.publish(blocks_rejected_count_, t);
    stream_restarts_.publish(stream_restarts_count_, t);
    double max_current_a = 0.0;
    for (const ChannelReading &c : r.channels) {
      const ChannelPoints &p = channel_points_[c.channel];
      p.voltage_v.publish(c.phase.voltage_rms_v, t);
      p.current_a.publish(c.phase.current_rms_a, t);
      max_current_a = std::max(max_current_a, c.phase.current_rms_a);
      if (!p.per_phase_power) continue;
      p.power_w.publish(c.phase.active_power_w, t);
      p.reactive_power_var.publish(c.phase.reactive_power_var, t);
      p.power_factor.publish(c.phase.power_factor, t);
    }
    last_reading_ns_ = host().now_mono_ns();
    check_range(max_current_a);
    if (!online_) {
      online_ = true;
      host().set_online();
      host().clear_alarm(kAlarmNoSignal);
    }
    if (last_reading_ns_ - last_save_ns_ >= kEnergySaveIntervalNs) save_energy();
  }

  void check_range(double current_a) {
    const bool over = current_a > kOverRangeFactor * range_.max_current_a;
    if (over == over_range_) return;
    over_range_ = over;
    if (!over) return host().clear_alarm(kAlarmOverRange);
    host().raise_alarm(kAlarmOverRange, HEARTH_SEVERITY_WARNING,
                       text("current ", current_a, " A is above the CT range of ",
                            range_.max_current_a, " A; readings are outside class 1"));
  }

  // Offline with a reason when a channel stops delivering blocks or voltage cycles.
  void watch_channels() {
    const int64_t now_ns = host().now_mono_ns();
    std::string reason;
    for (uint32_t channel : grid_channels(grid_type_)) {
      const char *name = kChannelNames[channel];
      if (now_ns - last_block_ns_[channel] > kSilenceLimitNs) {
        reason = text("no CT samples on ", name, " for ",
                      (now_ns - last_block_ns_[channel]) / 1'000'000, " ms");
        break;
      }
      if (meter_.channel(channel).seconds_since_crossing() * 1e9 > kSilenceLimitNs) {
        reason = text("no voltage cycles on ", name, " for ",
                      static_cast<int64_t>(meter_.channel(channel).seconds_since_crossing() * 1e3),
                      " ms (voltage missing or not between 40 and 70 Hz)");
        break;
      }
    }
    // The general symptom, unless a channel's own reason is already shown.
    if (reason.empty() && online_ &&
        now_ns - std::max(last_reading_ns_, started_ns_) > kSilenceLimitNs)
      reason = "no complete reading for over 1 s";
    if (reason.empty() || (!online_ && reason == offline_reason_)) return;
    online_ = false;
    offline_reason_ = reason;
    // What was gathered before the outage belongs to no reading now: start afresh.
    meter_.reset();
    host().set_offline(reason);
    host().raise_alarm(kAlarmNoSignal, HEARTH_SEVERITY_MAJOR, reason);
  }

  void restore_energy() {
    const auto stored = host().kv_get(kEnergyKey);
    if (!stored) return;
    std::array<double, 2> wh{};
    if (stored->size() != sizeof wh) {
      host().warn("stored energy registers have ", stored->size(), " bytes, expected ", sizeof wh,
                  "; starting from 0 Wh");
      return;
    }
    std::memcpy(wh.data(), stored->data(), sizeof wh);
    meter_.set_energy(wh[0], wh[1]);
  }

  void save_energy() {
    const std::array<double, 2> wh{meter_.energy_import_wh(), meter_.energy_export_wh()};
    host().kv_set(kEnergyKey, wh.data(), sizeof wh);
    last_save_ns_ = host().now_mono_ns();
  }

  const GridType grid_type_;
  const CtRange range_;
  const double update_interval_s_;
  GridMeter meter_;

  Point<double> power_w_, reactive_power_var_, apparent_power_va_, power_factor_, frequency_hz_,
      energy_import_wh_, energy_export_wh_;
  Point<int64_t> blocks_rejected_, stream_restarts_;
  std::array<ChannelPoints, kChannelCount> channel_points_{};
  int64_t blocks_rejected_count_ = 0;
  int64_t stream_restarts_count_ = 0;

  std::array<int64_t, kChannelCount> last_block_ns_{};
  int64_t started_ns_ = 0;
  int64_t last_reading_ns_ = 0;
  int64_t last_save_ns_ = 0;
  bool online_ = false;
  bool over_range_ = false;
  std::string offline_reason_;
};

// Calibration rows of one channel; the names are literals because the table is static data.
#define HEARTH_CT_CALIBRATION_PARAMS(n)                                                        \
  param_double("ct" #n "_voltage_gain")                                                        \
      .min(0.5)                                                                                \
      .max(2.0)                                                                                \
      .default_value("1")                                                                      \
      .help("CT" #n ": factor applied to the measured voltage (true / measured)."),            \
      param_double("ct" #n "_current_gain")                                                    \
          .min(0.5)                                                                            \
          .max(2.0)                                                                            \
          .default_value("1")                                                                  \
          .help("CT" #n ": factor applied to the measured current (true / measured)."),        \
      param_bool("ct" #n "_reversed")                                                          \
          .default_value("false")                                                              \
          .help("CT" #n ": the CT is mounted the other way round (its current is inverted)."), \
      param_double("ct" #n "_phase_deg")                                                       \
          .min(-20)                                                                            \
          .max(20)                                                                             \
          .default_value("0")                                                                  \
          .unit("deg")                                                                         \
          .help("CT" #n                                                                        \
                ": how far the measured current lags its true phase, in degrees at "           \
                "the grid frequency (negative: leads); the voltage is resampled to match."),   \
      param_double("ct" #n "_skew_us")                                                         \
          .min(-2000)                                                                          \
          .max(2000)                                                                           \
          .default_value("0")                                                                  \
          .unit("us")                                                                          \
          .help("CT" #n                                                                        \
                ": how much later than the voltage the current is sampled, in "                \
                "microseconds, beyond the skew the HAL reports (adds to ct" #n "_phase_deg).")

}  // namespace
}  // namespace hearth::ct_meter

namespace ct = hearth::ct_meter;
using hearth::param_bool;
using hearth::param_double;

HEARTH_PLUGIN(
    "ct-meter", "1.0.0", "Hearth project", "Apache-2.0",
    "Built-in grid meter from the board's CT inputs",
    hearth::driver<ct::CtMeter>(
        "ct-meter", "grid_meter",
        "Grid power, energy, voltage, current, frequency and power factor from the CT channels",
        hearth::param_enum("grid", "single-phase|3w|3w+n")
            .default_value("3w+n")
            .help("Grid connection: single-phase (L1 on CT1), 3w (three-wire, two-wattmeter: "
                  "CT1 = I L1 with U L1-L2, CT3 = I L3 with U L3-L2) or 3w+n (CT1..CT3 = L1..L3 "
                  "against N)."),
        hearth::param_enum("ct", "internal|external")
            .default_value("internal")
            .help("internal: the built-in CT, up to 63 A; external: CTs with a 50 mA secondary "
                  "and a primary of ct_ratio_n x 50 A."),
        hearth::param_int("ct_ratio_n")
            .min(2)
            .max(200)
            .help("External CTs only: primary current in units of 50 A (4 for a 200 A CT)."),
        hearth::param_double("nominal_voltage_v")
            .min(100)
            .max(400)
            .default_value("230")
            .unit("V")
            .help("Nominal phase voltage, for the rated power announced with grid_meter."),
        hearth::param_duration("update_interval")
            .min(50)
            .max(200)
            .default_value("200ms")
            .unit("ms")
            .help("Time between two readings (each covers the whole cycles since the last)."),
        HEARTH_CT_CALIBRATION_PARAMS(1), HEARTH_CT_CALIBRATION_PARAMS(2),
        HEARTH_CT_CALIBRATION_PARAMS(3)))
