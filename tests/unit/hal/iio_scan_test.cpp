// IIO scan element formats, frame layout and decoding into CT blocks, from byte buffers.
#include <gtest/gtest.h>

#include <cstring>
#include <hearth/hal/iio_scan.hpp>
#include <vector>

namespace hearth::hal {
namespace {

TEST(IioScanFormat, ParsesTheKernelsNotation) {
  const auto le = parse_iio_scan_format("le:s16/16>>0\n");
  EXPECT_FALSE(le.big_endian);
  EXPECT_TRUE(le.is_signed);
  EXPECT_EQ(le.real_bits, 16u);
  EXPECT_EQ(le.storage_bits, 16u);
  EXPECT_EQ(le.shift, 0u);
  EXPECT_EQ(le.repeat, 1u);
  const auto be = parse_iio_scan_format("be:u12/16>>4");
  EXPECT_TRUE(be.big_endian);
  EXPECT_FALSE(be.is_signed);
  EXPECT_EQ(be.real_bits, 12u);
  EXPECT_EQ(be.shift, 4u);
  const auto repeated = parse_iio_scan_format("le:s24/32X3>>8");
  EXPECT_EQ(repeated.repeat, 3u);
  EXPECT_EQ(repeated.storage_bytes(), 12u);
}

TEST(IioScanFormat, RefusesMalformedTextQuotingIt) {
  for (const char *bad : {"", "me:s16/16>>0", "le:x16/16>>0", "le:s16/12>>0", "le:s16/16>>4",
                          "le:s16/16", "le:s/16>>0", "le:s16/16>>0junk", "le:s8/8X0>>0"}) {
    try {
      parse_iio_scan_format(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const std::invalid_argument &error) {
      EXPECT_NE(std::string(error.what()).find(std::string("\"") + bad + "\""), std::string::npos)
          << error.what();
    }
  }
}

TEST(IioScanFormat, DecodesSignedUnsignedShiftedAndBothEndians) {
  const uint8_t minus_two_le[] = {0xFE, 0xFF};
  EXPECT_EQ(decode_iio_sample(minus_two_le, parse_iio_scan_format("le:s16/16>>0")), -2);
  EXPECT_EQ(decode_iio_sample(minus_two_le, parse_iio_scan_format("le:u16/16>>0")), 0xFFFE);
  const uint8_t abc_be[] = {0xAB, 0xC7};  // 12 bits left-aligned, low nibble is noise
  EXPECT_EQ(decode_iio_sample(abc_be, parse_iio_scan_format("be:u12/16>>4")), 0xABC);
  EXPECT_EQ(decode_iio_sample(abc_be, parse_iio_scan_format("be:s12/16>>4")), 0xABC - 0x1000);
  // A 24-bit sigma-delta value in 32 bits, shifted by 8: -1000.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(-1000) << 8);
  uint8_t le32[4];
  std::memcpy(le32, &shifted, 4);  // the test host is little endian (x86-64, arm64)
  EXPECT_EQ(decode_iio_sample(le32, parse_iio_scan_format("le:s24/32>>8")), -1000);
  const int64_t stamp = 1'234'567'890'123'456'789LL;
  uint8_t le64[8];
  std::memcpy(le64, &stamp, 8);
  EXPECT_EQ(decode_iio_sample(le64, parse_iio_scan_format("le:s64/64>>0")), stamp);
  EXPECT_DOUBLE_EQ(scale_iio_sample(-2, 1.0, 0.5), -0.5);
}

IioScanElement element(const char *name, uint32_t index, const char *type) {
  return {name, index, parse_iio_scan_format(type)};
}

TEST(IioScanLayout, AlignsEachElementAndPadsTheFrame) {
  // Given out of order: the layout follows the indices.
  const auto layout = layout_iio_scan(
      {element("in_timestamp", 7, "le:s64/64>>0"), element("in_voltage0", 0, "le:s16/16>>0"),
       element("in_voltage1", 1, "le:s16/16>>0"), element("in_voltage2", 2, "le:s32/32>>0")});
  ASSERT_EQ(layout.slots.size(), 4u);
  EXPECT_EQ(layout.slots[0].byte_offset, 0u);
  EXPECT_EQ(layout.slots[1].byte_offset, 2u);
  EXPECT_EQ(layout.slots[2].byte_offset, 4u);
  EXPECT_EQ(layout.slots[3].byte_offset, 8u);
  EXPECT_EQ(layout.frame_bytes, 16u);
  EXPECT_EQ(layout.find("in_timestamp"), 3u);
  EXPECT_EQ(layout.find("in_voltage9"), std::nullopt);

  const auto odd = layout_iio_scan({element("a", 0, "le:u8/8>>0"), element("b", 1, "le:u16/16>>0"),
                                    element("c", 2, "le:u8/8>>0")});
  EXPECT_EQ(odd.slots[1].byte_offset, 2u);
  EXPECT_EQ(odd.slots[2].byte_offset, 4u);
  EXPECT_EQ(odd.frame_bytes, 6u);

  EXPECT_THROW(layout_iio_scan({}), std::invalid_argument);
  EXPECT_THROW(layout_iio_scan({element("a", 0, "le:u8/8>>0"), element("b", 0, "le:u8/8>>0")}),
               std::invalid_argument);
}

// Six 16-bit elements (V and I of three phases) and a timestamp.
class CtFrameDecoderTest : public ::testing::Test {
 protected:
  CtFrameDecoderTest() {
    std::vector<IioScanElement> elements;
    for (uint32_t i = 0; i < 6; ++i) {
      elements.push_back(element(("in_voltage" + std::to_string(i)).c_str(), i, "le:s16/16>>0"));
    }
    elements.push_back(element("in_timestamp", 6, "le:s64/64>>0"));
    layout_ = layout_iio_scan(elements);
    for (std::size_t c = 0; c < 3; ++c) {
      // V: 0.1 mV per LSB, 1000:1 divider; I: raw + 2 offset, 0.01 mA per LSB, CT 2000:1.
      channels_.push_back({{2 * c, 0.0, 0.1, 1.0}, {2 * c + 1, 2.0, 0.01, 2.0}});
    }
  }

  std::vector<uint8_t> frame(int16_t base, int64_t stamp) const {
    std::vector<uint8_t> bytes(layout_.frame_bytes, 0);
    for (int i = 0; i < 6; ++i) {
      const int16_t value = static_cast<int16_t>(base + i);
      std::memcpy(bytes.data() + 2 * i, &value, 2);
    }
    std::memcpy(bytes.data() + 16, &stamp, 8);
    return bytes;
  }

  IioScanLayout layout_;
  std::vector<CtChannelDecode> channels_;
};

TEST_F(CtFrameDecoderTest, DecodesScaledBlocksPerChannelFromSplitReads) {
  ASSERT_EQ(layout_.frame_bytes, 24u);
  CtFrameDecoder decoder(layout_, channels_, layout_.find("in_timestamp"), 4000.0, 3, 2e-6);
  std::vector<uint8_t> stream;
  for (int f = 0; f < 4; ++f) {
    const auto bytes = frame(static_cast<int16_t>(100 * f - 150), 1'000'000 + 250'000 * f);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  // Split in the middle of the second frame: nothing complete yet after the first part.
  EXPECT_TRUE(decoder.push({stream.data(), 30}, 0).empty());
  const auto blocks = decoder.push({stream.data() + 30, stream.size() - 30}, 0);
  ASSERT_EQ(blocks.size(), 3u);  // three frames make one block of each channel
  EXPECT_EQ(decoder.frames_decoded(), 4u);
  for (uint32_t c = 0; c < 3; ++c) {
    const auto &block = blocks[c];
    EXPECT_EQ(block.channel, c);
    EXPECT_EQ(block.first_sample_mono_ns, 1'000'000);
    EXPECT_EQ(block.sample_rate_hz, 4000.0);
    EXPECT_EQ(block.current_skew_s, 2e-6);
    ASSERT_EQ(block.voltage_v.size(), 3u);
    // Frame 1, channel c: raw V = -50 + 2c, raw I = -50 + 2c + 1.
    EXPECT_FLOAT_EQ(block.voltage_v[1], static_cast<float>((-50 + 2.0 * c) * 0.1));
    EXPECT_FLOAT_EQ(block.current_a[1], static_cast<float>((-50 + 2.0 * c + 1 + 2.0) * 0.02));
  }
}

TEST_F(CtFrameDecoderTest, WithoutTimestampsTheLastFrameIsTakenAtTheReadTime) {
  CtFrameDecoder decoder(layout_, channels_, std::nullopt, 4000.0, 2, 0.0);
  std::vector<uint8_t> stream;
  for (int f = 0; f < 2; ++f) {
    const auto bytes = frame(0, 0);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  const auto blocks = decoder.push(stream, 9'000'000'000LL);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].first_sample_mono_ns, 9'000'000'000LL - 250'000);  // one period earlier
}

TEST_F(CtFrameDecoderTest, RefusesSlotsOutsideTheLayout) {
  auto channels = channels_;
  channels[2].current.slot = 9;
  EXPECT_THROW(CtFrameDecoder(layout_, channels, std::nullopt, 4000.0, 2, 0.0),
               std::invalid_argument);
  EXPECT_THROW(CtFrameDecoder(layout_, channels_, std::nullopt, 0.0, 2, 0.0),
               std::invalid_argument);
}

}  // namespace
}  // namespace hearth::hal
