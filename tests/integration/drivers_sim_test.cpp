// The Huawei and DTSU666 drivers in a real hearthd runtime (in-process: hearth::host::Runtime,
// real plugin .so files, real links) against a real hearth-sim over Modbus TCP and Modbus RTU on
// its ptys, with faults injected through the sim's control socket (sim/README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <hearth/host/runtime.hpp>
#include <hearth/testing/child_process.hpp>
#include <nlohmann/json.hpp>
#include <regex>

namespace hearth::integration {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::TempDir;

class LoaderCatalog final : public config::DriverCatalog {
 public:
  explicit LoaderCatalog(const host::PluginLoader &loader) : loader_(loader) {}
  const hearth_driver_desc *find(std::string_view driver) const override {
    const auto *entry = loader_.find_driver(driver);
    return entry ? entry->desc : nullptr;
  }

 private:
  const host::PluginLoader &loader_;
};

// Two SUN2000 with LUNA2000 on one RS485 bus (and each on TCP), the DTSU666 on its own bus.
constexpr const char *kScenario = R"(
time: { start: 2024-06-25T10:30:00Z, speed: 1, step_ms: 100, utc_offset_min: 120 }
inverters:
  - { name: inv1, model: SUN2000-10KTL-M1, serial: HV1, unit: 1, rated_w: 10000, pv_kwp: 9.8,
      rtu_bus: rs485-1,
      battery: { capacity_wh: 10000, max_charge_w: 5000, max_discharge_w: 5000,
                 initial_soc_pct: 55 } }
  - { name: inv2, model: SUN2000-6KTL-M1, serial: HV2, unit: 2, rated_w: 6000, pv_kwp: 6.2,
      rtu_bus: rs485-1,
      battery: { capacity_wh: 5000, max_charge_w: 2500, max_discharge_w: 2500,
                 initial_soc_pct: 40 } }
meter: { wiring: rtu, unit: 11, rtu_bus: rs485-meter, scale: unscaled }
)";

// Short intervals so each fault shows within a second or two.
constexpr const char *kFastParams =
    "fast_interval: 200ms, poll_interval: 1s, offline_after: 2, retry_min: 200ms, retry_max: 1s";

class DriversSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string scenario = dir_.path() + "/scenario.yaml";
    std::ofstream(scenario) << kScenario;
    sim_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        HEARTH_SIM_BIN, "--scenario", scenario, "--port-base", "0", "--pty-dir",
        dir_.path() + "/pty", "--repo-root", HEARTH_REPO_ROOT});
    const auto ready = sim_->wait_for_line(std::regex("^hearth-sim ready "), 20s);
    ASSERT_TRUE(ready) << sim_->output();
    endpoints_ = nlohmann::json::parse(ready->substr(ready->find('{')));
    for (const auto &device : endpoints_["devices"])
      devices_[device["name"].get<std::string>()] = device;

    host::RuntimeOptions options;
    options.state_dir = dir_.path() + "/state";
    options.notify_service_manager = false;
    if (testing::sanitized()) {  // ASan slows every call; budgets are tested in tests/unit/host
      options.callback_budget = 5ms;
      options.overruns_to_disable = 100;
    }
    runtime_ = std::make_unique<host::Runtime>(options);
    runtime_->loader().load_directories({HEARTH_PLUGIN_DIR});
  }
  void TearDown() override {
    if (runtime_) runtime_->shutdown();
    runtime_.reset();
  }

  std::string tcp_port(const std::string &device) {
    const std::string endpoint = devices_.at(device)["tcp"];
    return endpoint.substr(endpoint.rfind(':') + 1);
  }
  std::string rtu_path(const std::string &device) { return devices_.at(device)["rtu"]; }

  // The site: inverter-1 over TCP, inverter-2 on the RS485 bus, the meter on its own bus.
  std::string site_yaml(const std::string &extra_devices = "") {
    return "site: {name: sim, grid: three-phase-4w, fuse_a: 35, pv_installed_wp: 16000,\n"
           "       location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n"
           "links:\n"
           "  inv1-tcp: {type: tcp, host: 127.0.0.1, port: " +
           tcp_port("inv1") +
           ", timeout: 500ms}\n"
           "  rs485-1: {type: rtu, device: " +
           rtu_path("inv2") +
           ", baud: 9600}\n"
           "  rs485-2: {type: rtu, device: " +
           rtu_path("meter") +
           ", baud: 9600}\n"
           "devices:\n"
           "  - {id: inverter-1, driver: huawei-sun2000, link: inv1-tcp,\n"
           "     params: {unit: 1, battery: true, " +
           kFastParams +
           "}}\n"
           "  - {id: inverter-2, driver: huawei-sun2000, link: rs485-1,\n"
           "     params: {unit: 2, battery: true, " +
           kFastParams +
           "}}\n"
           "  - {id: grid, driver: dtsu666, link: rs485-2,\n"
           "     params: {unit: 11, " +
           kFastParams + "}}\n" + extra_devices;
  }

  void apply(const std::string &yaml) {
    const std::string file = dir_.path() + "/site.yaml";
    std::ofstream(file) << yaml;
    LoaderCatalog catalog(runtime_->loader());
    auto result = config::load_file(file, catalog);
    ASSERT_TRUE(result.ok()) << config::format_errors(result.errors);
    runtime_->apply(result.config);
  }

  bool run_until(const std::function<bool()> &pred, std::chrono::milliseconds timeout = 8s) {
    auto guard = boost::asio::make_work_guard(runtime_->io());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      runtime_->io().run_for(10ms);
    }
    return true;
  }

  bus::PointSample point(const std::string &name) {
    const auto id = runtime_->points().find(name);
    return id ? runtime_->points().get(*id) : bus::PointSample{};
  }
  bool good(const std::string &name) {
    const auto sample = point(name);
    return sample.has_value && sample.quality == HEARTH_QUALITY_GOOD;
  }
  double number(const std::string &name) { return point(name).value.as.d; }
  bool online(const std::string &device) {
    const auto health = runtime_->health().get(device);
    return health && health->online;
  }
  std::string reason(const std::string &device) {
    const auto health = runtime_->health().get(device);
    return health ? health->reason : "";
  }

  // Runs `hearth-sim ctl` against this sim; returns its JSON answer.
  nlohmann::json ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {HEARTH_SIM_BIN, "ctl", "--socket", endpoints_["control"]});
    ChildProcess ctl(args);
    const auto status = ctl.wait_exit(10s);
    EXPECT_EQ(status, std::optional<int>(0)) << ctl.output();
    const std::string &out = ctl.output();
    const auto brace = out.find('{');
    return brace == std::string::npos ? nlohmann::json{} : nlohmann::json::parse(out.substr(brace));
  }
  nlohmann::json sim_inverter(const std::string &name) {
    const nlohmann::json status = ctl({"status"});
    for (const auto &inv : status["inverters"])
      if (inv["name"] == name) return inv;
    return {};
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> sim_;
  nlohmann::json endpoints_;
  std::map<std::string, nlohmann::json> devices_;
  std::unique_ptr<host::Runtime> runtime_;
};

TEST_F(DriversSimTest, ReadsInvertersBatteriesAndMeterOverTcpAndRtuWithHearthSigns) {
  apply(site_yaml());
  ASSERT_TRUE(run_until([&] {
    return good("inverter-1/power_w") && good("inverter-2/battery_soc_pct") &&
           good("grid/power_w") && good("inverter-1/pv_power_w") && good("grid/voltage_l1_v");
  })) << reason("inverter-1")
      << " | " << reason("inverter-2") << " | " << reason("grid");
  EXPECT_TRUE(online("inverter-1"));
  EXPECT_TRUE(online("inverter-2"));
  EXPECT_TRUE(online("grid"));
  EXPECT_GT(number("inverter-1/pv_power_w"), 0.0);
  EXPECT_NEAR(number("inverter-1/battery_soc_pct"), 55.0, 2.0);
  EXPECT_NEAR(number("inverter-2/battery_soc_pct"), 40.0, 2.0);
  EXPECT_NEAR(number("grid/voltage_l1_v"), 230.0, 15.0);
  // The sim's sunny midday exports: Hearth's grid power is negative, like the sim's own figure.
  const double sim_grid_w = ctl({"status"})["grid_w"];
  EXPECT_LT(sim_grid_w, 0.0);
  EXPECT_LT(number("grid/power_w"), 0.0);
  EXPECT_NEAR(number("grid/power_w"), sim_grid_w, std::max(500.0, std::fabs(sim_grid_w) * 0.3));
}

