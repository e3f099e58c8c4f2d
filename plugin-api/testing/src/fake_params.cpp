// Parameter validation for the fake host: the YAML checks hearthd makes before create(), against
// the driver's parameter table (plugin.h, "Parameters"). Errors name device and parameter.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hearth/testing/fake_host.hpp>
#include <sstream>

namespace hearth::testing {
namespace {

std::optional<int64_t> parse_int(const std::string &s) {
  if (s.empty()) return std::nullopt;
  char *end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string &s) {
  if (s.empty()) return std::nullopt;
  char *end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// YAML 1.1 booleans, as yaml-cpp (and so hearthd) reads them.
std::optional<bool> parse_bool(const std::string &s) {
  static const char *const kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
  static const char *const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};
  for (const char *t : kTrue)
    if (s == t) return true;
  for (const char *f : kFalse)
    if (s == f) return false;
  return std::nullopt;
}

// "250ms", "1.5s", "10min", "2h" -> milliseconds (plugin.h, HEARTH_PARAM_DURATION). As hearthd:
// an unsigned decimal and a unit, and a whole number of milliseconds.
std::optional<int64_t> parse_duration_ms(const std::string &s) {
  static const std::pair<const char *, double> kUnits[] = {
      {"ms", 1.0}, {"min", 60'000.0}, {"s", 1000.0}, {"h", 3'600'000.0}};
  for (const auto &[suffix, ms_per_unit] : kUnits) {
    const size_t n = std::strlen(suffix);
    if (s.size() <= n || s.compare(s.size() - n, n, suffix) != 0) continue;
    const std::string digits = s.substr(0, s.size() - n);
    if (digits.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
    auto number = parse_double(digits);
    if (!number) return std::nullopt;
    const double ms = *number * ms_per_unit;
    if (std::abs(ms - std::round(ms)) > 1e-6) return std::nullopt;
    return static_cast<int64_t>(std::llround(ms));
  }
  return std::nullopt;
}

bool in_choices(const char *choices, const std::string &value) {
  if (choices == nullptr) return false;
  std::stringstream all(choices);
  std::string choice;
  while (std::getline(all, choice, '|'))
    if (choice == value) return true;
  return false;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The number min/max apply to, or an error text.
std::optional<double> magnitude(const hearth_param_desc &p, const ParamValue &v,
                                std::string &error) {
  switch (p.type) {
    case HEARTH_PARAM_INT:
      if (auto i = parse_int(v.text)) return static_cast<double>(*i);
      error = "'" + v.text + "' is not an integer";
      return std::nullopt;
    case HEARTH_PARAM_DOUBLE:
      if (auto d = parse_double(v.text)) return *d;
      error = "'" + v.text + "' is not a number";
      return std::nullopt;
    case HEARTH_PARAM_DURATION:
      if (auto ms = parse_duration_ms(v.text)) return static_cast<double>(*ms);
      error = "'" + v.text + "' is not a duration (\"250ms\", \"1.5s\", \"10min\", \"2h\")";
      return std::nullopt;
    case HEARTH_PARAM_LIST:
      if (v.is_list) return static_cast<double>(v.items.size());
      error = "expects a list";
      return std::nullopt;
    case HEARTH_PARAM_BOOL:
      if (!parse_bool(v.text)) error = "'" + v.text + "' is not true or false";
      return std::nullopt;
    case HEARTH_PARAM_ENUM:
      if (!in_choices(p.choices, v.text))
        error = "'" + v.text + "' is not one of " + (p.choices ? p.choices : "(no choices)");
      return std::nullopt;
    case HEARTH_PARAM_STRING:
      if (v.is_list) error = "expects text, not a list";
      return std::nullopt;
    default:
      error = "has an unknown type " + std::to_string(p.type) + " in the driver's table";
      return std::nullopt;
  }
}

std::string check_value(const hearth_param_desc &p, const ParamValue &v) {
  std::string error;
  const std::optional<double> m = magnitude(p, v, error);
  if (!error.empty()) return error;
  if (m && (p.flags & HEARTH_PARAM_HAS_MIN) && *m < p.min)
    return format_number(*m) + " is below the minimum " + format_number(p.min);
  if (m && (p.flags & HEARTH_PARAM_HAS_MAX) && *m > p.max)
    return format_number(*m) + " is above the maximum " + format_number(p.max);
  return "";
}

// The text param_* serve: durations in ms, booleans as true/false.
std::string served_text(const hearth_param_desc &p, const ParamValue &v) {
  if (p.type == HEARTH_PARAM_DURATION) return std::to_string(*parse_duration_ms(v.text));
  if (p.type == HEARTH_PARAM_BOOL) return *parse_bool(v.text) ? "true" : "false";
  return v.text;
}

}  // namespace

ParamValue::ParamValue(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  text = buf;
}

std::string FakeHost::resolve_params(FakeDevice &device, const Params &params) const {
  const hearth_driver_desc &driver = *device.driver_;
  const std::string where = "device '" + device.id_ + "': parameter '";
  std::map<std::string, bool> known;
  for (uint32_t i = 0; i < driver.param_count; ++i) {
    const auto &p = *reinterpret_cast<const hearth_param_desc *>(
        reinterpret_cast<const char *>(driver.params) + i * driver.params[0].struct_size);
    known[p.name] = true;
    auto given = params.find(p.name);
    std::optional<ParamValue> value;
    if (given != params.end()) {
      value = given->second;
    } else if (p.default_value != nullptr) {
      value = ParamValue(p.default_value);
    } else if (p.flags & HEARTH_PARAM_REQUIRED) {
      return where + p.name + "' is required";
    }
    if (!value) continue;
    const std::string error = check_value(p, *value);
    if (!error.empty())
      return where + p.name + "': " + error + (given == params.end() ? " (the default)" : "");
    device.params_[p.name] = {p.type, served_text(p, *value), value->items};
  }
  for (const auto &[name, value] : params)
    if (!known.count(name))
      return where + name + "' is not a parameter of driver '" + driver.name + "'";
  return "";
}

}  // namespace hearth::testing
