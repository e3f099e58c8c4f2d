#include <gtest/gtest.h>

#include <hearth/bus/log_limiter.hpp>
#include <thread>

namespace hearth::bus {
namespace {

int passes(LogLimiter &limiter, std::string_view device, int lines) {
  int passed = 0;
  for (int i = 0; i < lines; ++i) passed += limiter.allow(device).pass ? 1 : 0;
  return passed;
}

TEST(LogLimiter, BurstThenSteadyRateAndCountsSuppressedLines) {
  ManualClock clock;
  LogLimiter limiter(clock, {.burst_lines = 20, .refill_lines_per_s = 5});
  EXPECT_EQ(passes(limiter, "chatty-1", 100), 20);
  EXPECT_EQ(limiter.suppressed_total(), 80u);

  clock.advance_ms(1000);  // five lines' worth
  const LogDecision first = limiter.allow("chatty-1");
  EXPECT_TRUE(first.pass);
  EXPECT_EQ(first.suppressed_before, 80u);  // reported once, with the first line that passes
  EXPECT_EQ(passes(limiter, "chatty-1", 10), 4);
  const LogDecision after_one_token = (clock.advance_ms(200), limiter.allow("chatty-1"));
  EXPECT_TRUE(after_one_token.pass);
  EXPECT_EQ(after_one_token.suppressed_before, 6u);
}

TEST(LogLimiter, DevicesHaveTheirOwnBuckets) {
  ManualClock clock;
  LogLimiter limiter(clock, {.burst_lines = 3, .refill_lines_per_s = 1});
  EXPECT_EQ(passes(limiter, "a", 10), 3);
  EXPECT_EQ(passes(limiter, "b", 10), 3);
  clock.advance_ms(60'000);  // a long quiet time refills only up to the burst
  EXPECT_EQ(passes(limiter, "a", 10), 3);
  EXPECT_EQ(limiter.passed_total(), 9u);
}

TEST(LogLimiter, CountsStayExactUnderConcurrentCallers) {
  ManualClock clock;
  LogLimiter limiter(clock, {.burst_lines = 50, .refill_lines_per_s = 0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&limiter] {
      for (int i = 0; i < 1000; ++i) limiter.allow("shared");
    });
  }
  for (auto &thread : threads) thread.join();
  EXPECT_EQ(limiter.passed_total(), 50u);
  EXPECT_EQ(limiter.suppressed_total(), 3950u);
}

}  // namespace
}  // namespace hearth::bus
