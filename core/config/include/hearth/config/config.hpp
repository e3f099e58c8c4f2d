// The site's YAML device list: loading, validation against the drivers' parameter tables and
// the reference product's limits, with every error located at file:line:column.
// The file format is described in docs/configuration.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hearth/plugin.h"

namespace hearth::config {

// A place in a YAML file; line and column are 1-based. line 0 means "the file as a whole".
struct Mark {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem found in the configuration. `key` is the dotted path of what is wrong
// ("devices[wallbox].params.max_current_a"), empty for the top level.
struct Error {
  Mark mark;
  std::string key;
  std::string rule;
  // "file:line:col: key: rule" (the parts that are empty or zero are left out).
  std::string to_string() const;
};

// A driver parameter after validation. DURATION → int64 milliseconds; ENUM → its name;
// LIST → the strings.
using ParamValue = std::variant<int64_t, double, bool, std::string, std::vector<std::string>>;

struct Rtu {
  std::string device;
  int baud = 9600;
  char parity = 'N';  // 'N', 'E' or 'O' (as libmodbus wants it)
  int data_bits = 8;
  int stop_bits = 1;
};

struct Tcp {
  std::string host;
  int port = 502;
};

struct LinkConfig {
  std::string name;
  std::variant<Rtu, Tcp> transport;
  int timeout_ms = 0;
  int retries = 0;
  Mark mark;
};

struct DeviceConfig {
  std::string id, driver, link;                         // link empty: the device uses no host link
  int unit = -1;                                        // Modbus unit id, -1 when not given
  std::map<std::string, std::vector<std::string>> hal;  // "do"/"di"/"ct" → channel names
  std::map<std::string, ParamValue> params;             // defaults filled
  Mark mark;
  // Canonical text of the entry, its link's settings and its filled-in parameters: equal
  // fingerprints mean the device is unchanged on reload.
  std::string fingerprint;
};

struct SiteConfig {
  std::string name;
  std::string grid;  // single-phase | three-phase-3w | three-phase-4w
  double fuse_a = 0;
  double pv_installed_wp = 0;
  bool clock_needs_ntp = true;  // site.clock: ntp (true) | rtc
  double lat = 0, lon = 0;
  std::string timezone;
};

struct Config {
  SiteConfig site;
  std::string hal = "sim";  // the HAL backend: sim | linux
  std::map<std::string, LinkConfig> links;
  std::vector<DeviceConfig> devices;
  // The validated `energy:` map with defaults filled in (mode, fail_safe,
  // ripple_control.undefined).
  YAML::Node energy;
  // The `hal:` node as written (a scalar, or a map with `backend:` and the backend's settings).
  YAML::Node hal_config;
  std::vector<std::string> files;  // every file read, the top file first
  std::string state_dir;           // relative paths are resolved against the file naming them
  std::vector<std::string> plugin_path;
};

struct DriverInfo {
  const hearth_driver_desc *desc;
  std::string plugin_id;
};

// What the loader knows about the drivers of the loaded plugins.
class DriverCatalog {
 public:
  virtual ~DriverCatalog() = default;
  virtual const hearth_driver_desc *find(std::string_view driver) const = 0;
  // All driver names, for "unknown driver" messages. The default lists none.
  virtual std::vector<std::string> driver_names() const { return {}; }
};

// A catalog filled by hand: the host adds the drivers of each plugin it loaded; tests add theirs.
class DriverTable : public DriverCatalog {
 public:
  // The descriptor must outlive the table. A second driver of the same name is refused (false).
  bool add(const hearth_driver_desc *desc, std::string plugin_id);
  const hearth_driver_desc *find(std::string_view driver) const override;
  std::vector<std::string> driver_names() const override;
  const DriverInfo *info(std::string_view driver) const;

 private:
  std::map<std::string, DriverInfo, std::less<>> drivers_;
};

struct LoadResult {
  Config config;
  std::vector<Error> errors;  // sorted by file (in the order read), line, column
  bool ok() const { return errors.empty(); }
};

// Reads the file and the files it includes, validates everything and collects every error.
LoadResult load_file(const std::filesystem::path &path, const DriverCatalog &catalog);

// One error per line, each ending in '\n'.
std::string format_errors(const std::vector<Error> &errors);

// Validates one `params:` map against a driver's parameter table: unknown keys, types, ranges,
// enum choices, required keys; fills `out` with the values and the table's defaults. Errors are
// keyed "params.<name>". A null node stands for an absent `params:`.
void validate_params(const YAML::Node &params, const hearth_driver_desc &driver,
                     const std::string &file, std::map<std::string, ParamValue> &out,
                     std::vector<Error> &errors);

}  // namespace hearth::config
