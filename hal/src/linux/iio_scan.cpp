#include <algorithm>
#include <charconv>
#include <hearth/hal/iio_scan.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace hearth::hal {

namespace {

[[noreturn]] void bad_format(std::string_view text, const char *why) {
  throw std::invalid_argument("iio: scan element type \"" + std::string(text) + "\": " + why);
}

// Reads an unsigned decimal at the front of `rest` and removes it.
uint32_t take_number(std::string_view &rest, std::string_view text) {
  uint32_t value = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (error != std::errc() || end == rest.data()) bad_format(text, "a number is missing");
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  return value;
}

void take_literal(std::string_view &rest, std::string_view literal, std::string_view text) {
  if (rest.substr(0, literal.size()) != literal) {
    bad_format(text, "expected [be|le]:[s|u]bits/storagebits[Xrepeat]>>shift");
  }
  rest.remove_prefix(literal.size());
}

}  // namespace

// Format from the kernel's iio_show_fixed_type(): "%s:%c%d/%d>>%u" or "%s:%c%d/%dX%d>>%u".
IioScanFormat parse_iio_scan_format(std::string_view text) {
  std::string_view rest = text;
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  IioScanFormat format;
  if (rest.substr(0, 3) == "be:") {
    format.big_endian = true;
  } else if (rest.substr(0, 3) != "le:") {
    bad_format(text, "endianness must be be or le");
  }
  rest.remove_prefix(3);
  if (rest.empty() || (rest[0] != 's' && rest[0] != 'u')) bad_format(text, "sign must be s or u");
  format.is_signed = rest[0] == 's';
  rest.remove_prefix(1);
  format.real_bits = take_number(rest, text);
  take_literal(rest, "/", text);
  format.storage_bits = take_number(rest, text);
  if (!rest.empty() && rest[0] == 'X') {
    rest.remove_prefix(1);
    format.repeat = take_number(rest, text);
    if (format.repeat == 0) bad_format(text, "repeat must be at least 1");
  }
  take_literal(rest, ">>", text);
  format.shift = take_number(rest, text);
  if (!rest.empty()) bad_format(text, "trailing characters");
  const auto bits = format.storage_bits;
  if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
    bad_format(text, "storage bits must be 8, 16, 32 or 64");
  }
  if (format.real_bits == 0 || format.real_bits + format.shift > format.storage_bits) {
    bad_format(text, "real bits plus shift exceed the storage");
  }
  return format;
}

int64_t decode_iio_sample(const uint8_t *bytes, const IioScanFormat &format) {
  const std::size_t n = format.storage_bits / 8;
  uint64_t word = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t byte = format.big_endian ? i : n - 1 - i;
    word = (word << 8) | bytes[byte];
  }
  word >>= format.shift;
  if (format.real_bits < 64) word &= (uint64_t{1} << format.real_bits) - 1;
  if (format.is_signed && format.real_bits < 64 && (word >> (format.real_bits - 1)) & 1) {
    word |= ~uint64_t{0} << format.real_bits;  // sign-extend
  }
  return static_cast<int64_t>(word);
}

std::optional<std::size_t> IioScanLayout::find(std::string_view name) const {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].element.name == name) return i;
  }
  return std::nullopt;
}

IioScanLayout layout_iio_scan(std::vector<IioScanElement> enabled) {
  if (enabled.empty()) throw std::invalid_argument("iio: no scan elements enabled");
  std::sort(enabled.begin(), enabled.end(),
            [](const auto &a, const auto &b) { return a.index < b.index; });
  std::set<std::string> names;
  IioScanLayout layout;
  std::size_t largest = 1;
  for (std::size_t i = 0; i < enabled.size(); ++i) {
    if (i > 0 && enabled[i].index == enabled[i - 1].index) {
      throw std::invalid_argument("iio: scan elements " + enabled[i - 1].name + " and " +
                                  enabled[i].name + " share index " +
                                  std::to_string(enabled[i].index));
    }
    if (!names.insert(enabled[i].name).second) {
      throw std::invalid_argument("iio: scan element " + enabled[i].name + " listed twice");
    }
    // Each element is aligned to its own size (iio_compute_scan_bytes in the kernel).
    const std::size_t size = enabled[i].format.storage_bytes();
    const std::size_t offset = (layout.frame_bytes + size - 1) / size * size;
    layout.slots.push_back({std::move(enabled[i]), offset});
    layout.frame_bytes = offset + size;
    largest = std::max(largest, size);
  }
  layout.frame_bytes = (layout.frame_bytes + largest - 1) / largest * largest;
  return layout;
}

