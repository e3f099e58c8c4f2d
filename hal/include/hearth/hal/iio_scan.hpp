#pragma once
// IIO buffered capture (Documentation/ABI/testing/sysfs-bus-iio, "scan_elements"): the format
// of each scan element, the byte layout of one scan (frame), and decoding frames into CT
// sample blocks. All pure, so they are unit-tested with byte buffers.
#include <cstddef>
#include <cstdint>
#include <hearth/hal/ct.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::hal {

// "[be|le]:[s|u]bits/storagebits[Xrepeat]>>shift", e.g. "le:s16/16>>0", "be:u12/16>>4".
struct IioScanFormat {
  bool big_endian = false;
  bool is_signed = false;
  uint32_t real_bits = 0;
  uint32_t storage_bits = 0;
  uint32_t repeat = 1;
  uint32_t shift = 0;

  std::size_t storage_bytes() const { return storage_bits / 8 * repeat; }
};

// Throws std::invalid_argument quoting the text for anything malformed: storage bits not 8,
// 16, 32 or 64, real bits + shift beyond the storage, an unknown endianness or sign letter.
IioScanFormat parse_iio_scan_format(std::string_view text);

// The raw integer of the first (or only) repetition at `bytes` (storage_bits / 8 bytes).
int64_t decode_iio_sample(const uint8_t *bytes, const IioScanFormat &format);

// IIO's rule: processed = (raw + offset) * scale.
inline double scale_iio_sample(int64_t raw, double offset, double scale) {
  return (static_cast<double>(raw) + offset) * scale;
}

struct IioScanElement {
  std::string name{};  // "in_voltage0", "in_timestamp"
  uint32_t index = 0;
  IioScanFormat format{};
};

struct IioScanSlot {
  IioScanElement element{};
  std::size_t byte_offset = 0;
};

// The enabled elements in scan order (by index), each aligned to its own size, the frame padded
// to the largest element (the kernel's iio_compute_scan_bytes).
struct IioScanLayout {
  std::vector<IioScanSlot> slots{};
  std::size_t frame_bytes = 0;

  // The slot of an element by name; nullopt if it is not in the scan.
  std::optional<std::size_t> find(std::string_view name) const;
};
// Throws std::invalid_argument for duplicate indices or names, or no elements.
IioScanLayout layout_iio_scan(std::vector<IioScanElement> enabled);

// How one CT channel's voltage and current come out of a frame.
struct IioValueDecode {
  std::size_t slot = 0;
  double offset = 0.0;  // IIO `_offset`
  double scale = 1.0;   // IIO `_scale` (to mV or mA by convention)
  double gain = 1.0;    // IIO units to primary V or A
};
struct CtChannelDecode {
  IioValueDecode voltage{};
  IioValueDecode current{};
};

// Turns the byte stream of the IIO character device into CT blocks of `block_samples` samples
// per channel. Bytes may arrive split anywhere; a partial frame waits for the rest.
// Sample times: from the scan's timestamp element when there is one (the backend sets the
// device's timestamp clock to monotonic); otherwise the last frame of each read is taken to be
// sampled at the read time and earlier frames 1/rate apart (honest to within the read latency).
class CtFrameDecoder {
 public:
  CtFrameDecoder(IioScanLayout layout, std::vector<CtChannelDecode> channels,
                 std::optional<std::size_t> timestamp_slot, double sample_rate_hz,
                 uint32_t block_samples, double current_skew_s);

  std::vector<CtBlock> push(std::span<const uint8_t> bytes, int64_t read_mono_ns);

  std::size_t frame_bytes() const { return layout_.frame_bytes; }
  uint64_t frames_decoded() const { return frames_decoded_; }

 private:
  void decode_frame(const uint8_t *frame, int64_t estimated_mono_ns,
                    std::vector<CtBlock> &complete);

  IioScanLayout layout_;
  std::vector<CtChannelDecode> channels_;
  std::optional<std::size_t> timestamp_slot_;
  double sample_rate_hz_;
  uint32_t block_samples_;
  double current_skew_s_;
  std::vector<uint8_t> partial_;
  std::vector<CtBlock> filling_;  // one per channel
  uint64_t frames_decoded_ = 0;
};

}  // namespace hearth::hal
