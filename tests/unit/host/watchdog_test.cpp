#include <gtest/gtest.h>
#include <hearth/host/watchdog.hpp>

#include <atomic>
#include <future>

namespace hearth::host {
namespace {

using namespace std::chrono_literals;

TEST(Watchdog, ActsOnceWhenTheCoreStopsTickingAndRecoversWhenItTicksAgain) {
  ManualClock clock;
  std::promise<int64_t> stalled;
  std::promise<void> recovered;
  std::atomic<int> stalls{0};
  std::atomic<int> feeds{0};
  Watchdog watchdog(clock, 500ms,
                    {[&](int64_t ms) {
                       if (stalls++ == 0) stalled.set_value(ms);
                     },
                     [&] { recovered.set_value(); }, [&] { feeds++; }});
  watchdog.start();
  clock.advance_ms(499);
  EXPECT_FALSE(watchdog.tripped());

  clock.advance_ms(2);  // 501 ms without a tick
  auto stall = stalled.get_future();
  ASSERT_EQ(stall.wait_for(5s), std::future_status::ready);
  EXPECT_GE(stall.get(), 500);
  EXPECT_TRUE(watchdog.tripped());

  // While tripped the service manager is not fed, and the action is not repeated.
  const int feeds_at_stall = feeds.load();
  clock.advance_ms(1000);
  watchdog.tick();
  ASSERT_EQ(recovered.get_future().wait_for(5s), std::future_status::ready);
  watchdog.stop();
  EXPECT_EQ(stalls.load(), 1);
  EXPECT_FALSE(watchdog.tripped());
  EXPECT_LE(feeds_at_stall, feeds.load());
}

TEST(Watchdog, FeedsTheServiceManagerOnlyWhileHealthy) {
  ManualClock clock;
  std::atomic<int> feeds{0};
  std::promise<void> fed_twice;
  std::promise<void> stalled;
  Watchdog watchdog(clock, 100ms,
                    {[&](int64_t) { stalled.set_value(); }, nullptr, [&] {
                       if (++feeds == 2) fed_twice.set_value();
                     }});
  watchdog.start();
  ASSERT_EQ(fed_twice.get_future().wait_for(5s), std::future_status::ready);
  clock.advance_ms(200);
  ASSERT_EQ(stalled.get_future().wait_for(5s), std::future_status::ready);
  const int feeds_after_stall = feeds.load();
  // Several check intervals pass (the interval is 20 ms); no feed may happen while stalled.
  for (int i = 0; i < 5; ++i) {
    clock.advance_ms(1);
    std::this_thread::sleep_for(watchdog.check_interval());
  }
  watchdog.stop();
  EXPECT_LE(feeds.load(), feeds_after_stall + 1);  // at most one feed raced with the trip
}

}  // namespace
}  // namespace hearth::host
