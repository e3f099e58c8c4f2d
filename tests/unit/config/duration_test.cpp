#include <gtest/gtest.h>

#include <hearth/config/duration.hpp>

namespace hearth::config {
namespace {

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("1.5s"), 1500);
  EXPECT_EQ(parse_duration_ms("10min"), 600'000);
  EXPECT_EQ(parse_duration_ms("2h"), 7'200'000);
  EXPECT_EQ(parse_duration_ms("0s"), 0);
  EXPECT_EQ(parse_duration_ms("0.25h"), 900'000);
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char *text : {"", "10", "s", "-1s", "1.5ms", "1..5s", "1.s", ".5s", "10 min", "10mins",
                           "1e3ms", "10m", "1h30min", "999999999999h"}) {
    EXPECT_EQ(parse_duration_ms(text), std::nullopt) << text;
  }
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_duration_ms(250), "250ms");
  EXPECT_EQ(format_duration_ms(1500), "1.5s");
  EXPECT_EQ(format_duration_ms(3000), "3s");
  EXPECT_EQ(format_duration_ms(600'000), "10min");
  EXPECT_EQ(format_duration_ms(7'200'000), "2h");
  EXPECT_EQ(format_duration_ms(1234), "1234ms");
  EXPECT_EQ(format_duration_ms(0), "0ms");
}

TEST(Duration, FormatThenParseIsTheSameValue) {
  for (int64_t ms : {1, 99, 100, 1000, 1100, 59'999, 60'000, 90'000, 3'600'000, 5'400'000}) {
    EXPECT_EQ(parse_duration_ms(format_duration_ms(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace hearth::config
