#include "hearth/config/duration.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace hearth::config {
namespace {

struct DurationUnit {
  std::string_view suffix;
  int64_t ms;
};

// Longest suffix first where one ends another ("ms" before "s").
constexpr std::array<DurationUnit, 4> kUnits{
    {{"min", 60'000}, {"ms", 1}, {"h", 3'600'000}, {"s", 1'000}}};
constexpr double kMaxMs = 100.0 * 365 * 24 * 3'600'000;

// A plain decimal number: digits, optionally a point and more digits (no sign, no exponent).
std::optional<double> parse_decimal(std::string_view text) {
  const size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view("0") : text.substr(point + 1);
  const auto all_digits = [](std::string_view part) {
    return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (!all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  for (const auto &unit : kUnits) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    const auto number = parse_decimal(text.substr(0, text.size() - unit.suffix.size()));
    if (!number) return std::nullopt;
    const double ms = *number * static_cast<double>(unit.ms);
    const double rounded = std::round(ms);
    if (rounded > kMaxMs || std::abs(ms - rounded) > 1e-6) return std::nullopt;
    return static_cast<int64_t>(rounded);
  }
  return std::nullopt;
}

std::string format_duration_ms(int64_t ms) {
  // The largest unit that divides the value; then tenths of a second; else milliseconds.
  constexpr std::array<std::pair<std::string_view, int64_t>, 3> kLarge{
      {{"h", 3'600'000}, {"min", 60'000}, {"s", 1'000}}};
  for (const auto &[suffix, unit_ms] : kLarge) {
    if (ms == 0 || ms % unit_ms != 0) continue;
    return std::to_string(ms / unit_ms) + std::string(suffix);
  }
  if (ms >= 1'000 && ms % 100 == 0) {
    const int64_t tenths = ms / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace hearth::config
