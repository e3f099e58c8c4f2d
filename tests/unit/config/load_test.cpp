// load_file: a whole site, the file-level errors, site, hal and links.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The device list of architecture.md, with the test catalog's drivers.
constexpr const char *kFullSite = R"(site:
  name: Musterhaus
  grid: three-phase-4w
  fuse_a: 35
  pv_installed_wp: 9800
  location: { lat: 48.14, lon: 11.58, timezone: Europe/Berlin }
hal: sim
links:
  rs485-1: { type: rtu, device: /dev/ttyS1, baud: 9600, parity: none }
  rs485-2: { type: rtu, device: /dev/ttyS2, baud: 19200, parity: even, stop_bits: 2, timeout: 500ms }
  lan: { type: tcp, host: 192.168.1.20 }
devices:
  - { id: inverter-1, driver: huawei-sun2000, link: rs485-1, unit: 1 }
  - { id: inverter-2, driver: huawei-sun2000, link: rs485-1, unit: 2, params: { has_battery: true } }
  - { id: grid,       driver: dtsu666,        link: rs485-2, unit: 11 }
  - id: heat-pump
    driver: sg-ready
    hal: { do: [DO1] }
    params: { wiring: single-do, min_dwell_min: 10 }
  - { id: wallbox, driver: ocpp16, params: { charge_point_id: WB1, max_current_a: 16, phases: 3 } }
energy:
  mode: self-consumption
  feed_in_limit_w: 0
  import_limit: { w: 8000, hours: "17:00-21:00" }
  surplus_priority: [inverter-2/battery, wallbox, heat-pump]
  fail_safe: { pv_limit_w: 0 }
  ripple_control:
    inputs: [DI1, DI2]
    levels: { "00": 100, "10": 60, "01": 30, "11": 0 }
    undefined: keep-last-and-alarm
state_dir: state
plugin_path: [plugins, /usr/lib/hearth/plugins]
)";

const DeviceConfig &device(const Config &config, const std::string &id) {
  for (const auto &d : config.devices) {
    if (d.id == id) return d;
  }
  throw std::out_of_range(id);
}

