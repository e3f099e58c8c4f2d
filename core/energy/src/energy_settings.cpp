// The energy keys in the SettingsStore and their reading into EnergySettings.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <hearth/config/duration.hpp>
#include <hearth/energy/energy_settings.hpp>

namespace hearth::energy {
namespace {

enum class Kind { number, integer, duration, choice, window, point, text };

struct KeySpec {
  std::string_view key;
  Kind kind;
  double min = 0;
  double max = 1e12;
  std::string_view choices = {};  // "a|b"
};

// What a run-time override may set; the same ranges as the YAML check (core/config/src/energy.cpp).
constexpr std::array kKeys = {
    KeySpec{"energy.mode", Kind::choice, 0, 0, "self-consumption|tou|cost-optimal"},
    KeySpec{"energy.feed_in_limit_w", Kind::number, 0, 1e7},
    KeySpec{"energy.feed_in_limit_pct", Kind::number, 0, 100},
    KeySpec{"energy.import_limit.w", Kind::number, 0, 1e7},
    KeySpec{"energy.import_limit.hours", Kind::window},
    KeySpec{"energy.limits_trigger", Kind::choice, 0, 0, "event|cycle"},
    KeySpec{"energy.control_cycle", Kind::duration, 100, 60'000},
    KeySpec{"energy.limit_deadband_w", Kind::number, 0, 10'000},
    KeySpec{"energy.limit_min_interval", Kind::duration, 0, 600'000},
    KeySpec{"energy.grid_meter", Kind::text},
    KeySpec{"energy.phase_current_limit_a", Kind::number, 1, 1000},
    KeySpec{"energy.external_limit.feed_in_point", Kind::point},
    KeySpec{"energy.external_limit.import_point", Kind::point},
    KeySpec{"energy.fail_safe.meter_timeout_s", Kind::number, 0.1, 5},
    KeySpec{"energy.fail_safe.pv_limit_w", Kind::number, 0, 1e7},
    KeySpec{"energy.fail_safe.frozen_samples", Kind::integer, 3, 1000},
    KeySpec{"energy.fail_safe.counter_stall_wh", Kind::number, 1, 10'000},
    KeySpec{"energy.fail_safe.recover_samples", Kind::integer, 1, 100},
};

constexpr std::array<std::string_view, 8> kGridSafetyPrefixes = {
    "energy.feed_in_limit",  "energy.import_limit",         "energy.fail_safe",
    "energy.ripple_control", "energy.external_limit",       "energy.limits_trigger",
    "energy.limit_",         "energy.phase_current_limit_a"};

std::optional<double> to_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::string copy(text);
  char *end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::string> check_spec(const KeySpec &spec, std::string_view text) {
  auto range_problem = [&](double value, std::string_view unit) -> std::optional<std::string> {
    if (value < spec.min || value > spec.max) {
      return std::string(text) + " is outside " + std::to_string(spec.min) + ".." +
             std::to_string(spec.max) + std::string(unit);
    }
    return std::nullopt;
  };
  switch (spec.kind) {
    case Kind::number:
    case Kind::integer: {
      const auto value = to_number(text);
      if (!value) return "'" + std::string(text) + "' is not a number";
      if (spec.kind == Kind::integer && std::floor(*value) != *value) {
        return "'" + std::string(text) + "' is not a whole number";
      }
      return range_problem(*value, "");
    }
    case Kind::duration: {
      const auto ms = config::parse_duration_ms(text);
      if (!ms) return "'" + std::string(text) + "' is not a duration (250ms, 1.5s, 10min)";
      return range_problem(static_cast<double>(*ms), " ms");
    }
    case Kind::choice: {
      std::string_view rest = spec.choices;
      while (!rest.empty()) {
        const size_t bar = rest.find('|');
        if (rest.substr(0, bar) == text) return std::nullopt;
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
      return "'" + std::string(text) + "' is not one of " + std::string(spec.choices);
    }
    case Kind::window:
      if (parse_clock_window(text)) return std::nullopt;
      return "'" + std::string(text) + "' is not a time window (HH:MM-HH:MM)";
    case Kind::point: {
      const size_t slash = text.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
        return "'" + std::string(text) + "' is not a point name (<device>/<point>)";
      }
      return std::nullopt;
    }
    case Kind::text:
      return std::nullopt;
  }
  return std::nullopt;
}

const KeySpec *spec_of(std::string_view key) {
  for (const auto &spec : kKeys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

void flatten_into(const YAML::Node &node, const std::string &path,
                  std::map<std::string, std::string> &out) {
  if (node.IsMap()) {
    for (const auto &item : node) flatten_into(item.second, path + "." + item.first.Scalar(), out);
  } else if (node.IsScalar()) {
    out[path] = node.Scalar();
  } else if (node.IsDefined() && !node.IsNull()) {
    YAML::Emitter emitter;
    emitter.SetMapFormat(YAML::Flow);
    emitter.SetSeqFormat(YAML::Flow);
    emitter << node;
    out[path] = emitter.c_str();
  }
}

// Reads the keys one by one; a value that does not read is reported and its default kept.
class SettingsReader {
 public:
  SettingsReader(const SettingLookup &lookup, ParsedSettings &out) : lookup_(lookup), out_(out) {}

  std::optional<std::string> text(std::string_view key) {
    auto value = lookup_(key);
    if (!value) return std::nullopt;
    if (const KeySpec *spec = spec_of(key)) {
      if (auto problem = check_spec(*spec, *value)) {
        out_.problems.push_back(std::string(key) + ": " + *problem);
        return std::nullopt;
      }
    }
    return value;
  }
  std::optional<double> number(std::string_view key) {
    const auto value = text(key);
    return value ? to_number(*value) : std::nullopt;
  }
  void number(std::string_view key, double &target) {
    if (auto value = number(key)) target = *value;
  }
  void integer(std::string_view key, int &target) {
    if (auto value = number(key)) target = static_cast<int>(*value);
  }
  void duration(std::string_view key, int64_t &target_ms) {
    if (auto value = text(key)) target_ms = config::parse_duration_ms(*value).value_or(target_ms);
  }
  void string(std::string_view key, std::string &target) {
    if (auto value = text(key)) target = *value;
  }

 private:
  const SettingLookup &lookup_;
  ParsedSettings &out_;
};

}  // namespace

std::map<std::string, std::string> flatten_energy(const YAML::Node &energy) {
  std::map<std::string, std::string> out;
  if (energy.IsMap()) flatten_into(energy, "energy", out);
  return out;
}

bool is_grid_safety_key(std::string_view key) {
  for (const auto prefix : kGridSafetyPrefixes) {
    if (key.starts_with(prefix)) return true;
  }
  return false;
}

void register_energy_keys(store::SettingsStore &store) {
  for (const auto &spec : kKeys) {
    store.register_key(std::string(spec.key),
                       {is_grid_safety_key(spec.key), [spec](std::string_view value_text) {
                          return check_spec(spec, value_text);
                        }});
  }
}

ParsedSettings parse_energy_settings(const SettingLookup &lookup, const config::SiteConfig &site) {
  ParsedSettings out;
  EnergySettings &s = out.settings;
  s.pv_installed_wp = site.pv_installed_wp;
  s.timezone = site.timezone;
  s.single_phase = site.grid == "single-phase";
  s.phase_current_limit_a = site.fuse_a;
  SettingsReader read(lookup, out);
  read.string("energy.mode", s.mode);
  s.feed_in_limit_w = read.number("energy.feed_in_limit_w");
  if (auto pct = read.number("energy.feed_in_limit_pct"); pct && !s.feed_in_limit_w) {
    s.feed_in_limit_w = *pct / 100.0 * site.pv_installed_wp;
  }
  s.import_limit_w = read.number("energy.import_limit.w");
  if (auto hours = read.text("energy.import_limit.hours"))
    s.import_hours = parse_clock_window(*hours);
  if (auto trigger = read.text("energy.limits_trigger")) {
    s.limits_trigger = *trigger == "cycle" ? LimitsTrigger::cycle : LimitsTrigger::event;
  }
  read.duration("energy.control_cycle", s.control_cycle_ms);
  read.number("energy.limit_deadband_w", s.limit_deadband_w);
  read.duration("energy.limit_min_interval", s.limit_min_interval_ms);
  read.string("energy.grid_meter", s.grid_meter);
  read.number("energy.phase_current_limit_a", s.phase_current_limit_a);
  read.string("energy.external_limit.feed_in_point", s.external_feed_in_point);
  read.string("energy.external_limit.import_point", s.external_import_point);
  read.number("energy.fail_safe.meter_timeout_s", s.fail_safe.meter_timeout_s);
  read.number("energy.fail_safe.pv_limit_w", s.fail_safe.pv_limit_w);
  read.integer("energy.fail_safe.frozen_samples", s.fail_safe.frozen_samples);
  read.number("energy.fail_safe.counter_stall_wh", s.fail_safe.counter_stall_wh);
  read.integer("energy.fail_safe.recover_samples", s.fail_safe.recover_samples);
  return out;
}

ParsedSettings parse_energy_settings(const YAML::Node &energy, const config::SiteConfig &site) {
  const auto flat = flatten_energy(energy);
  return parse_energy_settings(
      [&flat](std::string_view key) -> std::optional<std::string> {
        const auto found = flat.find(std::string(key));
        if (found == flat.end()) return std::nullopt;
        return found->second;
      },
      site);
}

ParsedSettings parse_energy_settings(const store::SettingsStore &store,
                                     const config::SiteConfig &site) {
  return parse_energy_settings(
      [&store](std::string_view key) -> std::optional<std::string> {
        auto setting = store.get(key);
        if (!setting) return std::nullopt;
        return setting->value_text;
      },
      site);
}

YAML::Node energy_node_from(const store::SettingsStore &store) {
  YAML::Node energy(YAML::NodeType::Map);
  constexpr std::string_view kPrefix = "energy.";
  for (const auto &key : store.keys()) {
    if (!key.starts_with(kPrefix)) continue;
    const auto setting = store.get(key);
    if (!setting) continue;
    YAML::Node value;
    try {
      value = YAML::Load(setting->value_text);  // lists were written as flow text
    } catch (const YAML::Exception &) {
      value = YAML::Node(setting->value_text);
    }
    std::vector<std::string> path;
    for (size_t start = kPrefix.size(); start <= key.size();) {
      const size_t dot = std::min(key.find('.', start), key.size());
      path.push_back(key.substr(start, dot - start));
      start = dot + 1;
    }
    // yaml-cpp's operator[] on a node returns a handle into the same tree, so walk with copies.
    std::vector<YAML::Node> chain{energy};
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      YAML::Node next = chain.back()[path[i]];
      if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
      chain.back()[path[i]] = next;
      chain.push_back(chain.back()[path[i]]);
    }
    chain.back()[path.back()] = value;
  }
  return energy;
}

}  // namespace hearth::energy
