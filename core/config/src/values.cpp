#include "values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "hearth/config/duration.hpp"
#include "suggest.hpp"
#include "yaml_nodes.hpp"

namespace hearth::config::detail {
namespace {

// YAML allows "+5"; from_chars does not.
std::string_view without_plus(std::string_view text) {
  return text.size() > 1 && text[0] == '+' && text[1] != '-' ? text.substr(1) : text;
}

std::optional<int64_t> parse_int(std::string_view text) {
  text = without_plus(text);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  text = without_plus(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// YAML 1.1 booleans, as yaml-cpp reads them.
std::optional<bool> parse_bool(std::string_view text) {
  constexpr std::array<std::string_view, 9> kTrue{"true", "True", "TRUE", "yes", "Yes",
                                                  "YES",  "on",   "On",   "ON"};
  constexpr std::array<std::string_view, 9> kFalse{"false", "False", "FALSE", "no", "No",
                                                   "NO",    "off",   "Off",   "OFF"};
  if (std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) return true;
  if (std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) return false;
  return std::nullopt;
}

std::vector<std::string> split_choices(const char *choices) {
  std::vector<std::string> items;
  if (choices == nullptr) return items;
  std::string_view rest(choices);
  while (!rest.empty()) {
    const size_t bar = rest.find('|');
    items.emplace_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  return items;
}

std::string expectation(const hearth_param_desc &desc) {
  switch (desc.type) {
    case HEARTH_PARAM_INT:
      return "a whole number";
    case HEARTH_PARAM_DOUBLE:
      return "a number";
    case HEARTH_PARAM_BOOL:
      return "true or false";
    case HEARTH_PARAM_STRING:
      return "a text value";
    case HEARTH_PARAM_ENUM:
      return "one of: " + join(split_choices(desc.choices), ", ");
    case HEARTH_PARAM_DURATION:
      return "a duration (250ms, 1.5s, 10min, 2h)";
    case HEARTH_PARAM_LIST:
      return "a list";
    default:
      return "a value";
  }
}

std::optional<ParamValue> convert_scalar(const std::string &text, const hearth_param_desc &desc,
                                         std::string &problem) {
  const auto fail = [&](std::string why) -> std::optional<ParamValue> {
    problem = std::move(why);
    return std::nullopt;
  };
  switch (desc.type) {
    case HEARTH_PARAM_INT:
      if (auto value = parse_int(text)) return *value;
      return fail("expected a whole number, got '" + text + "'");
    case HEARTH_PARAM_DOUBLE:
      if (auto value = parse_double(text)) return *value;
      return fail("expected a number, got '" + text + "'");
    case HEARTH_PARAM_BOOL:
      if (auto value = parse_bool(text)) return *value;
      return fail("expected true or false, got '" + text + "'");
    case HEARTH_PARAM_STRING:
      return text;
    case HEARTH_PARAM_ENUM: {
      const auto choices = split_choices(desc.choices);
      if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
      return fail("'" + text + "' is not one of: " + join(choices, ", "));
    }
    case HEARTH_PARAM_DURATION:
      if (auto ms = parse_duration_ms(text)) return *ms;
      return fail("'" + text +
                  "' is not a duration; write a number and a unit: 250ms, 1.5s, 10min, 2h");
    case HEARTH_PARAM_LIST:
      return fail("expected a list, got '" + text + "'");
    default:
      return fail("the parameter table gives an unknown type " + std::to_string(desc.type));
  }
}

std::optional<ParamValue> convert_list(const YAML::Node &node, std::string &problem) {
  std::vector<std::string> items;
  for (const auto &item : node) {
    if (!item.IsScalar()) {
      problem = "expected a list of text values, got " + describe(item);
      return std::nullopt;
    }
    items.push_back(item.Scalar());
  }
  return items;
}

// min/max in the unit of the value: milliseconds are shown as durations, counts as items.
std::string show(double value, const hearth_param_desc &desc) {
  if (desc.type == HEARTH_PARAM_DURATION) return format_duration_ms(static_cast<int64_t>(value));
  if (desc.unit != nullptr && desc.unit[0] != '\0') return format_number(value) + " " + desc.unit;
  return format_number(value);
}

std::optional<double> magnitude(const ParamValue &value) {
  if (auto i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&value)) return *d;
  if (auto list = std::get_if<std::vector<std::string>>(&value))
    return static_cast<double>(list->size());
  return std::nullopt;
}

}  // namespace

std::string format_number(double value) {
  return fmt::format("{}", value);
}

std::optional<ParamValue> convert_value(const YAML::Node &node, const hearth_param_desc &desc,
                                        std::string &problem) {
  if (!node.IsDefined() || node.IsNull()) {
    problem = "no value given; expected " + expectation(desc);
    return std::nullopt;
  }
  if (desc.type == HEARTH_PARAM_LIST) {
    if (node.IsSequence()) return convert_list(node, problem);
    problem = "expected a list, got " + describe(node);
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    problem = "expected " + expectation(desc) + ", got " + describe(node);
    return std::nullopt;
  }
  return convert_scalar(node.Scalar(), desc, problem);
}

std::optional<std::string> range_problem(const ParamValue &value, const hearth_param_desc &desc) {
  const auto amount = magnitude(value);
  if (!amount) return std::nullopt;
  const bool is_list = desc.type == HEARTH_PARAM_LIST;
  if ((desc.flags & HEARTH_PARAM_HAS_MIN) && *amount < desc.min) {
    if (is_list)
      return "has " + format_number(*amount) + " items; at least " + format_number(desc.min) +
             " needed";
    return show(*amount, desc) + " is below the minimum of " + show(desc.min, desc);
  }
  if ((desc.flags & HEARTH_PARAM_HAS_MAX) && *amount > desc.max) {
    if (is_list)
      return "has " + format_number(*amount) + " items; at most " + format_number(desc.max) +
             " allowed";
    return show(*amount, desc) + " is above the maximum of " + show(desc.max, desc);
  }
  return std::nullopt;
}

std::string canonical_text(const ParamValue &value) {
  struct Visitor {
    static std::string quoted(const std::string &text) {
      std::string out = "\"";
      for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string &s) const { return quoted(s); }
    std::string operator()(const std::vector<std::string> &list) const {
      std::vector<std::string> items;
      for (const auto &item : list) items.push_back(quoted(item));
      return "[" + join(items, ", ") + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace hearth::config::detail
