#pragma once
// A Linux eventfd used as a level-triggered "something is pending" flag, so the core watches sim
// lines exactly like GPIO event descriptors.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace hearth::hal {

class EventFd {
 public:
  EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ~EventFd() { ::close(fd_); }
  EventFd(const EventFd &) = delete;
  EventFd &operator=(const EventFd &) = delete;

  int fd() const { return fd_; }
  // Makes the descriptor readable (idempotent as far as readers care).
  void signal() {
    const uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
  }
  // Makes it unreadable again.
  void clear() {
    uint64_t count = 0;
    [[maybe_unused]] auto got = ::read(fd_, &count, sizeof count);
  }

 private:
  int fd_;
};

}  // namespace hearth::hal