TEST_F(DriversSimTest, WritesTheLimitReadsItBackAndWritesItAgainAfterAReboot) {
  apply(site_yaml());
  ASSERT_TRUE(run_until([&] { return online("inverter-2") && good("inverter-2/power_w"); }));
  std::optional<int32_t> status;
  std::string message;
  hearth_arg limit{};
  std::strcpy(limit.name, "limit_w");
  limit.value.type = HEARTH_VALUE_DOUBLE;
  limit.value.as.d = 2500.0;
  runtime_->commands().submit("inverter-2", "pv_inverter", "set_active_power_limit_w", {&limit, 1},
                              HEARTH_PRIO_CONTROL, runtime_->clock().mono_ns() + 5'000'000'000,
                              [&](const bus::CommandResult &r) {
                                status = r.status;
                                message = std::string(r.message);
                              });
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, HEARTH_OK) << message;
  EXPECT_NEAR(sim_inverter("inv2")["limit_w"].get<double>(), 2500.0, 1.0);

  ctl({"reboot", "device=inv2", "seconds=1"});
  // Rebooting: no output (cap 0), and the controls come back at their defaults.
  EXPECT_GT(std::fabs(sim_inverter("inv2")["limit_w"].get<double>() - 2500.0), 1.0);
  // Offline while it reboots, then back with the limit written again.
  ASSERT_TRUE(run_until(
      [&] {
        return online("inverter-2") &&
               std::fabs(sim_inverter("inv2")["limit_w"].get<double>() - 2500.0) < 1.0;
      },
      15s))
      << reason("inverter-2");
}

TEST_F(DriversSimTest, TcpLinkDownGoesOfflineWithAReasonAndRecovers) {
  apply(site_yaml());
  ASSERT_TRUE(run_until([&] { return online("inverter-1") && good("inverter-1/power_w"); }));
  ctl({"link_down", "device=inv1"});
  ASSERT_TRUE(run_until([&] { return !online("inverter-1"); })) << reason("inverter-1");
  EXPECT_NE(reason("inverter-1").find("no valid answer from unit 1"), std::string::npos)
      << reason("inverter-1");
  // Nothing fresh arrives: the host turns the point stale by its max age (3 fast cycles).
  ASSERT_TRUE(
      run_until([&] { return point("inverter-1/power_w").quality == HEARTH_QUALITY_STALE; }));
  EXPECT_TRUE(online("inverter-2"));  // the RTU side is unaffected
  ctl({"link_down", "device=inv1", "on=false"});
  ASSERT_TRUE(run_until([&] { return online("inverter-1") && good("inverter-1/power_w"); }, 15s))
      << reason("inverter-1");
}

TEST_F(DriversSimTest, RtuTimeoutsMalformedAnswersAndBrokenCrcsTakeADeviceOfflineUntilFixed) {
  apply(site_yaml());
  ASSERT_TRUE(run_until([&] { return online("inverter-2") && online("grid"); }));
  ctl({"no_answer", "device=inv2", "on=true"});
  ASSERT_TRUE(run_until([&] { return !online("inverter-2"); })) << reason("inverter-2");
  EXPECT_NE(reason("inverter-2").find("HEARTH_E_TIMEOUT"), std::string::npos)
      << reason("inverter-2");
  EXPECT_TRUE(online("grid"));
  ctl({"malformed", "device=meter", "on=true"});
  ASSERT_TRUE(run_until([&] { return !online("grid"); })) << reason("grid");
  EXPECT_NE(reason("grid").find("unit 11"), std::string::npos) << reason("grid");
  ctl({"clear_faults"});
  ASSERT_TRUE(run_until([&] { return online("inverter-2") && online("grid"); }, 15s))
      << reason("inverter-2") << " | " << reason("grid");
  ASSERT_TRUE(run_until([&] { return good("grid/power_w") && good("inverter-2/power_w"); }));

  ctl({"crc_broken", "device=meter", "on=true"});
  ASSERT_TRUE(run_until([&] { return !online("grid"); })) << reason("grid");
  ctl({"crc_broken", "device=meter", "on=false"});
  ASSERT_TRUE(run_until([&] { return online("grid"); }, 15s)) << reason("grid");
}

TEST_F(DriversSimTest, AnExceptionResponseNamesTheExceptionInTheReason) {
  // Over TCP the sim answers its own unit and 0; unit 7 gets exception 0x0B (gateway target).
  apply(site_yaml("  - {id: stranger, driver: huawei-sun2000, link: inv1-tcp, params: {unit: 7, " +
                  std::string(kFastParams) + "}}\n"));
  ASSERT_TRUE(run_until([&] { return reason("stranger").find("exception") != std::string::npos; }))
      << reason("stranger");
  EXPECT_FALSE(online("stranger"));
  EXPECT_NE(reason("stranger").find("exception 11"), std::string::npos) << reason("stranger");
  // The neighbour on the same TCP connection keeps working.
  EXPECT_TRUE(run_until([&] { return online("inverter-1") && good("inverter-1/power_w"); }));
}

}  // namespace
}  // namespace hearth::integration
