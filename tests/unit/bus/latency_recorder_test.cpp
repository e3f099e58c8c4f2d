#include <gtest/gtest.h>

#include <hearth/bus/latency_recorder.hpp>

namespace hearth::bus {
namespace {

TEST(LatencyRecorder, NearestRankPercentiles) {
  LatencyRecorder recorder(1000);
  EXPECT_EQ(recorder.p50_ns(), 0);
  for (int64_t value = 200; value >= 1; --value) recorder.record(value);
  EXPECT_EQ(recorder.p50_ns(), 100);
  EXPECT_EQ(recorder.p99_ns(), 198);
  EXPECT_EQ(recorder.percentile_ns(1.0), 200);
  EXPECT_EQ(recorder.max_ns(), 200);
}

TEST(LatencyRecorder, RingKeepsOnlyTheLatestSamples) {
  LatencyRecorder recorder(10);
  for (int i = 0; i < 10; ++i) recorder.record(1'000'000);
  for (int i = 0; i < 10; ++i) recorder.record(5);
  EXPECT_EQ(recorder.samples(), 10u);
  EXPECT_EQ(recorder.count(), 20u);
  EXPECT_EQ(recorder.p99_ns(), 5);          // the old slow samples have rolled out
  EXPECT_EQ(recorder.max_ns(), 1'000'000);  // but the all-time maximum remembers them
}

}  // namespace
}  // namespace hearth::bus
