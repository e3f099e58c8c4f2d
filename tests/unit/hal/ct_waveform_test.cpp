// The CT generator: its samples reproduce the true RMS and power it claims, and its gain error
// and sampling skew have the effect a meter must correct.
#include <gtest/gtest.h>

#include <cmath>
#include <hearth/hal/ct_waveform.hpp>
#include <numbers>

namespace hearth::hal {
namespace {

constexpr double kRateHz = 4000.0;
constexpr uint32_t kTenCycles = 800;  // 10 periods of 50 Hz at 4 kHz

struct Measured {
  double v_rms, i_rms, p_w;
};

Measured measure(const CtBlock &block) {
  double vv = 0, ii = 0, vi = 0;
  for (std::size_t n = 0; n < block.voltage_v.size(); ++n) {
    vv += block.voltage_v[n] * block.voltage_v[n];
    ii += block.current_a[n] * block.current_a[n];
    vi += block.voltage_v[n] * block.current_a[n];
  }
  const double count = static_cast<double>(block.voltage_v.size());
  return {std::sqrt(vv / count), std::sqrt(ii / count), vi / count};
}

TEST(CtWaveform, SamplesMatchTheTrueValuesWithHarmonics) {
  CtWaveform w;
  w.voltage_rms_v = 231.0;
  w.current_rms_a = 12.0;
  w.current_phase_deg = 30.0;
  w.voltage_phase_deg = -120.0;
  w.harmonics = {{3, 0.03, 0.2, 10.0}, {5, 0.02, 0.1, 200.0}};
  const auto block = generate_ct_block(1, w, 123'456'789'000LL, kRateHz, kTenCycles);
  const auto m = measure(block);
  EXPECT_NEAR(m.v_rms, true_voltage_rms_v(w), 1e-3 * true_voltage_rms_v(w));
  EXPECT_NEAR(m.i_rms, true_current_rms_a(w), 1e-3 * true_current_rms_a(w));
  EXPECT_NEAR(m.p_w, true_active_power_w(w), 1e-3 * w.voltage_rms_v * w.current_rms_a);
  // Harmonic power counts, each harmonic with its own phase.
  const auto cos_deg = [](double deg) { return std::cos(deg * std::numbers::pi / 180.0); };
  EXPECT_DOUBLE_EQ(
      true_active_power_w(w),
      231.0 * 12.0 * (cos_deg(30) + 0.03 * 0.2 * cos_deg(10) + 0.02 * 0.1 * cos_deg(200)));
}

TEST(CtWaveform, ExportIsNegativePower) {
  CtWaveform w;
  w.current_phase_deg = 180.0;
  EXPECT_NEAR(measure(generate_ct_block(0, w, 0, kRateHz, kTenCycles)).p_w, -2300.0, 2.0);
}

TEST(CtWaveform, GainErrorsScaleTheSamples) {
  CtWaveform w;
  w.voltage_gain_error = 0.01;
  w.current_gain_error = -0.02;
  const auto m = measure(generate_ct_block(0, w, 0, kRateHz, kTenCycles));
  EXPECT_NEAR(m.v_rms, 230.0 * 1.01, 0.05);
  EXPECT_NEAR(m.i_rms, 10.0 * 0.98, 0.005);
}

TEST(CtWaveform, SkewShiftsThePhaseByOmegaTimesSkew) {
  CtWaveform w;
  w.sampling_skew_s = 1e-3;  // 18 degrees at 50 Hz: the current looks leading
  const auto block = generate_ct_block(0, w, 0, kRateHz, kTenCycles);
  EXPECT_NEAR(measure(block).p_w, 2300.0 * std::cos(18.0 * std::numbers::pi / 180.0), 2.0);
  EXPECT_EQ(block.current_skew_s, 0.0);  // unknown to the meter unless reported
  w.report_skew = true;
  EXPECT_EQ(generate_ct_block(0, w, 0, kRateHz, 1).current_skew_s, 1e-3);
}

TEST(CtWaveform, ConsecutiveBlocksJoinWithoutAPhaseJump) {
  CtWaveform w;
  w.frequency_hz = 49.8;
  const int64_t t0 = 5'000'000'000LL;
  const auto whole = generate_ct_block(0, w, t0, kRateHz, 200);
  const auto second = generate_ct_block(0, w, t0 + 25'000'000LL, kRateHz, 100);  // 100 samples on
  for (std::size_t n = 0; n < 100; ++n) {
    EXPECT_NEAR(second.voltage_v[n], whole.voltage_v[100 + n], 1e-3);
  }
}

TEST(CtWaveform, RefusesImpossibleBlocks) {
  EXPECT_THROW(generate_ct_block(3, {}, 0, kRateHz, 1), std::invalid_argument);
  EXPECT_THROW(generate_ct_block(0, {}, 0, 0.0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace hearth::hal
