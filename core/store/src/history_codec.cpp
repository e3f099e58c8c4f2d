#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <hearth/store/history_codec.hpp>
#include <map>

namespace hearth::store {

namespace {

constexpr uint8_t kWide = 0x01;
constexpr uint8_t kCounter = 0x02;
constexpr double kFloatRelativeError = 1e-7;

static_assert(std::endian::native == std::endian::little, "the blob layout is little-endian");

class Writer {
 public:
  explicit Writer(std::vector<uint8_t> &out) : out_(out) {}
  void varint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<uint8_t>(value) | 0x80);
      value >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(value));
  }
  void byte(uint8_t value) { out_.push_back(value); }
  template <typename T>
  void raw(T value) {
    uint8_t bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.insert(out_.end(), bytes, bytes + sizeof(T));
  }

 private:
  std::vector<uint8_t> &out_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool done() const { return position_ == in_.size(); }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t next = byte();
      value |= static_cast<uint64_t>(next & 0x7F) << shift;
      if ((next & 0x80) == 0) return value;
    }
    throw std::runtime_error("history blob: varint longer than 64 bits");
  }
  uint8_t byte() {
    need(1);
    return in_[position_++];
  }
  template <typename T>
  T raw() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, in_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }

 private:
  void need(size_t bytes) const {
    if (in_.size() - position_ < bytes) throw std::runtime_error("history blob: truncated");
  }
  std::span<const uint8_t> in_;
  size_t position_ = 0;
};

// Float32 keeps 7 significant digits: more than any meter or inverter measures, so a fractional
// aggregate (230.1 V, 1234.57 W) is kept that way. Integers stay exact (a 32-bit status word or
// counter value above 2^24 is stored as float64), and so does anything float32 cannot hold.
bool fits_float(double value) {
  const auto narrow = static_cast<float>(value);
  if (static_cast<double>(narrow) == value || std::isnan(value)) return true;
  if (!std::isfinite(narrow) || value == std::trunc(value)) return false;
  return std::fabs(static_cast<double>(narrow) - value) <= kFloatRelativeError * std::fabs(value);
}

void encode_one(Writer &out, const CodedStats &record) {
  const MinuteStats &s = record.stats;
  const bool wide = !(fits_float(s.min) && fits_float(s.mean) && fits_float(s.max));
  out.varint(static_cast<uint64_t>(record.name_id));
  out.byte(static_cast<uint8_t>((wide ? kWide : 0) | (s.counter ? kCounter : 0)));
  out.varint(s.count);
  for (const double value : {s.min, s.mean, s.max}) {
    if (wide) {
      out.raw<double>(value);
    } else {
      out.raw<float>(static_cast<float>(value));
    }
  }
  if (s.counter) {
    out.raw<double>(s.first);
    out.raw<double>(s.last);
  }
}

CodedStats decode_one(Reader &in) {
  CodedStats record;
  record.name_id = static_cast<int64_t>(in.varint());
  const uint8_t flags = in.byte();
  if ((flags & ~(kWide | kCounter)) != 0) throw std::runtime_error("history blob: unknown flags");
  MinuteStats &s = record.stats;
  s.count = static_cast<uint32_t>(in.varint());
  double *const fields[] = {&s.min, &s.mean, &s.max};
  for (double *field : fields) {
    *field = (flags & kWide) ? in.raw<double>() : static_cast<double>(in.raw<float>());
  }
  s.counter = (flags & kCounter) != 0;
  if (s.counter) {
    s.first = in.raw<double>();
    s.last = in.raw<double>();
  }
  return record;
}

}  // namespace

bool is_counter_unit(std::string_view unit) {
  return unit == "Wh" || unit == "kWh" || unit == "MWh" || unit == "varh" || unit == "kvarh";
}

std::vector<uint8_t> encode_minute(std::span<const CodedStats> records) {
  std::vector<uint8_t> blob;
  blob.reserve(records.size() * 16);
  Writer out(blob);
  for (const CodedStats &record : records) encode_one(out, record);
  return blob;
}

std::vector<CodedStats> decode_minute(std::span<const uint8_t> blob) {
  std::vector<CodedStats> records;
  Reader in(blob);
  while (!in.done()) records.push_back(decode_one(in));
  return records;
}

std::optional<MinuteStats> find_in_minute(std::span<const uint8_t> blob, int64_t name_id) {
  Reader in(blob);
  while (!in.done()) {
    CodedStats record = decode_one(in);
    if (record.name_id == name_id) return record.stats;
  }
  return std::nullopt;
}

MinuteStats combine(const MinuteStats &earlier, const MinuteStats &later) {
  if (earlier.count == 0) return later;
  if (later.count == 0) return earlier;
  MinuteStats both;
  both.count = earlier.count + later.count;
  both.min = std::min(earlier.min, later.min);
  both.max = std::max(earlier.max, later.max);
  both.mean = (earlier.mean * earlier.count + later.mean * later.count) / both.count;
  both.counter = earlier.counter || later.counter;
  both.first = earlier.counter ? earlier.first : later.first;
  both.last = later.counter ? later.last : earlier.last;
  return both;
}

std::vector<uint8_t> merge_minutes(std::span<const uint8_t> earlier,
                                   std::span<const uint8_t> later) {
  std::map<int64_t, MinuteStats> by_name;
  for (const auto &record : decode_minute(earlier)) by_name[record.name_id] = record.stats;
  for (const auto &record : decode_minute(later)) {
    auto [entry, created] = by_name.try_emplace(record.name_id, record.stats);
    if (!created) entry->second = combine(entry->second, record.stats);
  }
  std::vector<CodedStats> merged;
  merged.reserve(by_name.size());
  for (const auto &[name_id, stats] : by_name) merged.push_back({name_id, stats});
  return encode_minute(merged);
}

}  // namespace hearth::store
