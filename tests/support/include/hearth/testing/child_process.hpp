#pragma once
// A child process for tests: started with its stdout and stderr captured, waited on by what it
// prints (a "ready" line) rather than by sleeping, killed and reaped when the test ends.
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace hearth::testing {

class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH) with the given arguments and extra environment entries.
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~ChildProcess();  // SIGKILL and reap if still running
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;

  // Waits until a line of its combined output matches, or the timeout passes, or it exits.
  // Returns the matching line.
  std::optional<std::string> wait_for_line(const std::regex &pattern,
                                           std::chrono::milliseconds timeout);
  // Everything it printed so far (stdout and stderr interleaved).
  const std::string &output();
  bool running();
  void signal(int signo);
  // Waits for the exit and returns the exit status (128 + signal when killed), or nullopt on
  // timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  int pid() const { return pid_; }

 private:
  bool read_available(std::chrono::milliseconds wait);

  int pid_ = -1;
  int output_fd_ = -1;
  std::string output_;
  size_t scanned_ = 0;
  std::optional<int> exit_status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

// True when the tests run under a sanitizer (HEARTH_SANITIZED=1): widen timing tolerances.
bool sanitized();

}  // namespace hearth::testing
