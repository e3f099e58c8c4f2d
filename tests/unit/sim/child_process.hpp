#pragma once
// Child processes for the hearth-sim tests: the simulator itself (waited on through its ready
// line) and one-shot real Modbus clients (mbpoll, the pymodbus helper) run with a deadline.
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hearth::sim::testing {

struct ProgramResult {
  int exit_status = -1;  // -1: killed at the deadline
  std::string output;    // stdout and stderr together
  double elapsed_s = 0;
};

// Runs argv[0] (looked up in PATH) with a deadline; never throws for a failing program.
ProgramResult run_program(const std::vector<std::string> &argv,
                          std::chrono::milliseconds deadline = std::chrono::seconds(20));

// A hearth-sim child on a scenario written to a fresh temp folder, with ephemeral TCP ports and
// the ptys and control socket in that folder. The constructor returns once the ready line is out.
class SimProcess {
 public:
  explicit SimProcess(const std::string &scenario_yaml);
  ~SimProcess();
  SimProcess(const SimProcess &) = delete;
  SimProcess &operator=(const SimProcess &) = delete;

  nlohmann::json ctl(const nlohmann::json &request) const;  // throws unless {"ok": true}
  nlohmann::json status() const { return ctl({{"cmd", "status"}}); }
  std::string tcp_address(const std::string &device) const;  // "127.0.0.1:PORT"
  std::string tcp_port(const std::string &device) const;
  std::string rtu_path(const std::string &device) const;
  int unit(const std::string &device) const;
  const std::string &dir() const { return dir_; }

 private:
  const nlohmann::json &device(const std::string &name) const;
  std::string dir_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1;
  nlohmann::json endpoints_;
};

}  // namespace hearth::sim::testing
