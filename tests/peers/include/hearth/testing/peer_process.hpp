#pragma once
// A helper process for tests (a Modbus slave, socat): started with fork/exec, one of its output
// streams read line by line on a thread of ours, killed in the destructor. It dies with the test
// process too (PR_SET_PDEATHSIG), so a crashed test leaves no peer behind.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hearth::testing {

enum class CapturedStream { kStdout, kStderr };

class PeerProcess {
 public:
  // argv[0] is the program's path. The stream not captured goes to /dev/null.
  explicit PeerProcess(std::vector<std::string> argv,
                       CapturedStream captured = CapturedStream::kStdout);
  ~PeerProcess();
  PeerProcess(const PeerProcess &) = delete;
  PeerProcess &operator=(const PeerProcess &) = delete;

  // SIGTERM, then SIGKILL if it has not exited within a second. Idempotent.
  void stop();
  pid_t pid() const { return pid_; }

  // The first line at index >= from that contains `needle`, waiting up to `timeout` for it.
  std::optional<std::string> wait_for_line(std::string_view needle,
                                           std::chrono::milliseconds timeout, size_t from = 0);
  // Waits until `done(lines)` holds; false on timeout.
  bool wait_until(const std::function<bool(const std::vector<std::string> &)> &done,
                  std::chrono::milliseconds timeout);
  std::vector<std::string> lines() const;
  // The program and its arguments, for messages.
  std::string command_line() const;

 private:
  void read_lines(int fd);

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool closed_ = false;
};

// The value of `key=` in a "word key=value key=value" log line; empty when absent.
std::string field(std::string_view line, std::string_view key);

}  // namespace hearth::testing
