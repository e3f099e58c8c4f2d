#include "hearth/host/watchdog.hpp"

#include <algorithm>

namespace hearth::host {

Watchdog::Watchdog(const Clock &clock, std::chrono::milliseconds stall_timeout, Actions actions)
    : clock_(clock),
      stall_timeout_(stall_timeout),
      // Check often enough that a stall is acted on within 1.2 × the timeout.
      check_interval_(std::max<std::chrono::milliseconds>(std::chrono::milliseconds(5),
                                                         stall_timeout / 5)),
      actions_(std::move(actions)),
      last_tick_ns_(clock.mono_ns()) {}

Watchdog::~Watchdog() { stop(); }

void Watchdog::start() {
  tick();
  thread_ = std::thread([this] { run(); });
}

void Watchdog::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, check_interval_, [this] { return stopping_; })) {
    lock.unlock();
    check();
    lock.lock();
  }
}

void Watchdog::check() {
  const int64_t silent_ns = clock_.mono_ns() - last_tick_ns_.load(std::memory_order_relaxed);
  const bool stalled = silent_ns > std::chrono::nanoseconds(stall_timeout_).count();
  if (stalled && !tripped_.exchange(true)) {
    if (actions_.on_stall) actions_.on_stall(silent_ns / 1'000'000);
  } else if (!stalled && tripped_.exchange(false)) {
    if (actions_.on_recover) actions_.on_recover();
  }
  if (!stalled && actions_.feed_service_manager) actions_.feed_service_manager();
}

}  // namespace hearth::host
