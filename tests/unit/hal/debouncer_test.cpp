// The time-stamp debouncer under the RST button and ripple control.
#include <gtest/gtest.h>

#include <hearth/hal/debouncer.hpp>

namespace hearth::hal {
namespace {

TEST(Debouncer, AcceptsAValueStableForExactlyTheDebounceTime) {
  Debouncer<int> d(0, 100);
  EXPECT_FALSE(d.on_raw(1, 1000).has_value());
  EXPECT_EQ(d.next_deadline_mono_ns(), 1100);
  EXPECT_FALSE(d.settle(1099).has_value());
  const auto t = d.settle(1100);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->value, 1);
  EXPECT_EQ(t->changed_mono_ns, 1000);
  EXPECT_EQ(t->settled_mono_ns, 1000);
  EXPECT_EQ(t->accepted_mono_ns, 1100);
  EXPECT_EQ(d.stable(), 1);
  EXPECT_FALSE(d.next_deadline_mono_ns().has_value());
}

TEST(Debouncer, ABurstThatEndsAtTheOldValueIsAGlitch) {
  Debouncer<int> d(0, 100);
  (void)d.on_raw(1, 1000);
  (void)d.on_raw(0, 1099);
  EXPECT_FALSE(d.settle(5000).has_value());
  EXPECT_EQ(d.glitches(), 1u);
  EXPECT_EQ(d.stable(), 0);
}

TEST(Debouncer, ABurstThroughSeveralValuesReportsItsFirstChangeAndLastValue) {
  Debouncer<int> d(0, 100);
  (void)d.on_raw(3, 1000);
  (void)d.on_raw(1, 1050);
  (void)d.on_raw(2, 1120);
  const auto t = d.settle(1220);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->value, 2);
  EXPECT_EQ(t->changed_mono_ns, 1000);
  EXPECT_EQ(t->settled_mono_ns, 1120);
}

TEST(Debouncer, ARawChangeAfterASettledBurstReturnsThatBurst) {
  Debouncer<int> d(0, 100);
  (void)d.on_raw(1, 1000);
  const auto earlier = d.on_raw(0, 2000);  // nobody called settle() in between
  ASSERT_TRUE(earlier.has_value());
  EXPECT_EQ(earlier->value, 1);
  EXPECT_EQ(earlier->accepted_mono_ns, 1100);
  EXPECT_EQ(d.next_deadline_mono_ns(), 2100);
}

TEST(Debouncer, TimeGoingBackwardsIsCountedAndClamped) {
  Debouncer<int> d(0, 100);
  (void)d.on_raw(1, 1000);
  (void)d.on_raw(0, 900);
  EXPECT_EQ(d.out_of_order(), 1u);
  EXPECT_EQ(d.next_deadline_mono_ns(), 1100);
}

TEST(Debouncer, ZeroDebounceAcceptsAtOnce) {
  Debouncer<int> d(0, 0);
  (void)d.on_raw(1, 1000);
  const auto t = d.settle(1000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->accepted_mono_ns, 1000);
}

}  // namespace
}  // namespace hearth::hal
