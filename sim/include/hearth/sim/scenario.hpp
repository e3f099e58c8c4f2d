#pragma once
// The scenario of a simulated house, as read from a YAML file in configs/sim/ (format:
// sim/README.md).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::sim {

// Bad scenario input: the message names the file, the line and the key.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TimeSettings {
  int64_t start_utc_s = 1719311400;  // 2024-06-25T10:30:00Z, a sunny midday
  double speed = 1.0;                // 1 real time, N accelerated, 0 paused (only `step` moves)
  int64_t step_ms = 100;             // physics step in simulated time
  int32_t utc_offset_min = 120;      // local time of the devices (register 40000, daily counters)
};

struct EndpointSettings {
  int32_t port_base = 15020;  // inverter i listens on port_base + i; 0 = ephemeral ports
  std::string pty_dir = "/tmp/hearth-sim";
  std::string control_socket;     // empty: <pty_dir>/control.sock
  bool single_tcp_client = true;  // Huawei devices serve one TCP client (protocols.md §1)
  // RTU buses hold each answer back for the time request and answer take on a real line at
  // this rate (8N1: 10 bits per byte, plus the 3.5-character gap), so timing and bus load match
  // an RS485 bus; 0 answers at once (a pty moves bytes instantly).
  int32_t rtu_wire_baud = 0;
};

struct ProfileSettings {
  std::string pv_csv;    // resolved path or empty (built-in clear-sky day)
  std::string load_csv;  // resolved path or empty (built-in household day)
  double pv_yield_kwh_per_kwp = 950.0;
  double load_annual_kwh = 4000.0;
};

struct BatterySettings {
  std::string model = "LUNA2000-10-S0";
  std::string serial = "BAT0000000001";
  double capacity_wh = 10000.0;
  double max_charge_w = 5000.0;
  double max_discharge_w = 5000.0;
  double round_trip_efficiency = 0.95;  // split evenly between charging and discharging
  double initial_soc_pct = 50.0;
  double min_soc_pct = 5.0;  // default discharge cut-off (47082)
  double bus_voltage_v = 450.0;
};

// Optional behaviour when no master frame arrives (architecture.md, fail-safe): not documented by
// Huawei, so it is off unless a scenario asks for it.
struct CommLossSettings {
  double timeout_s = 0.0;  // 0 = off
  double derate_pct = 0.0;
};

struct InverterSettings {
  std::string name;
  std::string model = "SUN2000-10KTL-M1";
  std::string serial;
  uint8_t unit = 1;
  double rated_w = 10000.0;
  double pv_kwp = 10.0;
  double response_time_s = 1.0;     // first-order time constant of the active power
  int32_t tcp_port = -1;            // -1: port_base + index
  std::string rtu_bus = "rs485-1";  // pty name in pty_dir; inverters with the same name share a bus
  CommLossSettings comm_loss;
  std::optional<BatterySettings> battery;
};

enum class MeterWiring { kOwnRtuBus, kBehindInverter };
// DTSU666 float scaling: -H firmware sends engineering units; generic CHINT scales V x10, A x1000,
// W x10 (protocols.md §4, "Scaling caution").
enum class MeterScale { kUnscaled, kChint };

struct MeterSettings {
  bool present = true;
  MeterWiring wiring = MeterWiring::kOwnRtuBus;
  std::string inverter;  // wiring behind_inverter: name of that inverter
  uint8_t unit = 11;     // protocols.md §4: default slave address 11
  std::string rtu_bus = "rs485-meter";
  MeterScale scale = MeterScale::kUnscaled;
  double nominal_voltage_v = 230.0;
  double grid_frequency_hz = 50.0;
};

struct CtChannelSettings {
  int phase = 1;            // 1..3
  double gain_error = 0.0;  // relative, 0.01 = current reads 1 % high
  double skew_us = 0.0;     // current samples taken this much later than voltage samples
};

struct Scenario {
  std::string source;  // file the scenario came from
  TimeSettings time;
  EndpointSettings endpoints;
  ProfileSettings profiles;
  std::vector<InverterSettings> inverters;
  MeterSettings meter;
  std::vector<CtChannelSettings> ct_channels;
};

// Reads and validates a scenario. Relative profile paths are tried against repo_root (so
// "../shared/data/..." works from the repository) and then against the scenario's folder; a
// profile that is not found is left empty and the built-in day is used.
Scenario load_scenario(const std::filesystem::path &file, const std::filesystem::path &repo_root);
Scenario parse_scenario(const std::string &yaml_text, const std::string &source_name,
                        const std::filesystem::path &repo_root);

// "2024-06-25T10:30:00Z" -> seconds since 1970 (UTC); throws ScenarioError on bad text.
int64_t parse_utc_iso8601(const std::string &text);
std::string format_utc_iso8601(int64_t utc_s);

}  // namespace hearth::sim
