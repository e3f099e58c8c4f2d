#include "hearth/sim/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

namespace hearth::sim {
namespace {

std::string where(const std::string &source, const YAML::Node &node) {
  return source + ":" + std::to_string(node.Mark().line + 1);
}

[[noreturn]] void fail(const std::string &source, const YAML::Node &node, const std::string &what) {
  throw ScenarioError(where(source, node) + ": " + what);
}

// Reads an optional scalar; a value of the wrong type is an error naming file:line and key.
template <typename T>
void read(const std::string &source, const YAML::Node &map, const char *key, T &out) {
  const YAML::Node value = map[key];
  if (!value) return;
  try {
    out = value.as<T>();
  } catch (const YAML::Exception &) {
    fail(source, value, std::string("bad value for '") + key + "'");
  }
}

void read_positive(const std::string &source, const YAML::Node &map, const char *key, double &out) {
  read(source, map, key, out);
  if (map[key] && !(out > 0.0)) fail(source, map[key], std::string("'") + key + "' must be > 0");
}

void read_unit(const std::string &source, const YAML::Node &map, const char *key, uint8_t &out) {
  int unit = out;
  read(source, map, key, unit);
  if (unit < 1 || unit > 247) fail(source, map[key], "unit id must be 1..247");
  out = static_cast<uint8_t>(unit);
}

void reject_unknown_keys(const std::string &source, const YAML::Node &map,
                         const std::set<std::string> &known) {
  for (const auto &entry : map) {
    const auto key = entry.first.as<std::string>();
    if (!known.count(key)) fail(source, entry.first, "unknown key '" + key + "'");
  }
}

void require_map(const std::string &source, const YAML::Node &node, const char *what) {
  if (node && !node.IsMap()) fail(source, node, std::string("'") + what + "' must be a mapping");
}

std::string resolve_profile(const std::string &path_text, const std::filesystem::path &repo_root,
                            const std::filesystem::path &scenario_dir) {
  if (path_text.empty()) return {};
  const std::filesystem::path path(path_text);
  if (path.is_absolute()) return std::filesystem::exists(path) ? path.string() : std::string();
  for (const auto &base : {repo_root, scenario_dir}) {
    const auto candidate = base / path;
    if (std::filesystem::exists(candidate)) return candidate.lexically_normal().string();
  }
  return {};
}

void parse_time(const std::string &src, const YAML::Node &node, TimeSettings &time) {
  require_map(src, node, "time");
  if (!node) return;
  reject_unknown_keys(src, node, {"start", "speed", "step_ms", "utc_offset_min"});
  if (node["start"]) {
    try {
      time.start_utc_s = parse_utc_iso8601(node["start"].as<std::string>());
    } catch (const ScenarioError &e) {
      fail(src, node["start"], e.what());
    }
  }
  read(src, node, "speed", time.speed);
  if (time.speed < 0) fail(src, node["speed"], "'speed' must be >= 0");
  read(src, node, "step_ms", time.step_ms);
  if (time.step_ms < 1 || time.step_ms > 10000) fail(src, node["step_ms"], "'step_ms' 1..10000");
  read(src, node, "utc_offset_min", time.utc_offset_min);
}

void parse_endpoints(const std::string &src, const YAML::Node &node, EndpointSettings &ep) {
  require_map(src, node, "endpoints");
  if (!node) return;
  reject_unknown_keys(src, node,
                      {"port_base", "pty_dir", "control_socket", "single_tcp_client",
                       "rtu_wire_baud"});
  read(src, node, "port_base", ep.port_base);
  if (ep.port_base < 0 || ep.port_base > 65000)
    fail(src, node["port_base"], "'port_base' 0..65000");
  read(src, node, "pty_dir", ep.pty_dir);
  read(src, node, "control_socket", ep.control_socket);
  read(src, node, "single_tcp_client", ep.single_tcp_client);
  read(src, node, "rtu_wire_baud", ep.rtu_wire_baud);
  if (ep.rtu_wire_baud < 0 || ep.rtu_wire_baud > 1'000'000)
    fail(src, node["rtu_wire_baud"], "'rtu_wire_baud' 0..1000000");
}

void parse_profiles(const std::string &src, const YAML::Node &node, ProfileSettings &profiles,
                    const std::filesystem::path &repo_root, const std::filesystem::path &dir) {
  require_map(src, node, "profiles");
  if (!node) return;
  reject_unknown_keys(src, node, {"pv_csv", "load_csv", "pv_yield_kwh_per_kwp", "load_annual_kwh"});
  std::string pv, load;
  read(src, node, "pv_csv", pv);
  read(src, node, "load_csv", load);
  profiles.pv_csv = resolve_profile(pv, repo_root, dir);
  profiles.load_csv = resolve_profile(load, repo_root, dir);
  read_positive(src, node, "pv_yield_kwh_per_kwp", profiles.pv_yield_kwh_per_kwp);
  read_positive(src, node, "load_annual_kwh", profiles.load_annual_kwh);
}

BatterySettings parse_battery(const std::string &src, const YAML::Node &node) {
  require_map(src, node, "battery");
  reject_unknown_keys(src, node,
                      {"model", "serial", "capacity_wh", "max_charge_w", "max_discharge_w",
                       "efficiency", "initial_soc_pct", "min_soc_pct", "bus_voltage_v"});
  BatterySettings battery;
  read(src, node, "model", battery.model);
  read(src, node, "serial", battery.serial);
  read_positive(src, node, "capacity_wh", battery.capacity_wh);
  read_positive(src, node, "max_charge_w", battery.max_charge_w);
  read_positive(src, node, "max_discharge_w", battery.max_discharge_w);
  read_positive(src, node, "efficiency", battery.round_trip_efficiency);
  if (battery.round_trip_efficiency > 1.0) fail(src, node["efficiency"], "'efficiency' 0..1");
  read(src, node, "initial_soc_pct", battery.initial_soc_pct);
  read(src, node, "min_soc_pct", battery.min_soc_pct);
  if (battery.min_soc_pct < 0 || battery.min_soc_pct > 100 || battery.initial_soc_pct < 0 ||
      battery.initial_soc_pct > 100)
    fail(src, node, "SOC values must be 0..100");
  read_positive(src, node, "bus_voltage_v", battery.bus_voltage_v);
  return battery;
}

InverterSettings parse_inverter(const std::string &src, const YAML::Node &node, size_t index) {
  require_map(src, node, "inverters[]");
  reject_unknown_keys(src, node,
                      {"name", "model", "serial", "unit", "rated_w", "pv_kwp", "response_time_s",
                       "tcp_port", "rtu_bus", "comm_loss", "battery"});
  InverterSettings inv;
  inv.name = "inv" + std::to_string(index + 1);
  inv.unit = static_cast<uint8_t>(index + 1);
  inv.serial = "HV" + std::to_string(2150000001 + index);
  read(src, node, "name", inv.name);
  read(src, node, "model", inv.model);
  read(src, node, "serial", inv.serial);
  read_unit(src, node, "unit", inv.unit);
  read_positive(src, node, "rated_w", inv.rated_w);
  read(src, node, "pv_kwp", inv.pv_kwp);
  if (inv.pv_kwp < 0) fail(src, node["pv_kwp"], "'pv_kwp' must be >= 0");
  read_positive(src, node, "response_time_s", inv.response_time_s);
  read(src, node, "tcp_port", inv.tcp_port);
  read(src, node, "rtu_bus", inv.rtu_bus);
  if (const auto loss = node["comm_loss"]) {
    require_map(src, loss, "comm_loss");
    reject_unknown_keys(src, loss, {"timeout_s", "derate_pct"});
    read_positive(src, loss, "timeout_s", inv.comm_loss.timeout_s);
    read(src, loss, "derate_pct", inv.comm_loss.derate_pct);
    if (inv.comm_loss.derate_pct < 0 || inv.comm_loss.derate_pct > 100)
      fail(src, loss["derate_pct"], "'derate_pct' 0..100");
  }
  if (node["battery"]) inv.battery = parse_battery(src, node["battery"]);
  return inv;
}

void parse_meter(const std::string &src, const YAML::Node &node, MeterSettings &meter) {
  // No meter key (or `meter: null`) means a house without a grid meter.
  meter.present = node && !node.IsNull();
  if (!meter.present) return;
  require_map(src, node, "meter");
  reject_unknown_keys(
      src, node,
      {"wiring", "inverter", "unit", "rtu_bus", "scale", "nominal_voltage_v", "grid_frequency_hz"});
  std::string wiring = "rtu";
  read(src, node, "wiring", wiring);
  if (wiring == "rtu") {
    meter.wiring = MeterWiring::kOwnRtuBus;
  } else if (wiring == "behind_inverter") {
    meter.wiring = MeterWiring::kBehindInverter;
  } else {
    fail(src, node["wiring"], "'wiring' must be rtu or behind_inverter");
  }
  read(src, node, "inverter", meter.inverter);
  read_unit(src, node, "unit", meter.unit);
  read(src, node, "rtu_bus", meter.rtu_bus);
  std::string scale = "unscaled";
  read(src, node, "scale", scale);
  if (scale == "unscaled") {
    meter.scale = MeterScale::kUnscaled;
  } else if (scale == "chint") {
    meter.scale = MeterScale::kChint;
  } else {
    fail(src, node["scale"], "'scale' must be unscaled or chint");
  }
  read_positive(src, node, "nominal_voltage_v", meter.nominal_voltage_v);
  read_positive(src, node, "grid_frequency_hz", meter.grid_frequency_hz);
}

void parse_ct(const std::string &src, const YAML::Node &node, std::vector<CtChannelSettings> &out) {
  if (!node) return;
  if (!node.IsSequence()) fail(src, node, "'ct_channels' must be a list");
  for (const auto &item : node) {
    require_map(src, item, "ct_channels[]");
    reject_unknown_keys(src, item, {"phase", "gain_error", "skew_us"});
    CtChannelSettings ct;
    ct.phase = static_cast<int>(out.size()) + 1;
    read(src, item, "phase", ct.phase);
    if (ct.phase < 1 || ct.phase > 3) fail(src, item, "'phase' must be 1..3");
    read(src, item, "gain_error", ct.gain_error);
    read(src, item, "skew_us", ct.skew_us);
    out.push_back(ct);
  }
}

void check_cross_references(const std::string &src, Scenario &s) {
  if (s.inverters.size() > 3) throw ScenarioError(src + ": at most 3 inverters");
  std::set<std::string> names;
  std::set<std::pair<std::string, int>> bus_units;
  for (const auto &inv : s.inverters) {
    if (!names.insert(inv.name).second)
      throw ScenarioError(src + ": duplicate inverter " + inv.name);
    if (!bus_units.insert({inv.rtu_bus, inv.unit}).second)
      throw ScenarioError(src + ": unit " + std::to_string(inv.unit) + " twice on " + inv.rtu_bus);
  }
  if (!s.meter.present) return;
  if (s.meter.wiring == MeterWiring::kBehindInverter) {
    if (s.meter.inverter.empty() && !s.inverters.empty()) s.meter.inverter = s.inverters[0].name;
    if (!names.count(s.meter.inverter))
      throw ScenarioError(src + ": meter behind unknown inverter '" + s.meter.inverter + "'");
  } else if (bus_units.count({s.meter.rtu_bus, s.meter.unit})) {
    throw ScenarioError(src + ": meter unit clashes with an inverter on " + s.meter.rtu_bus);
  }
}

}  // namespace

int64_t parse_utc_iso8601(const std::string &text) {
  int year, month, day, hour = 0, minute = 0, second = 0;
  char zulu = 0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day,
                                 &hour, &minute, &second, &zulu);
  if (fields != 7 || zulu != 'Z' || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 59)
    throw ScenarioError("time '" + text + "' is not YYYY-MM-DDTHH:MM:SSZ");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

std::string format_utc_iso8601(int64_t utc_s) {
  const std::time_t t = static_cast<std::time_t>(utc_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Scenario parse_scenario(const std::string &yaml_text, const std::string &source_name,
                        const std::filesystem::path &repo_root) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException &e) {
    throw ScenarioError(source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Scenario s;
  s.source = source_name;
  if (!root.IsMap()) throw ScenarioError(source_name + ": a scenario is a YAML mapping");
  reject_unknown_keys(source_name, root,
                      {"time", "endpoints", "profiles", "inverters", "meter", "ct_channels"});
  const auto dir = std::filesystem::path(source_name).parent_path();
  parse_time(source_name, root["time"], s.time);
  parse_endpoints(source_name, root["endpoints"], s.endpoints);
  parse_profiles(source_name, root["profiles"], s.profiles, repo_root, dir);
  if (const auto list = root["inverters"]) {
    if (!list.IsSequence()) fail(source_name, list, "'inverters' must be a list");
    for (size_t i = 0; i < list.size(); ++i)
      s.inverters.push_back(parse_inverter(source_name, list[i], i));
  }
  parse_meter(source_name, root["meter"], s.meter);
  parse_ct(source_name, root["ct_channels"], s.ct_channels);
  check_cross_references(source_name, s);
  return s;
}

Scenario load_scenario(const std::filesystem::path &file, const std::filesystem::path &repo_root) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(file.string() + ": cannot open scenario");
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file.string(), repo_root);
}

}  // namespace hearth::sim
