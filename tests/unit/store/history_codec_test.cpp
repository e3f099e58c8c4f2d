#include <gtest/gtest.h>

#include <cmath>
#include <hearth/store/history_codec.hpp>
#include <hearth/store/minute_accumulator.hpp>
#include <hearth/store/recent_ring.hpp>

namespace hearth::store {
namespace {

MinuteStats plain(uint32_t count, double min, double mean, double max) {
  MinuteStats stats;
  stats.count = count;
  stats.min = min;
  stats.mean = mean;
  stats.max = max;
  return stats;
}

MinuteStats counter(uint32_t count, double first, double last) {
  MinuteStats stats = plain(count, first, (first + last) / 2, last);
  stats.counter = true;
  stats.first = first;
  stats.last = last;
  return stats;
}

TEST(HistoryCodec, RoundTripsNarrowWideAndCounterRecordsExactly) {
  const std::vector<CodedStats> records = {
      {1, plain(60, -1500, 20.5, 3000)},      // fits float32: 4 bytes a value
      {300, plain(12, 0.5, 2.25, 16777217)},  // an integer above 2^24: stored as double
      {70000, counter(60, 12345678.9, 12345690.25)},
  };
  const auto blob = encode_minute(records);
  const auto decoded = decode_minute(blob);
  ASSERT_EQ(decoded.size(), 3u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(decoded[i].name_id, records[i].name_id);
    EXPECT_EQ(decoded[i].stats.count, records[i].stats.count);
    // A counter's readings are exact in first/last; its min/mean/max keep 7 digits.
    const double tolerance = records[i].stats.counter ? records[i].stats.max * 1e-7 : 0;
    EXPECT_NEAR(decoded[i].stats.min, records[i].stats.min, tolerance);
    EXPECT_NEAR(decoded[i].stats.mean, records[i].stats.mean, tolerance);
    EXPECT_NEAR(decoded[i].stats.max, records[i].stats.max, tolerance);
    EXPECT_EQ(decoded[i].stats.counter, records[i].stats.counter);
  }
  EXPECT_EQ(decoded[2].stats.first, 12345678.9);
  EXPECT_EQ(decoded[2].stats.last, 12345690.25);
  // The narrow record costs 1 + 1 + 1 + 12 bytes.
  EXPECT_EQ(encode_minute(std::span(records.data(), 1)).size(), 15u);
  EXPECT_EQ(find_in_minute(blob, 300)->max, 16777217);
  EXPECT_FALSE(find_in_minute(blob, 2).has_value());
}

TEST(HistoryCodec, FractionalMeasurementsKeepSevenSignificantDigitsInFourBytes) {
  const std::vector<CodedStats> voltage = {{1, plain(60, 229.9, 230.123456789, 231.7)}};
  const auto blob = encode_minute(voltage);
  EXPECT_EQ(blob.size(), 15u);
  const auto stats = find_in_minute(blob, 1);
  EXPECT_NEAR(stats->mean, 230.123456789, 230.123456789 * 1e-7);
  EXPECT_NEAR(stats->min, 229.9, 229.9 * 1e-7);
  EXPECT_FALSE(find_in_minute(blob, 2).has_value());
}

TEST(HistoryCodec, TruncatedOrGarbledBlobsThrowInsteadOfReadingPastTheEnd) {
  auto blob = encode_minute(std::vector<CodedStats>{{5, plain(1, 1, 1, 1)}});
  auto truncated = blob;
  truncated.pop_back();
  EXPECT_THROW(decode_minute(truncated), std::runtime_error);
  auto bad_flags = blob;
  bad_flags[1] = 0x80;
  EXPECT_THROW(decode_minute(bad_flags), std::runtime_error);
  EXPECT_TRUE(decode_minute({}).empty());
}

TEST(HistoryCodec, MergingTwoHalvesOfAMinuteCombinesTheirStatistics) {
  const auto earlier = encode_minute(
      std::vector<CodedStats>{{1, plain(30, 10, 20, 30)}, {2, counter(30, 100, 110)}});
  const auto later = encode_minute(std::vector<CodedStats>{
      {1, plain(10, 0, 40, 50)}, {2, counter(10, 110, 120)}, {3, plain(1, 7, 7, 7)}});
  const auto merged = decode_minute(merge_minutes(earlier, later));
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].stats.count, 40u);
  EXPECT_EQ(merged[0].stats.min, 0);
  EXPECT_EQ(merged[0].stats.max, 50);
  EXPECT_DOUBLE_EQ(merged[0].stats.mean, (30 * 20 + 10 * 40) / 40.0);
  EXPECT_EQ(merged[1].stats.first, 100);
  EXPECT_EQ(merged[1].stats.last, 120);
  EXPECT_EQ(merged[2].stats.count, 1u);
}

