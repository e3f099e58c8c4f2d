// Block planning and register decoding of the shared Modbus helpers (hearth/drivers/).
#include <gtest/gtest.h>

#include <hearth/drivers/modbus_reader.hpp>

namespace hearth::drivers {
namespace {

using Blocks = std::vector<RegisterSpan>;

TEST(PlanBlocks, MergesOverlappingAndAdjacentSpansButNeverAGap) {
  const Blocks blocks = plan_blocks({{32080, 2}, {32064, 32}, {32096, 4}, {32106, 14}}, 125);
  EXPECT_EQ(blocks, (Blocks{{32064, 36}, {32106, 14}}));
}

TEST(PlanBlocks, CutsAtTheCapAndKeepsEveryRegister) {
  // The SUN2000 identity at 9600 bit/s: 41 registers per frame fit 100 ms.
  const Blocks blocks = plan_blocks({{30000, 50}, {30070, 7}}, 41);
  EXPECT_EQ(blocks, (Blocks{{30000, 41}, {30041, 9}, {30070, 7}}));
}

TEST(PlanBlocks, DropsEmptySpansAndTreatsCapZeroAsOne) {
  EXPECT_EQ(plan_blocks({{10, 0}, {20, 2}}, 0), (Blocks{{20, 1}, {21, 1}}));
}

TEST(RegisterImage, DecodesBigEndianWordsAcrossBlocksAndKnowsWhatItLacks) {
  RegisterImage image;
  image.store(100, {0xFFFF}, 5);          // the high word of an I32 from one answer ...
  image.store(101, {0xFB2E, 0x4865}, 7);  // ... and its low word from the next
  EXPECT_EQ(image.i32(100), -1234);
  EXPECT_EQ(image.u32(100), 0xFFFFFB2Eu);
  EXPECT_EQ(image.sampled_mono_ns(100, 2), 5);  // the older half decides the age
  EXPECT_TRUE(image.has(100, 3));
  EXPECT_FALSE(image.has(101, 3));
  EXPECT_THROW(image.u16(103), Error);
  image.store(200, {0x5355, 0x4E32, 0x3030, 0x3000, 0x0000}, 1);
  EXPECT_EQ(image.text(200, 5), "SUN2000");
}

TEST(RegisterImage, MarksDeviceNotAvailableValues) {
  RegisterImage image;
  image.store(0, {0x7FFF, 0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF, 0x7FC0, 0x0000}, 1);
  EXPECT_FALSE(raw_value(image, 0, RegisterType::kI16).available);
  EXPECT_FALSE(raw_value(image, 2, RegisterType::kU16).available);
  EXPECT_FALSE(raw_value(image, 3, RegisterType::kU32).available);
  EXPECT_FALSE(raw_value(image, 5, RegisterType::kF32).available);  // NaN
  EXPECT_FALSE(raw_value(image, 1, RegisterType::kI32).available);  // 0x7FFFFFFF
  image.store(10, {0x7FFF, 0xFFFE}, 1);
  EXPECT_TRUE(raw_value(image, 10, RegisterType::kI32).available);
  EXPECT_EQ(raw_value(image, 10, RegisterType::kI32).value, 2147483646.0);
}

TEST(LinkHealth, GoesOfflineAfterTheThresholdAndBacksOffToTheMaximum) {
  using std::chrono::milliseconds;
  LinkHealth health(3, milliseconds(1000), milliseconds(5000));
  EXPECT_TRUE(health.succeeded());  // the first answer brings it online
  EXPECT_FALSE(health.failed());
  EXPECT_FALSE(health.failed());
  EXPECT_TRUE(health.failed());
  EXPECT_FALSE(health.online());
  EXPECT_EQ(health.next_retry(), milliseconds(1000));
  EXPECT_EQ(health.next_retry(), milliseconds(2000));
  EXPECT_EQ(health.next_retry(), milliseconds(4000));
  EXPECT_EQ(health.next_retry(), milliseconds(5000));
  EXPECT_TRUE(health.succeeded());
  EXPECT_EQ(health.next_retry(), milliseconds(1000));
}

}  // namespace
}  // namespace hearth::drivers