TEST_F(ConfigTest, FullSiteLoadsWithEveryValue) {
  write("main.yaml", kFullSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  const Config &config = result.config;

  EXPECT_EQ(config.site.name, "Musterhaus");
  EXPECT_EQ(config.site.grid, "three-phase-4w");
  EXPECT_EQ(config.site.fuse_a, 35.0);
  EXPECT_EQ(config.site.pv_installed_wp, 9800.0);
  EXPECT_EQ(config.site.lat, 48.14);
  EXPECT_EQ(config.site.lon, 11.58);
  EXPECT_EQ(config.site.timezone, "Europe/Berlin");
  EXPECT_EQ(config.hal, "sim");
  EXPECT_EQ(config.files, std::vector<std::string>{path("main.yaml")});
  EXPECT_EQ(config.state_dir, path("state"));
  EXPECT_EQ(config.plugin_path,
            (std::vector<std::string>{path("plugins"), "/usr/lib/hearth/plugins"}));

  ASSERT_EQ(config.links.size(), 3u);
  const auto &rtu1 = std::get<Rtu>(config.links.at("rs485-1").transport);
  EXPECT_EQ(rtu1.device, "/dev/ttyS1");
  EXPECT_EQ(rtu1.baud, 9600);
  EXPECT_EQ(rtu1.parity, 'N');
  EXPECT_EQ(rtu1.data_bits, 8);
  EXPECT_EQ(rtu1.stop_bits, 1);
  EXPECT_EQ(config.links.at("rs485-1").timeout_ms, 300);  // RTU default
  EXPECT_EQ(config.links.at("rs485-1").retries, 1);
  const auto &rtu2 = std::get<Rtu>(config.links.at("rs485-2").transport);
  EXPECT_EQ(rtu2.baud, 19200);
  EXPECT_EQ(rtu2.parity, 'E');
  EXPECT_EQ(rtu2.stop_bits, 2);
  EXPECT_EQ(config.links.at("rs485-2").timeout_ms, 500);
  const auto &tcp = std::get<Tcp>(config.links.at("lan").transport);
  EXPECT_EQ(tcp.host, "192.168.1.20");
  EXPECT_EQ(tcp.port, 502);
  EXPECT_EQ(config.links.at("lan").timeout_ms, 3000);  // TCP default
  EXPECT_EQ(config.links.at("lan").mark.line, 11);

  ASSERT_EQ(config.devices.size(), 5u);
  EXPECT_EQ(config.devices[0].id, "inverter-1");  // file order
  const auto &inverter = device(config, "inverter-2");
  EXPECT_EQ(inverter.driver, "huawei-sun2000");
  EXPECT_EQ(inverter.link, "rs485-1");
  EXPECT_EQ(inverter.unit, 2);
  EXPECT_EQ(inverter.mark.line, 14);
  EXPECT_EQ(inverter.mark.column, 5);
  EXPECT_EQ(std::get<bool>(inverter.params.at("has_battery")), true);
  EXPECT_EQ(std::get<double>(inverter.params.at("rated_w")), 10000.0);      // default
  EXPECT_EQ(std::get<int64_t>(inverter.params.at("poll_interval")), 1000);  // "1s"
  const auto &heat_pump = device(config, "heat-pump");
  EXPECT_EQ(heat_pump.unit, -1);
  EXPECT_EQ(heat_pump.link, "");
  EXPECT_EQ(heat_pump.hal.at("do"), std::vector<std::string>{"DO1"});
  EXPECT_EQ(std::get<int64_t>(heat_pump.params.at("min_dwell_min")), 10);
  EXPECT_EQ(std::get<std::string>(device(config, "wallbox").params.at("charge_point_id")), "WB1");

  const YAML::Node &energy = config.energy;
  EXPECT_EQ(energy["mode"].as<std::string>(), "self-consumption");
  EXPECT_EQ(energy["import_limit"]["w"].as<double>(), 8000.0);
  EXPECT_EQ(energy["fail_safe"]["meter_timeout_s"].as<double>(), 1.5);  // default filled
  EXPECT_EQ(energy["ripple_control"]["levels"]["10"].as<double>(), 60.0);
  EXPECT_EQ(energy["ripple_control"]["debounce"].as<std::string>(), "1s");
}

TEST_F(ConfigTest, EnergyDefaultsAreThereWithoutAnEnergySection) {
  write("main.yaml", kSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  const YAML::Node &energy = result.config.energy;
  EXPECT_EQ(energy["mode"].as<std::string>(), "self-consumption");
  EXPECT_EQ(energy["fail_safe"]["meter_timeout_s"].as<double>(), 1.5);
  EXPECT_EQ(energy["fail_safe"]["pv_limit_w"].as<double>(), 0.0);
  EXPECT_FALSE(energy["ripple_control"]);
  EXPECT_FALSE(energy["feed_in_limit_w"]);
  EXPECT_EQ(result.config.hal, "sim");
  EXPECT_EQ(result.config.state_dir, "/var/lib/hearth");
}

TEST_F(ConfigTest, YamlSyntaxErrorsCarryTheParsersPlace) {
  write("main.yaml", "links: [1, 2\nhal: sim\n");
  EXPECT_THAT(messages(load("main.yaml")), ElementsAre(at(2, 4, "end of sequence flow not found")));
  write("main.yaml", "hal: sim\n  backend: linux\n");
  EXPECT_THAT(messages(load("main.yaml")), ElementsAre(at(2, 10, "illegal map value")));
}

TEST_F(ConfigTest, MissingFileIsOneError) {
  const auto result = load("absent.yaml");
  EXPECT_THAT(messages(result), ElementsAre(path("absent.yaml") +
                                            ": cannot read the file: No such file or directory"));
  EXPECT_FALSE(result.ok());
}

TEST_F(ConfigTest, UnknownTopLevelKeySuggestsTheNearest) {
  EXPECT_THAT(errors_of("devics: []\n"),
              ElementsAre(at(1, 1, "unknown key 'devics'; did you mean 'devices'?")));
  EXPECT_THAT(errors_of("widgets: []\n"),
              ElementsAre(at(1, 1,
                             "unknown key 'widgets'; known keys: site, hal, links, devices, "
                             "energy, includes, state_dir, plugin_path")));
}

TEST_F(ConfigTest, RepeatedTopLevelKeyIsAnError) {
  EXPECT_THAT(
      errors_of("hal: sim\nhal: linux\n"),
      ElementsAre(at(2, 1, "duplicate key 'hal' (first at " + path("main.yaml") + ":1:1)")));
}

TEST_F(ConfigTest, SiteIsRequired) {
  write("main.yaml", "hal: sim\n");
  EXPECT_THAT(messages(load("main.yaml")), ElementsAre(at(1, 1, "missing required key 'site'")));
  write("main.yaml", "site:\n  name: X\n");
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(2, 3, "site: missing required key 'grid'"),
                          at(2, 3, "site: missing required key 'fuse_a'"),
                          at(2, 3, "site: missing required key 'location'")));
}

TEST_F(ConfigTest, SiteValuesAreCheckedAndAllReported) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/Europe/Berlin")) GTEST_SKIP() << "no tzdata";
  write("main.yaml", R"(site:
  name: X
  grid: two-phase
  fuse_a: 2
  pv_installed_wp: abc
  location: { lat: 95, lon: 11.58, timezone: Europe/Nowhere }
  colour: red
)");
  EXPECT_THAT(
      messages(load("main.yaml")),
      ElementsAre(
          at(3, 9,
             "site.grid: 'two-phase' is not one of: single-phase, three-phase-3w, three-phase-4w"),
          at(4, 11, "site.fuse_a: 2 A is below the minimum of 6 A"),
          at(5, 20, "site.pv_installed_wp: expected a number, got 'abc'"),
          at(6, 20, "site.location.lat: 95 is above the maximum of 90"),
          at(6, 46,
             "site.location.timezone: unknown time zone 'Europe/Nowhere' (not in "
             "/usr/share/zoneinfo)"),
          at(7, 3,
             "site: unknown key 'colour'; known keys: name, grid, fuse_a, pv_installed_wp, "
             "clock, location")));
}

