// TZif (RFC 8536) and POSIX TZ strings (POSIX.1-2017, 8.3 "TZ"), as far as the tz database uses
// them: version 2+ files with 64-bit transitions, footer rules of the "Mm.w.d[/time]" form.
#include "hearth/energy/time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hearth::energy {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr size_t kHeaderSize = 44;

class Bytes {
 public:
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  bool has(size_t count) const { return pos_ + count <= data_.size(); }
  int64_t read_be(size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(data_[pos_++]);
    if (width < 8 && (value >> (width * 8 - 1)) != 0) value |= ~uint64_t{0} << (width * 8);
    return static_cast<int64_t>(value);
  }
  void skip(size_t count) { pos_ += count; }
  size_t pos() const { return pos_; }
  std::string rest() const { return data_.substr(std::min(pos_, data_.size())); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

struct Counts {
  int64_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
  size_t block_size(size_t time_width) const {
    return static_cast<size_t>(time * time_width + time + type * 6 + chars +
                               leap * (time_width + 4) + isstd + isut);
  }
};

std::optional<Counts> read_header(Bytes &bytes, char &version) {
  if (!bytes.has(kHeaderSize)) return std::nullopt;
  const std::string magic = bytes.rest().substr(0, 4);
  if (magic != "TZif") return std::nullopt;
  version = bytes.rest()[4];
  bytes.skip(20);
  Counts counts;
  for (int64_t *field :
       {&counts.isut, &counts.isstd, &counts.leap, &counts.time, &counts.type, &counts.chars}) {
    *field = bytes.read_be(4);
    if (*field < 0) return std::nullopt;
  }
  return counts;
}

// "[+-]hh[:mm[:ss]]" → seconds; advances `pos`.
std::optional<int32_t> parse_hms(const std::string &text, size_t &pos) {
  int sign = 1;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    sign = text[pos] == '-' ? -1 : 1;
    ++pos;
  }
  int32_t total = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != ':') break;
      ++pos;
    }
    const size_t start = pos;
    int32_t value = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      value = value * 10 + (text[pos++] - '0');
    }
    if (pos == start || value > 167) return std::nullopt;
    total += value * (part == 0 ? 3600 : part == 1 ? 60 : 1);
  }
  return sign * total;
}

bool skip_zone_name(const std::string &text, size_t &pos) {
  const size_t start = pos;
  if (pos < text.size() && text[pos] == '<') {
    const size_t close = text.find('>', pos);
    if (close == std::string::npos) return false;
    pos = close + 1;
    return true;
  }
  while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
  return pos - start >= 3;
}

std::optional<PosixTzRule::Change> parse_change(const std::string &text, size_t &pos) {
  PosixTzRule::Change change;
  if (pos >= text.size() || text[pos] != 'M') return std::nullopt;  // Jn and n: not in tzdata
  int fields[3] = {0, 0, 0};
  ++pos;
  for (int i = 0; i < 3; ++i) {
    if (i > 0 && (pos >= text.size() || text[pos++] != '.')) return std::nullopt;
    const size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      fields[i] = fields[i] * 10 + (text[pos++] - '0');
    }
    if (pos == start) return std::nullopt;
  }
  change.month = fields[0];
  change.week = fields[1];
  change.weekday = fields[2];
  if (change.month < 1 || change.month > 12 || change.week < 1 || change.week > 5 ||
      change.weekday > 6) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == '/') {
    ++pos;
    const auto time = parse_hms(text, pos);
    if (!time) return std::nullopt;
    change.local_time_s = *time;
  }
  return change;
}

// The local midnight (days since 1970) of the change's day in `year`.
int64_t change_day(const PosixTzRule::Change &change, int year) {
  const int64_t first = days_from_civil({year, change.month, 1});
  const int first_weekday = weekday_from_days(first);
  int64_t day = first + (change.weekday - first_weekday + 7) % 7 + (change.week - 1) * 7;
  const int64_t next_month = change.month == 12 ? days_from_civil({year + 1, 1, 1})
                                                : days_from_civil({year, change.month + 1, 1});
  while (day >= next_month) day -= 7;  // week 5 means the last such weekday
  return day;
}

}  // namespace

std::optional<PosixTzRule> PosixTzRule::parse(const std::string &text) {
  PosixTzRule rule;
  size_t pos = 0;
  if (!skip_zone_name(text, pos)) return std::nullopt;
  const auto std_offset = parse_hms(text, pos);
  if (!std_offset) return std::nullopt;
  rule.std_offset_s = -*std_offset;  // POSIX counts west of UTC
  if (pos == text.size()) return rule;
  if (!skip_zone_name(text, pos)) return std::nullopt;
  rule.dst_offset_s = rule.std_offset_s + 3600;
  if (pos < text.size() && text[pos] != ',') {
    const auto dst_offset = parse_hms(text, pos);
    if (!dst_offset) return std::nullopt;
    rule.dst_offset_s = -*dst_offset;
  }
  if (pos >= text.size() || text[pos++] != ',') return std::nullopt;
  const auto start = parse_change(text, pos);
  if (!start || pos >= text.size() || text[pos++] != ',') return std::nullopt;
  const auto end = parse_change(text, pos);
  if (!end || pos != text.size()) return std::nullopt;
  rule.dst_start = *start;
  rule.dst_end = *end;
  return rule;
}

