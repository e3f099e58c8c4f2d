#pragma once
// A host-owned Modbus link: one RS485 port or one TCP endpoint, one thread, one connection.
// Plugins' transactions are queued here and go on the wire one at a time in priority order
// (architecture.md, "Process and threads" and "The scheduler bus").
#include <hearth/plugin.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <hearth/core/clock.hpp>
#include <hearth/links/link_result.hpp>
#include <hearth/links/link_settings.hpp>
#include <hearth/links/request_queue.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hearth::links {

class ModbusTransport;
class ReconnectBackoff;
struct Attempt;

class ModbusLink {
 public:
  // Runs on the link thread (or inside submit() for an invalid request); the caller posts it on.
  using Completion = links::Completion;

  explicit ModbusLink(LinkSettings settings, const hearth::Clock &clock = SystemClock::instance());
  ~ModbusLink();  // stops
  ModbusLink(const ModbusLink &) = delete;
  ModbusLink &operator=(const ModbusLink &) = delete;

  // Starts the link thread. The port or connection opens with the first request.
  void start();
  // Joins the link thread after the frame in flight, then completes every queued request with
  // HEARTH_E_CANCELLED. Later submits complete at once with HEARTH_E_CANCELLED until start().
  // Called from a completion, it only tells the thread to end; the destructor finishes the job.
  void stop();

  // Thread-safe, never blocks on the bus. Returns the request id. A request that check_request()
  // refuses completes at once, inside this call, with HEARTH_E_INVALID and the reason.
  uint64_t submit(const hearth_modbus_request &request, Completion done);
  // Thread-safe, blocking. Queued as SAFETY ahead of everything, after the frame in flight. On a
  // link that was never started it runs on the caller's thread (`hearthd --failsafe`).
  Result execute_now(const hearth_modbus_request &request);
  // Empty when `request` is acceptable on this link, else the reason (for a synchronous refusal).
  std::string check_request(const hearth_modbus_request &request) const;

  Counters counters() const;

  // Keeps the last max_frames frames (0 turns the trace off and clears it).
  void enable_trace(size_t max_frames);
  std::vector<TraceEntry> trace() const;

  // Commissioning: reads one holding register at probe_register from each unit in first..last
  // (one attempt, timeout_ms each) and returns the units that answered, exceptions included.
  // Blocking; queued as POLL so it does not disturb running devices.
  std::vector<int> scan_units(int first, int last, uint16_t probe_register, int timeout_ms);

  // Read-block cap: ~100 ms of bus time per frame at `baud` (see request_check.hpp); TCP: 125.
  static int max_registers_per_read(int baud);

  const LinkSettings &settings() const { return settings_; }

 private:
  void run();
  // Queues `entry` (or runs it here when no link thread runs) and waits for its result.
  Result run_and_wait(QueuedRequest entry);
  Result start_or_expire(const QueuedRequest &entry);
  Result perform(const QueuedRequest &entry);
  bool ensure_open(Result &result);
  void record(const hearth_modbus_request &request, const Attempt &attempt);
  void count_attempt(const Attempt &attempt);
  void count_final(const Result &result);
  void deliver(QueuedRequest &entry, const Result &result);
  Result refusal(uint64_t id, int32_t status, std::string message);

  const LinkSettings settings_;
  const hearth::Clock &clock_;

  mutable std::mutex mutex_;  // guards everything below up to bus_mutex_
  std::condition_variable wake_;
  RequestQueue queue_;
  Counters counters_;
  std::deque<TraceEntry> trace_;
  size_t trace_capacity_ = 0;
  bool running_ = false;
  bool stopped_ = false;
  bool stop_requested_ = false;
  uint64_t next_id_ = 1;
  std::thread thread_;
  std::thread::id link_thread_id_;

  std::mutex bus_mutex_;  // one transaction on the wire at a time; guards the transport
  std::unique_ptr<ModbusTransport> transport_;
  bool ever_opened_ = false;
  std::unique_ptr<ReconnectBackoff> backoff_;
};

}  // namespace hearth::links
