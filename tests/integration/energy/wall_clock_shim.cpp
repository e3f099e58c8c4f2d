// An injected wall clock for the TOU-across-DST test, preloaded into hearthd (LD_PRELOAD): it adds
// an offset in whole seconds to CLOCK_REALTIME (clock_gettime, gettimeofday, time) and leaves
// every other clock alone, so hearthd's timers, its CLOCK_MONOTONIC and the sim's record keep real
// time. The offset is read from the file named by HEARTH_WALL_OFFSET_FILE (one signed integer),
// again at most every 100 ms of monotonic time, so the test can move hearthd's calendar to just
// before a DST change while it runs. (libfaketime does this too, but it also rewrites
// timerfd_settime, which stops Boost.Asio's timers.)
#include <dlfcn.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr int64_t kRereadNs = 100'000'000;

using ClockGettime = int (*)(clockid_t, timespec *);

ClockGettime real_clock_gettime() {
  static const auto real = reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
  return real;
}

bool is_realtime(clockid_t id) {
  return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE;
}

std::atomic<int64_t> offset_s{0};
std::atomic<int64_t> next_read_ns{0};

int64_t read_offset_s() {
  const char *path = std::getenv("HEARTH_WALL_OFFSET_FILE");
  if (path == nullptr) return 0;
  FILE *file = std::fopen(path, "r");
  if (file == nullptr) return offset_s.load();
  long long value = 0;
  const bool ok = std::fscanf(file, "%lld", &value) == 1;
  std::fclose(file);
  return ok ? value : offset_s.load();
}

int64_t current_offset_s() {
  timespec now{};
  real_clock_gettime()(CLOCK_MONOTONIC, &now);
  const int64_t now_ns = int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  int64_t due = next_read_ns.load();
  if (now_ns >= due && next_read_ns.compare_exchange_strong(due, now_ns + kRereadNs))
    offset_s.store(read_offset_s());
  return offset_s.load();
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t id, timespec *ts) {
  const int result = real_clock_gettime()(id, ts);
  if (result == 0 && is_realtime(id)) ts->tv_sec += current_offset_s();
  return result;
}

int gettimeofday(timeval *tv, void *) {
  timespec now{};
  const int result = clock_gettime(CLOCK_REALTIME, &now);
  if (result == 0 && tv != nullptr) {
    tv->tv_sec = now.tv_sec;
    tv->tv_usec = now.tv_nsec / 1000;
  }
  return result;
}

time_t time(time_t *out) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  if (out != nullptr) *out = now.tv_sec;
  return now.tv_sec;
}

}  // extern "C"
