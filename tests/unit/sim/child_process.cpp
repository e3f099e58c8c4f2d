#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "hearth/sim/control_server.hpp"

namespace hearth::sim::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReadyDeadline = std::chrono::seconds(20);
const std::string kReadyPrefix = "hearth-sim ready ";

// Forks argv with stdin/stdout/stderr on the given fds; returns the pid.
pid_t spawn(const std::vector<std::string> &argv, int stdin_fd, int stdout_fd, int stderr_fd) {
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(stdin_fd, STDIN_FILENO);
    ::dup2(stdout_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Reads from fd until EOF or the deadline; false at the deadline.
bool read_until_eof(int fd, std::string &out, Clock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return true;
    out.append(buffer, static_cast<size_t>(n));
  }
}

int wait_exit(pid_t pid, Clock::time_point deadline) {
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    // The child closed its output already; reaping takes a moment at most.
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 5);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string> &argv,
                          std::chrono::milliseconds deadline) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const auto started = Clock::now();
  const pid_t pid = spawn(argv, null_in, out[1], out[1]);
  ::close(out[1]);
  ::close(null_in);
  ProgramResult result;
  const bool finished = read_until_eof(out[0], result.output, started + deadline);
  ::close(out[0]);
  if (!finished) ::kill(pid, SIGKILL);
  result.exit_status = wait_exit(pid, Clock::now() + std::chrono::seconds(5));
  if (!finished) result.exit_status = -1;
  result.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

SimProcess::SimProcess(const std::string &scenario_yaml) {
  char dir_template[] = "/tmp/hearth-sim-test-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir_template;
  const std::string scenario = dir_ + "/scenario.yaml";
  std::ofstream(scenario) << scenario_yaml;
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = spawn({HEARTH_SIM_BINARY, "--scenario", scenario, "--port-base", "0", "--pty-dir", dir_,
                "--exit-on-stdin-eof"},
               in[0], out[1], STDERR_FILENO);
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  std::string text;
  const auto deadline = Clock::now() + kReadyDeadline;
  while (text.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{stdout_fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      throw std::runtime_error("hearth-sim: no ready line");
    char buffer[4096];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("hearth-sim exited before its ready line");
    text.append(buffer, static_cast<size_t>(n));
  }
  const auto line = text.substr(0, text.find('\n'));
  if (line.rfind(kReadyPrefix, 0) != 0) throw std::runtime_error("unexpected first line: " + line);
  endpoints_ = nlohmann::json::parse(line.substr(kReadyPrefix.size()));
}

SimProcess::~SimProcess() {
  ::close(stdin_fd_);  // hearth-sim --exit-on-stdin-eof stops on this
  if (pid_ > 0) wait_exit(pid_, Clock::now() + std::chrono::seconds(10));
  ::close(stdout_fd_);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

nlohmann::json SimProcess::ctl(const nlohmann::json &request) const {
  const auto reply = control_request(endpoints_.at("control").get<std::string>(), request);
  if (!reply.value("ok", false))
    throw std::runtime_error("ctl " + request.dump() + ": " + reply.dump());
  return reply;
}

const nlohmann::json &SimProcess::device(const std::string &name) const {
  for (const auto &d : endpoints_.at("devices"))
    if (d.at("name") == name) return d;
  throw std::runtime_error("no device " + name);
}

std::string SimProcess::tcp_address(const std::string &name) const {
  return device(name).at("tcp").get<std::string>();
}

std::string SimProcess::tcp_port(const std::string &name) const {
  const auto address = tcp_address(name);
  return address.substr(address.rfind(':') + 1);
}

int SimProcess::unit(const std::string &name) const {
  return device(name).at("unit").get<int>();
}

std::string SimProcess::rtu_path(const std::string &name) const {
  return device(name).at("rtu").get<std::string>();
}

}  // namespace hearth::sim::testing
