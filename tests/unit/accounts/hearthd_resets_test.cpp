// The RST button end to end: hearthd with the sim HAL, the button pressed and released through
// the sim control socket (hal/include/hearth/hal/sim_control.hpp), the resets seen in the
// database afterwards, and the factory reset's exit status for systemd.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <hearth/accounts/accounts.hpp>
#include <hearth/host/box_resets.hpp>
#include <hearth/store/settings_store.hpp>
#include <hearth/testing/child_process.hpp>

#include "accounts_fixture.hpp"

namespace hearth::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using accounts::Role;
using accounts::testing::kInitial;

constexpr int64_t kSecondNs = 1'000'000'000;

int64_t mono_now_ns() {  // the HAL's clock: CLOCK_MONOTONIC, as steady_clock on Linux
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One JSON line to the sim control socket, its one-line reply back.
std::string sim_request(const fs::path &socket_path, const std::string &line) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0) {
    const std::string request = line + "\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char c = 0;
      while (::read(fd, &c, 1) == 1 && c != '\n') reply += c;
    }
  }
  ::close(fd);
  return reply;
}

class HearthdResetsTest : public ::testing::Test {
 protected:
  HearthdResetsTest() {
    fs::create_directories(state_dir_);
    std::ofstream(state_dir_ / "initial-passwords")
        << "installer=" << kInitial.installer << "\nowner=" << kInitial.owner << "\n";
    std::ofstream(dir_ / "hearth.yaml")
        << "site: {name: rst, grid: single-phase, fuse_a: 40, location: {lat: 51.05, lon: 3.72, "
           "timezone: Europe/Brussels}}\n"
        << "hal: {backend: sim, sim_control_socket: " << socket_.string() << "}\n"
        << "devices: []\n";
    // The site before: an installer's override (of a key whose baseline hearthd derives from the
    // YAML's energy section, with the same value, so the override survives the start) and the
    // owner's own password.
    store::Database db(state_dir_ / "hearth.db");
    store::SettingsStore settings(db);
    settings.set_baseline({{"energy.mode", "self-consumption"}}, 1);
    EXPECT_TRUE(settings.set_override("energy.mode", "time-of-use", "installer",
                                      store::SettingRole::installer, 2));
    accounts::Accounts accounts(db, SystemClock::instance(), kInitial,
                                accounts::testing::fast_settings());
    const auto owner = accounts.login("owner", kInitial.owner, "127.0.0.1");
    EXPECT_TRUE(accounts.change_password(owner.token, kInitial.owner, "owner-chosen-pw"));
  }

  void start() {
    hearthd_ = std::make_unique<hearth::testing::ChildProcess>(std::vector<std::string>{
        HEARTHD, "--config", (dir_ / "hearth.yaml").string(), "--state-dir", state_dir_.string()});
    ASSERT_TRUE(hearthd_->wait_for_line(std::regex("configuration applied"), 20s))
        << hearthd_->output();
  }

  // A press held for `held_ns`, in the past, so the test does not wait for it.
  void hold_button(int64_t held_ns) {
    const int64_t released = mono_now_ns();
    for (const auto &[pressed, at] : {std::pair{true, released - held_ns}, {false, released}}) {
      const std::string reply = sim_request(
          socket_, std::string("{\"cmd\":\"button\",\"pressed\":") + (pressed ? "true" : "false") +
                       ",\"at_mono_ns\":" + std::to_string(at) + "}");
      ASSERT_NE(reply.find("\"ok\":true"), std::string::npos) << reply;
    }
  }

  // The database as hearthd left it.
  struct After {
    bool owner_password_is_initial;
    std::string energy_mode;
  };
  After after() {
    store::Database db(state_dir_ / "hearth.db");
    store::SettingsStore settings(db);
    accounts::Accounts accounts(db, SystemClock::instance(), kInitial,
                                accounts::testing::fast_settings());
    const auto energy_mode = settings.get("energy.mode");
    return {accounts.state(Role::owner).password_is_initial,
            energy_mode ? energy_mode->value_text : "(no value)"};
  }

  hearth::testing::TempDir temp_;
  fs::path dir_ = temp_.path();
  fs::path state_dir_ = dir_ / "state";
  fs::path socket_ = dir_ / "hal.sock";
  std::unique_ptr<hearth::testing::ChildProcess> hearthd_;
};

TEST_F(HearthdResetsTest, HoldingRstForFifteenSecondsResetsThePasswordsOnly) {
  start();
  hold_button(15 * kSecondNs);
  ASSERT_TRUE(hearthd_->wait_for_line(std::regex("password reset by rst-button"), 10s))
      << hearthd_->output();
  hearthd_->signal(SIGTERM);
  EXPECT_EQ(hearthd_->wait_exit(20s), 0);
  const auto state = after();
  EXPECT_TRUE(state.owner_password_is_initial);
  EXPECT_EQ(state.energy_mode, "time-of-use");
}

TEST_F(HearthdResetsTest, HoldingRstForSixtyOneSecondsRestoresFactorySettingsAndExits75) {
  start();
  hold_button(61 * kSecondNs);
  EXPECT_EQ(hearthd_->wait_exit(20s), kExitRestartRequested) << hearthd_->output();
  EXPECT_NE(hearthd_->output().find("factory reset by rst-button"), std::string::npos);
  const auto state = after();
  EXPECT_TRUE(state.owner_password_is_initial);
  EXPECT_EQ(state.energy_mode, "self-consumption");
}

}  // namespace
}  // namespace hearth::host
