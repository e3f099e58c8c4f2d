#include "hearth/sim/profiles.hpp"

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "hearth/sim/scenario.hpp"

namespace hearth::sim {
namespace {

constexpr int64_t kDayS = 86400;
constexpr int64_t kBuiltinIntervalS = 900;

std::vector<std::string> split_csv(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  return fields;
}

// Local solar shape: 0 outside [sunrise, sunset], a sine bump in between.
double sun_shape(double local_hour) {
  constexpr double kSunriseH = 5.5, kSunsetH = 21.0;
  if (local_hour <= kSunriseH || local_hour >= kSunsetH) return 0.0;
  return std::pow(std::sin(std::numbers::pi * (local_hour - kSunriseH) / (kSunsetH - kSunriseH)),
                  1.5);
}

// Relative household demand through a day: a base, a morning and an evening peak.
double household_shape(double local_hour) {
  auto bump = [](double h, double centre, double width) {
    return std::exp(-0.5 * std::pow((h - centre) / width, 2.0));
  };
  return 0.5 + 0.6 * bump(local_hour, 7.5, 1.0) + 0.5 * bump(local_hour, 12.5, 1.5) +
         1.0 * bump(local_hour, 19.0, 1.8);
}

}  // namespace

PowerProfile PowerProfile::from_csv(const std::string &path, const std::string &column,
                                    double energy_scale_wh) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open profile");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(line);
  size_t col = header.size();
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == column) col = i;
  if (col == header.size() || header.empty() || header[0] != "utc_start")
    throw std::runtime_error(path + ":1: expected columns utc_start and " + column);
  PowerProfile profile;
  profile.from_data_ = true;
  profile.origin_ = path;
  std::vector<int64_t> starts;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto fields = split_csv(line);
    try {
      if (fields.size() <= col) throw std::runtime_error("short row");
      starts.push_back(parse_utc_iso8601(fields[0]));
      profile.power_w_.push_back(std::stod(fields[col]) * energy_scale_wh);
    } catch (const std::exception &e) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + e.what());
    }
  }
  if (starts.size() < 2) throw std::runtime_error(path + ": fewer than two rows");
  profile.first_utc_s_ = starts.front();
  profile.interval_s_ = starts[1] - starts[0];
  for (size_t i = 1; i < starts.size(); ++i)
    if (starts[i] - starts[i - 1] != profile.interval_s_)
      throw std::runtime_error(path + ":" + std::to_string(i + 2) + ": rows not equally spaced");
  const double interval_h = static_cast<double>(profile.interval_s_) / 3600.0;
  for (auto &value : profile.power_w_) value /= interval_h;
  return profile;
}

PowerProfile PowerProfile::clear_sky_pv(double peak_w_per_kwp, int32_t utc_offset_min) {
  PowerProfile profile;
  profile.origin_ = "built-in clear-sky day";
  profile.interval_s_ = kBuiltinIntervalS;
  for (int64_t s = 0; s < kDayS; s += kBuiltinIntervalS) {
    const double local_h =
        std::fmod((s + kBuiltinIntervalS / 2) / 3600.0 + utc_offset_min / 60.0 + 24.0, 24.0);
    profile.power_w_.push_back(peak_w_per_kwp * sun_shape(local_h));
  }
  return profile;
}

PowerProfile PowerProfile::household_day(double annual_kwh, int32_t utc_offset_min) {
  PowerProfile profile;
  profile.origin_ = "built-in household day";
  profile.interval_s_ = kBuiltinIntervalS;
  double shape_sum = 0.0;
  for (int64_t s = 0; s < kDayS; s += kBuiltinIntervalS) {
    const double local_h =
        std::fmod((s + kBuiltinIntervalS / 2) / 3600.0 + utc_offset_min / 60.0 + 24.0, 24.0);
    profile.power_w_.push_back(household_shape(local_h));
    shape_sum += profile.power_w_.back();
  }
  // Mean power of the day equals annual energy / hours of a year.
  const double mean_w = annual_kwh * 1000.0 / 8760.0;
  const double scale = mean_w * static_cast<double>(profile.power_w_.size()) / shape_sum;
  for (auto &value : profile.power_w_) value *= scale;
  return profile;
}

size_t PowerProfile::index_of(int64_t utc_ms) const {
  const int64_t span_s = interval_s_ * static_cast<int64_t>(power_w_.size());
  // Wrap by whole days so the time of day is kept (a 366-day profile still lines up).
  int64_t offset_s = utc_ms / 1000 - first_utc_s_;
  const int64_t span_days = span_s / kDayS;
  if (span_days > 0) {
    const int64_t day = offset_s >= 0 ? offset_s / kDayS : (offset_s - kDayS + 1) / kDayS;
    const int64_t wrapped_day = ((day % span_days) + span_days) % span_days;
    offset_s = wrapped_day * kDayS + (offset_s - day * kDayS);
  }
  offset_s = ((offset_s % span_s) + span_s) % span_s;
  return static_cast<size_t>(offset_s / interval_s_);
}

double PowerProfile::power_w(int64_t utc_ms) const {
  return power_w_[index_of(utc_ms)];
}

double PowerProfile::energy_wh(int64_t from_utc_ms, int64_t to_utc_ms) const {
  double wh = 0.0;
  const int64_t interval_ms = interval_s_ * 1000;
  for (int64_t t = from_utc_ms; t < to_utc_ms;) {
    const int64_t next = std::min(to_utc_ms, (t / interval_ms + 1) * interval_ms);
    wh += power_w(t) * static_cast<double>(next - t) / 3.6e6;
    t = next;
  }
  return wh;
}

}  // namespace hearth::sim
