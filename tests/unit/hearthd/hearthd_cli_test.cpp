// hearthd run as a program, the way an installer and the service manager use it.
#include <gtest/gtest.h>
#include <hearth/testing/child_process.hpp>
#include <hearth/testing/modbus_peer.hpp>
#include <signal.h>

#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

namespace {

using namespace std::chrono_literals;
using hearth::testing::ChildProcess;
using hearth::testing::TempDir;

const std::string kPluginPath =
    std::string("HEARTH_PLUGIN_PATH=") + HEARTH_HOSTILE_DIR + ":" + HEARTH_ABI_PLUGIN_DIR;

const char *kSite =
    "site: {name: test, grid: single-phase, fuse_a: 35, pv_installed_wp: 5000,\n"
    "       location: {lat: 48.1, lon: 11.6, timezone: Europe/Berlin}}\n";

struct Run {
  int status;
  std::string output;
};

Run run_hearthd(std::vector<std::string> args) {
  args.insert(args.begin(), HEARTHD);
  ChildProcess process(args, {kPluginPath});
  const auto status = process.wait_exit(30s);
  return {status.value_or(-1), process.output()};
}

std::string write_file(const TempDir &dir, const std::string &name, const std::string &text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

bool file_contains(const std::string &path, const std::string &needle) {
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  return text.find(needle) != std::string::npos;
}

TEST(HearthdCli, ListPluginsShowsLoadedDriversAndEveryRefusalWithItsReason) {
  const auto run = run_hearthd({"--list-plugins"});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("  driver c-counter (test)"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("hostile-major.so: built for ABI 2.0, host has ABI 1.0 (another "
                            "major version)"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("hostile-too-new.so: needs host ABI 1.1 or newer"), std::string::npos);
  EXPECT_NE(run.output.find("hostile-dup-b.so: duplicate plugin id 'hostile-dup'"),
            std::string::npos);
}

TEST(HearthdCli, DescribePrintsTheParameterTableAsTextAndJson) {
  const auto text = run_hearthd({"--describe", "c-counter"});
  EXPECT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("driver c-counter (test)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("  step "), std::string::npos) << text.output;

  const auto json = run_hearthd({"--describe", "c-counter", "--json"});
  ASSERT_EQ(json.status, 0) << json.output;
  const auto document = nlohmann::json::parse(json.output.substr(json.output.find('{')));
  EXPECT_EQ(document["id"], "c-counter");
  const auto &params = document["drivers"][0]["params"];
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0]["name"], "step");
  EXPECT_EQ(params[0]["type"], "int");
  EXPECT_EQ(params[1]["type"], "duration");

  const auto missing = run_hearthd({"--describe", "no-such-plugin"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("no plugin or driver 'no-such-plugin' is loaded"),
            std::string::npos);
}

TEST(HearthdCli, CheckReportsEveryErrorWithFileLineAndColumnAndFails) {
  TempDir dir;
  const auto good = write_file(dir, "good.yaml",
                               std::string(kSite) + "devices:\n  - { id: c1, driver: c-counter }\n");
  const auto ok = run_hearthd({"--check", good});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("good.yaml: OK (1 devices, 0 links)"), std::string::npos) << ok.output;

  const auto bad = write_file(dir, "bad.yaml",
                              std::string(kSite) +
                                  "devices:\n"
                                  "  - { id: c1, driver: c-counter, params: { step: 0 } }\n"
                                  "  - { id: c1, driver: no-such-driver }\n");
  const auto refused = run_hearthd({"--check", bad});
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find(bad + ":4:"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(bad + ":5:"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("no-such-driver"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("errors"), std::string::npos) << refused.output;
}

TEST(HearthdCli, SighupAppliesAGoodFileAndRefusesABadOneKeepingTheRunningConfiguration) {
  TempDir dir;
  const std::string devices_one = "devices:\n  - { id: c1, driver: c-counter }\n";
  const auto file = write_file(dir, "site.yaml", kSite + devices_one);
  ChildProcess daemon({HEARTHD, "--config", file, "--state-dir", dir.path() + "/state"},
                      {kPluginPath});
  ASSERT_TRUE(daemon.wait_for_line(std::regex("device c1 started"), 10s)) << daemon.output();

  write_file(dir, "site.yaml", kSite + devices_one + "  - { id: c2, driver: nope }\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_line(std::regex("refused, the running configuration stays"), 10s))
      << daemon.output();
  EXPECT_TRUE(daemon.running());

  write_file(dir, "site.yaml", kSite + devices_one + "  - { id: c2, driver: c-counter }\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_line(std::regex("device c2 started"), 10s)) << daemon.output();
  EXPECT_EQ(daemon.output().find("device c1 stopped"), std::string::npos) << daemon.output();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << daemon.output();
}

// The service manager's path after a crash: `hearthd --failsafe` replays the registered writes
// on the links with no plugin loaded.
TEST(HearthdCli, FailsafeReplaysTheRegisteredWritesAfterSigkill) {
  TempDir dir;
  auto peer = hearth::testing::ModbusPeer::tcp({"--units", "3"});
  const auto file = write_file(
      dir, "site.yaml",
      std::string(kSite) + "links:\n  lan: { type: tcp, host: 127.0.0.1, port: " +
          std::to_string(peer->tcp_port()) +
          " }\n"
          "devices:\n"
          "  - { id: inverter, driver: hostile-blocking, link: lan, unit: 3,\n"
          "      params: { failsafe_unit: 3, failsafe_register: 47416, failsafe_value: 0 } }\n");
  const std::string state = dir.path() + "/state";
  {
    ChildProcess daemon({HEARTHD, "--config", file, "--state-dir", state}, {kPluginPath});
    ASSERT_TRUE(daemon.wait_for_line(std::regex("device inverter started"), 10s))
        << daemon.output();
    // The registration reaches the disk on a worker thread; kill only once it is there.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!file_contains(state + "/failsafe.json", "\"inverter\"")) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "fail-safe set never persisted";
      std::this_thread::sleep_for(10ms);
    }
    daemon.signal(SIGKILL);
    EXPECT_EQ(daemon.wait_exit(10s), 128 + SIGKILL);
  }
  const size_t before = peer->requests().size();
  const auto replay = run_hearthd({"--failsafe", "--state-dir", state});
  EXPECT_EQ(replay.status, 0) << replay.output;
  EXPECT_NE(replay.output.find("1 of 1 writes done"), std::string::npos) << replay.output;
  ASSERT_TRUE(peer->wait_for_requests(before + 1, 5s));
  const auto write = peer->requests().back();
  EXPECT_EQ(write.unit, 3);
  EXPECT_EQ(write.function, 6);
  EXPECT_EQ(write.address, 47416u);
  EXPECT_EQ(write.values, std::vector<uint16_t>{0});
}

TEST(HearthdCli, FailsafeWithNothingRegisteredSaysSoAndSucceeds) {
  TempDir dir;
  const auto run = run_hearthd({"--failsafe", "--state-dir", dir.path()});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("nothing registered"), std::string::npos) << run.output;
}

}  // namespace