TEST(MinuteAccumulator, ClosesAMinuteWhenTheNextStartsAndRefusesLateSamples) {
  MinuteAccumulator power;
  std::optional<std::pair<WallMinute, MinuteStats>> closed;
  const int64_t t0 = 1'700'000'080'000;  // 40 s into a minute
  EXPECT_EQ(power.add(t0, 100, &closed), MinuteAccumulator::Added::same_minute);
  EXPECT_EQ(power.add(t0 + 10'000, 300, &closed), MinuteAccumulator::Added::same_minute);
  EXPECT_EQ(power.add(t0 + 19'999, 200, &closed), MinuteAccumulator::Added::same_minute);
  EXPECT_FALSE(power.close_before(minute_of(t0)).has_value());  // still running
  EXPECT_EQ(power.add(t0 + 20'000, 50, &closed), MinuteAccumulator::Added::closed_previous);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->first, minute_of(t0));
  EXPECT_EQ(closed->second.count, 3u);
  EXPECT_EQ(closed->second.min, 100);
  EXPECT_EQ(closed->second.max, 300);
  EXPECT_DOUBLE_EQ(closed->second.mean, 200);
  EXPECT_EQ(power.add(t0 + 19'000, 999, &closed), MinuteAccumulator::Added::late);
  const auto last = power.close_before(std::nullopt);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->second.count, 1u);
  EXPECT_TRUE(power.empty());
}

TEST(MinuteAccumulator, EnergyCountersKeepFirstAndLastReading) {
  MinuteAccumulator energy(is_counter_unit("Wh"));
  EXPECT_FALSE(is_counter_unit("W"));
  std::optional<std::pair<WallMinute, MinuteStats>> closed;
  for (int second = 0; second < 60; ++second) {
    energy.add(1'700'000'080'000 + second * 1000, 5000.0 + second, &closed);
  }
  const auto minutes = energy.close_before(std::nullopt);
  ASSERT_TRUE(minutes.has_value());
  // The samples straddle a minute boundary (t0 is 40 s in): the accumulator saw the first 20
  // close, then 40 more.
  EXPECT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->second.counter);
  EXPECT_EQ(closed->second.first, 5000);
  EXPECT_EQ(closed->second.last, 5019);
  EXPECT_EQ(minutes->second.first, 5020);
  EXPECT_EQ(minutes->second.last, 5059);
}

TEST(RecentRing, KeepsTheWindowAndTheCapAndAnswersSinceATime) {
  RecentRing ring(RecentWindow{10'000, 5});
  for (int i = 0; i < 8; ++i) ring.push(1000 + i * 1000, i);
  EXPECT_EQ(ring.size(), 5u);  // the cap
  EXPECT_EQ(ring.dropped_for_capacity(), 3u);
  const auto since = ring.since(6000);
  ASSERT_EQ(since.size(), 3u);
  EXPECT_EQ(since.front().wall_ms, 6000);
  EXPECT_EQ(since.back().value, 7);
  ring.push(30'000, 1);  // everything else is older than the 10 s window
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_TRUE(ring.since(40'000).empty());
}

}  // namespace
}  // namespace hearth::store