int32_t PosixTzRule::utc_offset_s(int64_t utc_s) const {
  if (!dst_offset_s) return std_offset_s;
  const int64_t local_s = utc_s + std_offset_s;
  const int64_t local_days = local_s / kSecondsPerDay - (local_s % kSecondsPerDay < 0 ? 1 : 0);
  const int year = civil_from_days(local_days).year;
  const int64_t start_utc =
      change_day(dst_start, year) * kSecondsPerDay + dst_start.local_time_s - std_offset_s;
  const int64_t end_utc =
      change_day(dst_end, year) * kSecondsPerDay + dst_end.local_time_s - *dst_offset_s;
  const bool in_dst = start_utc < end_utc ? (utc_s >= start_utc && utc_s < end_utc)
                                          : !(utc_s >= end_utc && utc_s < start_utc);  // south
  return in_dst ? *dst_offset_s : std_offset_s;
}

TimeZone TimeZone::utc() {
  return TimeZone();
}

TimeZone TimeZone::load(const std::string &name, const std::string &zoneinfo_dir) {
  const auto fail = [&](const std::string &why) {
    return std::runtime_error("time zone '" + name + "': " + why);
  };
  if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') {
    throw fail("not a zone name");
  }
  const std::filesystem::path path = std::filesystem::path(zoneinfo_dir) / name;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw fail("no such file in " + zoneinfo_dir);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw fail("cannot read " + path.string());
  Bytes bytes(std::string(std::istreambuf_iterator<char>(file), {}));
  char version = 0;
  auto counts = read_header(bytes, version);
  if (!counts) throw fail("not a TZif file");
  if (version < '2') throw fail("a version 1 TZif file (no 64-bit data)");
  bytes.skip(counts->block_size(4));
  counts = read_header(bytes, version);
  if (!counts || !bytes.has(counts->block_size(8))) throw fail("truncated TZif file");

  TimeZone zone;
  zone.name_ = name;
  for (int64_t i = 0; i < counts->time; ++i) zone.transitions_s_.push_back(bytes.read_be(8));
  std::vector<size_t> type_of_transition;
  for (int64_t i = 0; i < counts->time; ++i) {
    type_of_transition.push_back(static_cast<size_t>(bytes.read_be(1) & 0xff));
  }
  std::vector<int32_t> type_offsets;
  for (int64_t i = 0; i < counts->type; ++i) {
    type_offsets.push_back(static_cast<int32_t>(bytes.read_be(4)));
    bytes.skip(2);  // isdst, abbreviation index
  }
  if (type_offsets.empty()) throw fail("no local time types");
  for (size_t type : type_of_transition) {
    if (type >= type_offsets.size()) throw fail("a transition names a missing type");
    zone.offsets_after_s_.push_back(type_offsets[type]);
  }
  zone.initial_offset_s_ = type_offsets[0];  // RFC 8536 3.2: type 0 before the first transition
  bytes.skip(counts->block_size(8) - static_cast<size_t>(counts->time * 9 + counts->type * 6));
  const std::string footer = bytes.rest();
  if (footer.size() > 2 && footer.front() == '\n') {
    const std::string tz = footer.substr(1, footer.find('\n', 1) - 1);
    if (!tz.empty()) {
      zone.rule_ = PosixTzRule::parse(tz);
      if (!zone.rule_) throw fail("footer rule '" + tz + "' is not understood");
    }
  }
  return zone;
}

int32_t TimeZone::utc_offset_s(int64_t utc_s) const {
  if (transitions_s_.empty() || utc_s >= transitions_s_.back()) {
    if (rule_) return rule_->utc_offset_s(utc_s);
    return transitions_s_.empty() ? initial_offset_s_ : offsets_after_s_.back();
  }
  const auto after = std::upper_bound(transitions_s_.begin(), transitions_s_.end(), utc_s);
  if (after == transitions_s_.begin()) return initial_offset_s_;
  return offsets_after_s_[static_cast<size_t>(after - transitions_s_.begin() - 1)];
}

LocalTime TimeZone::to_local(int64_t utc_s) const {
  const int32_t offset_s = utc_offset_s(utc_s);
  return LocalTime{utc_s + offset_s, offset_s};
}

int64_t TimeZone::to_utc(int64_t local_s) const {
  // Offsets a day either side; no zone changes its offset twice within two days.
  const int32_t before_s = utc_offset_s(local_s - kSecondsPerDay);
  const int32_t after_s = utc_offset_s(local_s + kSecondsPerDay);
  std::optional<int64_t> earliest;
  for (int32_t offset_s : {before_s, after_s}) {
    const int64_t utc_s = local_s - offset_s;
    if (utc_offset_s(utc_s) == offset_s && (!earliest || utc_s < *earliest)) earliest = utc_s;
  }
  // In the gap, the offset before it maps the time past the gap (02:30 CET = 03:30 CEST).
  return earliest.value_or(local_s - before_s);
}

}  // namespace hearth::energy