CtFrameDecoder::CtFrameDecoder(IioScanLayout layout, std::vector<CtChannelDecode> channels,
                               std::optional<std::size_t> timestamp_slot, double sample_rate_hz,
                               uint32_t block_samples, double current_skew_s)
    : layout_(std::move(layout)),
      channels_(std::move(channels)),
      timestamp_slot_(timestamp_slot),
      sample_rate_hz_(sample_rate_hz),
      block_samples_(block_samples),
      current_skew_s_(current_skew_s),
      filling_(channels_.size()) {
  if (!(sample_rate_hz_ > 0.0) || block_samples_ == 0) {
    throw std::invalid_argument("iio: sample rate and block length must be positive");
  }
  const auto check_slot = [&](std::size_t slot) {
    if (slot >= layout_.slots.size()) throw std::invalid_argument("iio: slot out of range");
  };
  for (const auto &channel : channels_) {
    check_slot(channel.voltage.slot);
    check_slot(channel.current.slot);
  }
  if (timestamp_slot_) check_slot(*timestamp_slot_);
}

std::vector<CtBlock> CtFrameDecoder::push(std::span<const uint8_t> bytes, int64_t read_mono_ns) {
  partial_.insert(partial_.end(), bytes.begin(), bytes.end());
  const std::size_t frames = partial_.size() / layout_.frame_bytes;
  std::vector<CtBlock> complete;
  const double period_ns = 1e9 / sample_rate_hz_;
  for (std::size_t f = 0; f < frames; ++f) {
    // Without timestamps: the newest frame was sampled at the read time, older ones before it.
    const auto frames_after = static_cast<double>(frames - 1 - f);
    const auto estimated = read_mono_ns - static_cast<int64_t>(frames_after * period_ns);
    decode_frame(partial_.data() + f * layout_.frame_bytes, estimated, complete);
  }
  partial_.erase(partial_.begin(),
                 partial_.begin() + static_cast<std::ptrdiff_t>(frames * layout_.frame_bytes));
  return complete;
}

void CtFrameDecoder::decode_frame(const uint8_t *frame, int64_t estimated_mono_ns,
                                  std::vector<CtBlock> &complete) {
  ++frames_decoded_;
  const auto value = [&](const IioValueDecode &decode) {
    const auto &slot = layout_.slots[decode.slot];
    const int64_t raw = decode_iio_sample(frame + slot.byte_offset, slot.element.format);
    return static_cast<float>(scale_iio_sample(raw, decode.offset, decode.scale) * decode.gain);
  };
  int64_t sample_mono_ns = estimated_mono_ns;
  if (timestamp_slot_) {
    const auto &slot = layout_.slots[*timestamp_slot_];
    sample_mono_ns = decode_iio_sample(frame + slot.byte_offset, slot.element.format);
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    CtBlock &block = filling_[c];
    if (block.voltage_v.empty()) {
      block.channel = static_cast<uint32_t>(c);
      block.first_sample_mono_ns = sample_mono_ns;
      block.sample_rate_hz = sample_rate_hz_;
      block.current_skew_s = current_skew_s_;
      block.voltage_v.reserve(block_samples_);
      block.current_a.reserve(block_samples_);
    }
    block.voltage_v.push_back(value(channels_[c].voltage));
    block.current_a.push_back(value(channels_[c].current));
    if (block.voltage_v.size() == block_samples_) complete.push_back(std::exchange(block, {}));
  }
}

}  // namespace hearth::hal
