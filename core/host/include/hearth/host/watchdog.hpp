#pragma once
// Watches the core loop from a thread of its own. The core thread calls tick() from a periodic
// timer; when no tick arrives for `stall_timeout`, the watchdog runs the fail-safe action on its
// own thread (the core is stuck, so nothing can be posted to it) and stops feeding the service
// manager, which then restarts hearthd and runs `hearthd --failsafe` after it.
#include <hearth/core/clock.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hearth::host {

class Watchdog {
 public:
  struct Actions {
    std::function<void(int64_t stalled_ms)> on_stall;  // watchdog thread
    std::function<void()> on_recover;                  // watchdog thread
    std::function<void()> feed_service_manager;        // watchdog thread, only while healthy
  };

  Watchdog(const Clock &clock, std::chrono::milliseconds stall_timeout, Actions actions);
  ~Watchdog();
  Watchdog(const Watchdog &) = delete;
  Watchdog &operator=(const Watchdog &) = delete;

  void start();
  void stop();
  void tick() { last_tick_ns_.store(clock_.mono_ns(), std::memory_order_relaxed); }  // core thread
  bool tripped() const { return tripped_.load(); }
  std::chrono::milliseconds check_interval() const { return check_interval_; }

 private:
  void run();
  void check();

  const Clock &clock_;
  const std::chrono::milliseconds stall_timeout_;
  const std::chrono::milliseconds check_interval_;
  Actions actions_;
  std::atomic<int64_t> last_tick_ns_;
  std::atomic<bool> tripped_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hearth::host
