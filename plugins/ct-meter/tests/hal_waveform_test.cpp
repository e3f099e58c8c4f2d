// The meter fed by the HAL's CT waveform generator (hal/include/hearth/hal/ct_waveform.hpp, the
// source the sim backend injects), through the same ABI view the host hands the plugin: the HAL
// and the meter must agree on what current_skew_s, gain errors and current phase mean.
#include <gtest/gtest.h>

#include <hearth/hal/ct_waveform.hpp>

#include "power_calc.hpp"

namespace hearth::ct_meter {
namespace {

constexpr double kSampleRateHz = 4000.0;
constexpr uint32_t kBlockSamples = 400;
constexpr int64_t kBlockNs = 100'000'000;

hal::CtWaveform phase(uint32_t channel, double current_a, double lag_deg) {
  hal::CtWaveform w;
  w.voltage_phase_deg = -120.0 * channel;
  w.current_rms_a = current_a;
  w.current_phase_deg = lag_deg;
  w.harmonics = {{3, 0.04, 0.25, 15.0}, {5, 0.03, 0.12, -30.0}};
  return w;
}

struct Totals {
  double energy_wh = 0.0;
  std::array<double, kChannelCount> covered_s{};
  std::optional<GridReading> last;
};

Totals run(GridMeter &meter, const std::vector<hal::CtWaveform> &phases, int blocks) {
  Totals totals;
  for (int b = 0; b < blocks; ++b) {
    for (uint32_t c = 0; c < phases.size(); ++c) {
      const hal::CtBlock block = hal::generate_ct_block(c, phases[c], 5'000'000'000 + b * kBlockNs,
                                                        kSampleRateHz, kBlockSamples);
      const hearth_ct_block view = block.abi_view();
      EXPECT_EQ(meter.feed(sample_block_from_abi(view)), BlockOutcome::kAccepted);
    }
    if (auto reading = meter.take_reading(0.2)) {
      for (const ChannelReading &c : reading->channels) {
        totals.energy_wh += c.phase.energy_wh;
        totals.covered_s[c.channel] += c.phase.duration_s;
      }
      totals.last = reading;
    }
  }
  return totals;
}

TEST(HalWaveform, ReportedSkewAndCalibratedGainsGiveClassOneOnAFourWireGrid) {
  std::vector<hal::CtWaveform> phases{phase(0, 40.0, 60.0), phase(1, 12.0, -60.0),
                                      phase(2, 3.15, 180.0)};
  std::array<ChannelCalibration, kChannelCount> calibration{};
  for (uint32_t c = 0; c < 3; ++c) {
    phases[c].sampling_skew_s = 120e-6;
    phases[c].report_skew = true;
    phases[c].voltage_gain_error = 0.01 * (c + 1);
    phases[c].current_gain_error = -0.015;
    calibration[c].voltage_gain = 1.0 / (1.0 + phases[c].voltage_gain_error);
    calibration[c].current_gain = 1.0 / (1.0 - 0.015);
  }
  GridMeter meter(GridType::kThreeWireNeutral, calibration);
  const Totals totals = run(meter, phases, 20);
  ASSERT_TRUE(totals.last.has_value());
  double true_wh = 0.0;
  for (uint32_t c = 0; c < 3; ++c) {
    const PhaseReading &r = totals.last->channels[c].phase;
    EXPECT_NEAR(r.active_power_w / hal::true_active_power_w(phases[c]), 1.0, 2e-3) << c;
    EXPECT_NEAR(r.voltage_rms_v / hal::true_voltage_rms_v(phases[c]), 1.0, 1e-3) << c;
    EXPECT_NEAR(r.current_rms_a / hal::true_current_rms_a(phases[c]), 1.0, 1e-3) << c;
    true_wh += hal::true_active_power_w(phases[c]) * totals.covered_s[c] / 3600.0;
  }
  EXPECT_NEAR(totals.energy_wh / true_wh, 1.0, 1e-3);
  EXPECT_NEAR(totals.last->frequency_hz, 50.0, 0.01);
}

TEST(HalWaveform, AnUnreportedSkewIsWhatTheSkewParameterIsFor) {
  hal::CtWaveform w = phase(0, 20.0, 60.0);
  w.sampling_skew_s = 250e-6;  // one whole sample period, not reported by the HAL
  std::array<ChannelCalibration, kChannelCount> none{}, calibrated{};
  calibrated[0].current_lag_s = 250e-6;
  GridMeter raw(GridType::kSinglePhase, none), corrected(GridType::kSinglePhase, calibrated);
  const double truth_w = hal::true_active_power_w(w);
  EXPECT_GT(std::abs(run(raw, {w}, 5).last->active_power_w / truth_w - 1.0), 0.05);
  EXPECT_NEAR(run(corrected, {w}, 5).last->active_power_w / truth_w, 1.0, 1e-3);
}

}  // namespace
}  // namespace hearth::ct_meter