TEST_F(ConfigTest, HalIsABackendNameOrAMapWithABackend) {
  write("main.yaml", std::string("hal: { backend: linux, DO1: gpiochip0/17 }\n") + kSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_EQ(result.config.hal, "linux");
  EXPECT_EQ(result.config.hal_config["DO1"].as<std::string>(), "gpiochip0/17");  // for the HAL

  EXPECT_THAT(errors_of("hal: wifi\n"),
              ElementsAre(at(1, 6, "hal: 'wifi' is not one of: sim, linux")));
  EXPECT_THAT(errors_of("hal: { DO1: x }\n"),
              ElementsAre(at(1, 6, "hal: missing required key 'backend'")));
  EXPECT_THAT(errors_of("hal: { backend: qemu }\n"),
              ElementsAre(at(1, 17, "hal.backend: 'qemu' is not one of: sim, linux")));
}

TEST_F(ConfigTest, LinkSettingsAreChecked) {
  EXPECT_THAT(
      errors_of(R"(links:
  a: { type: rtu, device: /dev/ttyS1, baud: 4800, parity: mark }
  b: { type: tcp, host: 10.0.0.2, port: 70000, timeout: 2 }
  c: { type: rtu, device: /dev/ttyS2, baudrate: 9600 }
  d: { device: /dev/ttyS3 }
  e: { type: serial }
  f: { type: rtu }
  g/h: { type: tcp, host: x }
)"),
      ElementsAre(at(2, 45, "links.a.baud: '4800' is not one of: 9600, 19200, 115200"),
                  at(2, 59, "links.a.parity: 'mark' is not one of: none, even, odd"),
                  at(3, 41, "links.b.port: 70000 is above the maximum of 65535"),
                  at(3, 57,
                     "links.b.timeout: '2' is not a duration; write a number and a unit: 250ms, "
                     "1.5s, 10min, 2h"),
                  at(4, 39, "links.c: unknown key 'baudrate'; did you mean 'baud'?"),
                  at(5, 6, "links.d: missing required key 'type'"),
                  at(6, 14, "links.e.type: 'serial' is not one of: rtu, tcp"),
                  at(7, 6, "links.f: missing required key 'device'"),
                  at(8, 3,
                     "links.g/h: 'g/h' is not a valid link name: use letters, digits, '-' and '_', "
                     "at most 31 characters")));
}

TEST_F(ConfigTest, RtuLinkTakesEveryFramingSetting) {
  write("main.yaml",
        std::string("links:\n  bus: { type: rtu, device: /dev/ttyUSB0, baud: 115200, parity: odd, "
                    "data_bits: 7, stop_bits: 2, timeout: 1.5s, retries: 3 }\n") +
            kSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  const LinkConfig &link = result.config.links.at("bus");
  const auto &rtu = std::get<Rtu>(link.transport);
  EXPECT_EQ(rtu.baud, 115200);
  EXPECT_EQ(rtu.parity, 'O');
  EXPECT_EQ(rtu.data_bits, 7);
  EXPECT_EQ(rtu.stop_bits, 2);
  EXPECT_EQ(link.timeout_ms, 1500);
  EXPECT_EQ(link.retries, 3);
}

TEST_F(ConfigTest, ErrorsOfEverySectionAreCollectedInFileOrder) {
  write("main.yaml", R"(devices:
  - { id: a, driver: nope }
links:
  bus: { type: rtu, device: /dev/ttyS1, baud: 1 }
energy: { mode: fast }
site:
  name: X
  grid: three-phase-4w
  fuse_a: 5000
  location: { lat: 0, lon: 0, timezone: UTC }
)");
  const auto result = load("main.yaml");
  EXPECT_THAT(messages(result),
              ElementsAre(at(2, 22,
                             "devices[a].driver: unknown driver 'nope'; known drivers: "
                             "dtsu666, eebus, heating-rod, huawei-charger, huawei-sun2000, "
                             "ocpp16, sg-ready, smart-switch"),
                          at(4, 47, "links.bus.baud: '1' is not one of: 9600, 19200, 115200"),
                          at(5, 17,
                             "energy.mode: 'fast' is not one of: self-consumption, tou, "
                             "cost-optimal"),
                          at(9, 11, "site.fuse_a: 5000 A is above the maximum of 1000 A")));
  const std::string text = format_errors(result.errors);
  EXPECT_EQ(text, messages(result)[0] + "\n" + messages(result)[1] + "\n" + messages(result)[2] +
                      "\n" + messages(result)[3] + "\n");
}

}  // namespace
}  // namespace hearth::config::testing
