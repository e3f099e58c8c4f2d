// The sim board scripted from another process's point of view: JSON lines over a Unix socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <hearth/hal/sim.hpp>
#include <hearth/hal/sim_control.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace hearth::hal {
namespace {

using nlohmann::json;

// A client as hearth-sim or socat would be: connect, write a line, wait for the reply line.
class ControlClient {
 public:
  explicit ControlClient(const std::string &path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
  }
  ~ControlClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  json request(const json &body) {
    const std::string line = body.dump() + "\n";
    if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
      return {{"client_error", "send"}};
    }
    std::string reply;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reply.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
        return {{"client_error", "timeout"}};
      }
      char chunk[4096];
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) return {{"client_error", "closed"}};
      reply.append(chunk, static_cast<std::size_t>(got));
    }
    return json::parse(reply.substr(0, reply.find('\n')));
  }

 private:
  int fd_;
  bool connected_ = false;
};

class SimControlTest : public ::testing::Test {
 protected:
  SimControlTest() {
    path_ = (std::filesystem::temp_directory_path() /
             ("hearth-hal-" + std::to_string(::getpid()) + ".sock"))
                .string();
    HalSettings settings{.clock = &clock_};
    settings.sim_control_socket = path_;
    hal_ = make_sim_hal(settings);
  }

  ManualClock clock_;
  std::string path_;
  std::unique_ptr<SimHal> hal_;
};

TEST_F(SimControlTest, ScriptsInputsAndReadsOutputsOverTheSocket) {
  ControlClient client(path_);
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.request({{"cmd", "di"}, {"name", "DI2"}, {"level", true}, {"at_mono_ns", 777}}),
            json({{"ok", true}}));
  const auto edges = hal_->digital_input("DI2")->read_edges();
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0].mono_ns, 777);

  EXPECT_EQ(client.request({{"cmd", "button"}, {"pressed", true}})["ok"], true);
  EXPECT_EQ(hal_->button().read_edges().at(0).mono_ns, clock_.mono_ns());

  hal_->digital_output("DO1")->set(true);
  hal_->led(LedId::kAlarm).set(true);
  const auto state = client.request({{"cmd", "state"}});
  EXPECT_EQ(state["do"]["DO1"], true);
  EXPECT_EQ(state["do"]["DO2"], false);
  EXPECT_EQ(state["di"]["DI2"], true);
  EXPECT_EQ(state["leds"]["alarm"], true);
  EXPECT_EQ(state["leds"]["run"], false);
  EXPECT_EQ(state["button"], true);
  const auto history = client.request({{"cmd", "led_history"}, {"name", "alarm"}});
  EXPECT_EQ(history["edges"], json::parse("[[true, " + std::to_string(clock_.mono_ns()) + "]]"));
}

TEST_F(SimControlTest, InjectsCtBlocksAndWaveforms) {
  ControlClient client(path_);
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.request({{"cmd", "ct"},
                            {"channel", 1},
                            {"sample_rate_hz", 4000},
                            {"first_sample_mono_ns", 5},
                            {"voltage_v", {1.5, 2.5}},
                            {"current_a", {0.5, -0.5}}})["ok"],
            true);
  EXPECT_EQ(client.request({{"cmd", "ct_waveform"},
                            {"channel", 2},
                            {"count", 80},
                            {"sample_rate_hz", 4000},
                            {"current_rms_a", 3.0}})["ok"],
            true);
  const auto blocks = hal_->ct()->read_blocks();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].channel, 1u);
  EXPECT_EQ(blocks[0].current_a[1], -0.5f);
  EXPECT_EQ(blocks[1].channel, 2u);
  EXPECT_EQ(blocks[1].voltage_v.size(), 80u);
  EXPECT_EQ(blocks[1].first_sample_mono_ns, clock_.mono_ns());
}

TEST_F(SimControlTest, BadRequestsGetAnErrorAndTheConnectionStays) {
  ControlClient client(path_);
  ASSERT_TRUE(client.connected());
  for (const char *bad :
       {"not json", "[1,2]", R"({"cmd":"fly"})", R"({"cmd":"di","name":"DI9","level":true})",
        R"({"cmd":"di","name":"DI1"})"}) {
    const auto reply = json::parse(handle_sim_control_request(*hal_, bad));
    EXPECT_EQ(reply["ok"], false) << bad;
    EXPECT_FALSE(reply["error"].get<std::string>().empty()) << bad;
  }
  EXPECT_EQ(client.request({{"cmd", "fly"}})["ok"], false);
  EXPECT_EQ(client.request({{"cmd", "state"}})["ok"], true);
}

TEST_F(SimControlTest, StopsCleanlyAndRemovesTheSocket) {
  {
    ControlClient idle(path_);
    ASSERT_TRUE(idle.connected());
    hal_.reset();
  }
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace hearth::hal
