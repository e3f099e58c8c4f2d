// hearth-sim: a simulated house behind real Modbus endpoints (sim/README.md).
//   hearth-sim [--scenario FILE] [--port-base N] [--pty-dir DIR] [--speed X] [--response-time-s T] ...
//   hearth-sim ctl [--socket PATH] COMMAND [key=value ...]
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hearth/sim/control_server.hpp"
#include "hearth/sim/scenario.hpp"
#include "hearth/sim/simulator.hpp"

#ifndef HEARTH_SOURCE_DIR
#define HEARTH_SOURCE_DIR "."
#endif

namespace {

using hearth::sim::Scenario;
using nlohmann::json;

struct RunOptions {
  std::string scenario = std::string(HEARTH_SOURCE_DIR) + "/configs/sim/demo.yaml";
  std::string repo_root = HEARTH_SOURCE_DIR;
  std::optional<int> port_base;
  std::optional<std::string> pty_dir, control_socket, start;
  std::optional<double> speed, response_time_s;
  bool exit_on_stdin_eof = false;
};

void apply_overrides(const RunOptions &options, Scenario &scenario) {
  if (options.port_base) scenario.endpoints.port_base = *options.port_base;
  if (options.pty_dir) scenario.endpoints.pty_dir = *options.pty_dir;
  if (options.control_socket) scenario.endpoints.control_socket = *options.control_socket;
  if (options.speed) scenario.time.speed = *options.speed;
  if (options.start) scenario.time.start_utc_s = hearth::sim::parse_utc_iso8601(*options.start);
  if (options.response_time_s)
    for (auto &inverter : scenario.inverters) inverter.response_time_s = *options.response_time_s;
}

// Blocks until SIGINT/SIGTERM (or, when asked, until stdin closes: the parent test went away).
void wait_for_shutdown(bool watch_stdin) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  std::vector<pollfd> fds{{signal_fd, POLLIN, 0}};
  if (watch_stdin) fds.push_back({STDIN_FILENO, POLLIN, 0});
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    if (watch_stdin && fds[1].revents) {
      char buffer[256];
      if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) break;
    }
  }
  close(signal_fd);
}

int run(const RunOptions &options) {
  // Threads inherit the mask: only the main thread takes the signals, through signalfd.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    Scenario scenario = hearth::sim::load_scenario(options.scenario, options.repo_root);
    apply_overrides(options, scenario);
    hearth::sim::Simulator simulator(std::move(scenario));
    simulator.start();
    const auto &s = simulator.scenario();
    std::fprintf(stderr, "hearth-sim: %s, start %s, speed %g, PV profile: %s, load profile: %s\n",
                 s.source.c_str(), hearth::sim::format_utc_iso8601(s.time.start_utc_s).c_str(),
                 s.time.speed, s.profiles.pv_csv.empty() ? "built-in" : s.profiles.pv_csv.c_str(),
                 s.profiles.load_csv.empty() ? "built-in" : s.profiles.load_csv.c_str());
    std::printf("hearth-sim ready %s\n", simulator.endpoints().dump().c_str());
    std::fflush(stdout);
    wait_for_shutdown(options.exit_on_stdin_eof);
    simulator.stop();
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "hearth-sim: %s\n", e.what());
    return 1;
  }
}

json parse_command(const std::string &cmd, const std::vector<std::string> &arguments) {
  json request = {{"cmd", cmd}};
  for (const auto &argument : arguments) {
    const auto eq = argument.find('=');
    if (eq == std::string::npos)
      throw std::runtime_error("expected key=value, got '" + argument + "'");
    const auto key = argument.substr(0, eq), text = argument.substr(eq + 1);
    // Numbers, true/false and null are JSON; anything else is a string (a device name).
    request[key] =
        json::parse(text, nullptr, false).is_discarded() ? json(text) : json::parse(text);
  }
  return request;
}

int control(const std::string &socket, const std::string &cmd,
            const std::vector<std::string> &args) {
  try {
    const auto reply = hearth::sim::control_request(socket, parse_command(cmd, args));
    std::printf("%s\n", reply.dump().c_str());
    return reply.value("ok", false) ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "hearth-sim ctl: %s\n", e.what());
    return 2;
  }
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"hearth-sim: a simulated house speaking Modbus TCP/RTU (see sim/README.md)"};
  RunOptions options;
  app.add_option("--scenario", options.scenario, "scenario YAML")->check(CLI::ExistingFile);
  app.add_option("--repo-root", options.repo_root, "base of relative profile paths");
  app.add_option("--port-base", options.port_base,
                 "inverter i listens on port-base + i (0: any free port)");
  app.add_option("--pty-dir", options.pty_dir, "folder for the RS485 pty links and control.sock");
  app.add_option("--control", options.control_socket, "control socket path");
  app.add_option("--speed", options.speed, "1 real time, N accelerated, 0 paused");
  app.add_option("--start", options.start, "simulated start, YYYY-MM-DDTHH:MM:SSZ");
  app.add_option("--response-time-s", options.response_time_s,
                 "every inverter's first-order time constant (overrides the scenario)")
      ->check(CLI::Range(0.01, 600.0));
  app.add_flag("--exit-on-stdin-eof", options.exit_on_stdin_eof, "stop when stdin closes");

  auto *ctl = app.add_subcommand("ctl", "send one control command to a running hearth-sim");
  std::string socket = "/tmp/hearth-sim/control.sock", cmd;
  std::vector<std::string> args;
  ctl->add_option("--socket", socket, "control socket");
  ctl->add_option("command", cmd, "status, step, link_down, ... (sim/README.md)")->required();
  ctl->add_option("args", args, "key=value arguments");
  CLI11_PARSE(app, argc, argv);
  if (*ctl) return control(socket, cmd, args);
  return run(options);
}
