#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <hearth/testing/peer_process.hpp>
#include <stdexcept>

namespace hearth::testing {

PeerProcess::PeerProcess(std::vector<std::string> argv, CapturedStream captured)
    : argv_(std::move(argv)) {
  if (argv_.empty()) throw std::invalid_argument("PeerProcess: empty command");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  std::vector<char *> args;
  for (auto &arg : argv_) args.push_back(arg.data());
  args.push_back(nullptr);
  const int captured_fd = captured == CapturedStream::kStdout ? STDOUT_FILENO : STDERR_FILENO;
  const int discarded_fd = captured == CapturedStream::kStdout ? STDERR_FILENO : STDOUT_FILENO;
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(pipe_fds[1], captured_fd);
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, discarded_fd);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  reader_ = std::thread([this, fd = pipe_fds[0]] { read_lines(fd); });
}

PeerProcess::~PeerProcess() {
  stop();
  if (reader_.joinable()) reader_.join();
}

void PeerProcess::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int waited_ms = 0; waited_ms < 1000; waited_ms += 10) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    usleep(10'000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void PeerProcess::read_lines(int fd) {
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    std::lock_guard lock(mutex_);
    while ((newline = pending.find('\n')) != std::string::npos) {
      lines_.push_back(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
    changed_.notify_all();
  }
  close(fd);
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool PeerProcess::wait_until(const std::function<bool(const std::vector<std::string> &)> &done,
                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(lines_) || closed_; }) && done(lines_);
}

std::optional<std::string> PeerProcess::wait_for_line(std::string_view needle,
                                                      std::chrono::milliseconds timeout,
                                                      size_t from) {
  std::optional<std::string> found;
  wait_until(
      [&](const std::vector<std::string> &lines) {
        for (size_t i = from; i < lines.size(); ++i) {
          if (lines[i].find(needle) != std::string::npos) {
            found = lines[i];
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

std::vector<std::string> PeerProcess::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string PeerProcess::command_line() const {
  std::string text;
  for (const auto &arg : argv_) text += (text.empty() ? "" : " ") + arg;
  return text;
}

std::string field(std::string_view line, std::string_view key) {
  const std::string pattern = " " + std::string(key) + "=";
  const size_t at = line.find(pattern);
  if (at == std::string_view::npos) return {};
  const size_t begin = at + pattern.size();
  const size_t end = line.find(' ', begin);
  return std::string(line.substr(begin, end == std::string_view::npos ? end : end - begin));
}

}  // namespace hearth::testing
