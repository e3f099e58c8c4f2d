#include <algorithm>
#include <hearth/links/modbus_link.hpp>
#include <hearth/links/request_check.hpp>
#include <optional>

#include "modbus_transport.hpp"
#include "pdu_encoding.hpp"
#include "reconnect_backoff.hpp"

namespace hearth::links {
namespace {

// Hands one result from the link thread to a caller blocked in execute_now() or scan_units().
class ResultSlot {
 public:
  void set(const Result &result) {
    {
      std::lock_guard lock(mutex_);
      result_ = result;
    }
    ready_.notify_all();
  }
  Result wait() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return result_.has_value(); });
    return *result_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<Result> result_;
};

bool worth_retrying(AttemptOutcome outcome) {
  return outcome != AttemptOutcome::kAnswer && outcome != AttemptOutcome::kException;
}

int32_t status_of(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kAnswer:
      return HEARTH_OK;
    case AttemptOutcome::kException:
      return HEARTH_E_MODBUS_EXCEPTION;
    case AttemptOutcome::kTimeout:
      return HEARTH_E_TIMEOUT;
    default:
      return HEARTH_E_IO;
  }
}

std::string describe(const hearth_modbus_request &request) {
  return "unit " + std::to_string(request.unit) + " function " + std::to_string(request.function) +
         (request.function == HEARTH_MODBUS_RAW ? std::string()
                                                : " address " + std::to_string(request.address));
}

// The result of the last attempt is the request's result.
void take_outcome(const std::string &link_name, const hearth_modbus_request &request,
                  const Attempt &attempt, Result &result) {
  result.status = status_of(attempt.outcome);
  result.exception_code = attempt.exception_code;
  result.values = attempt.values;
  result.raw_pdu =
      request.function == HEARTH_MODBUS_RAW ? attempt.answer_pdu : std::vector<uint8_t>{};
  result.received_mono_ns = attempt.answer_pdu.empty() ? 0 : attempt.received_mono_ns;
  result.message = attempt.outcome == AttemptOutcome::kAnswer
                       ? std::string()
                       : link_name + ": " + describe(request) + ": " + attempt.error;
}

hearth_modbus_request probe_request(int unit, uint16_t probe_register, int timeout_ms) {
  hearth_modbus_request request{};
  request.struct_size = sizeof request;
  request.function = HEARTH_MODBUS_READ_HOLDING_REGISTERS;
  request.unit = unit;
  request.priority = HEARTH_PRIO_POLL;
  request.address = probe_register;
  request.count = 1;
  request.timeout_ms = static_cast<uint32_t>(std::max(timeout_ms, 1));
  return request;
}

}  // namespace

ModbusLink::ModbusLink(LinkSettings settings, const hearth::Clock &clock)
    : settings_(std::move(settings)),
      clock_(clock),
      transport_(std::make_unique<ModbusTransport>(settings_, clock_)),
      backoff_(std::make_unique<ReconnectBackoff>()) {}

ModbusLink::~ModbusLink() {
  stop();
}

int ModbusLink::max_registers_per_read(int baud) {
  return links::max_registers_per_read(baud);
}

std::string ModbusLink::check_request(const hearth_modbus_request &request) const {
  return links::check_request(request, settings_);
}

void ModbusLink::start() {
  std::unique_lock lock(mutex_);
  if (running_ && !stop_requested_) return;
  lock.unlock();
  if (thread_.joinable()) thread_.join();  // a thread told to stop from one of its completions
  lock.lock();
  running_ = true;
  stopped_ = false;
  stop_requested_ = false;
  thread_ = std::thread([this] { run(); });
}

void ModbusLink::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    stopped_ = true;
    // From a completion on the link thread the thread cannot join itself: it ends after this
    // completion, and the next stop() or start() from elsewhere (or the destructor) joins it.
    if (std::this_thread::get_id() == link_thread_id_) return;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<QueuedRequest> pending;
  {
    std::lock_guard lock(mutex_);
    running_ = false;
    pending = queue_.take_all();
    counters_.cancelled += pending.size();
  }
  for (auto &entry : pending) {
    deliver(entry, refusal(entry.id, HEARTH_E_CANCELLED, "link stopped before the request ran"));
  }
  std::lock_guard bus(bus_mutex_);
  transport_->close();
}

uint64_t ModbusLink::submit(const hearth_modbus_request &request, Completion done) {
  const std::string why = check_request(request);
  std::unique_lock lock(mutex_);
  const uint64_t id = next_id_++;
  if (!why.empty() || stopped_) {
    const bool invalid = !why.empty();
    ++(invalid ? counters_.invalid : counters_.cancelled);
    lock.unlock();
    if (done) {
      done(invalid ? refusal(id, HEARTH_E_INVALID, why)
                   : refusal(id, HEARTH_E_CANCELLED, "link is stopped"));
    }
    return id;
  }
  ++counters_.requests;
  QueuedRequest entry;
  entry.id = id;
  entry.request = request;
  entry.done = std::move(done);
  std::optional<QueuedRequest> replaced = queue_.push(std::move(entry));
  if (replaced) {
    ++counters_.coalesced;
    ++counters_.cancelled;
  }
  lock.unlock();
  wake_.notify_one();
  if (replaced) {
    deliver(*replaced, refusal(replaced->id, HEARTH_E_CANCELLED,
                               "replaced by a newer write to the same registers"));
  }
  return id;
}

Result ModbusLink::execute_now(const hearth_modbus_request &request) {
  QueuedRequest entry;
  entry.request = request;
  entry.request.priority = HEARTH_PRIO_SAFETY;
  entry.urgent = true;
  return run_and_wait(std::move(entry));
}

std::vector<int> ModbusLink::scan_units(int first, int last, uint16_t probe_register,
                                        int timeout_ms) {
  std::vector<int> answered;
  const int lowest = std::max(first, is_rtu(settings_) ? 1 : 0);
  for (int unit = lowest; unit <= std::min(last, 247); ++unit) {
    QueuedRequest entry;
    entry.request = probe_request(unit, probe_register, timeout_ms);
    entry.single_attempt = true;
    const Result result = run_and_wait(std::move(entry));
    // An exception answer also proves that a device sits at this address.
    if (result.status == HEARTH_OK || result.status == HEARTH_E_MODBUS_EXCEPTION) {
      answered.push_back(unit);
    }
  }
  return answered;
}

Result ModbusLink::run_and_wait(QueuedRequest entry) {
  const std::string why = check_request(entry.request);
  std::unique_lock lock(mutex_);
  entry.id = next_id_++;
  if (!why.empty()) {
    ++counters_.invalid;
    return refusal(entry.id, HEARTH_E_INVALID, why);
  }
  ++counters_.requests;
  // Without a link thread (or from inside a completion on it) the caller drives the bus itself.
  const bool queue_it =
      running_ && !stop_requested_ && std::this_thread::get_id() != link_thread_id_;
  if (!queue_it) {
    lock.unlock();
    return start_or_expire(entry);
  }
  auto slot = std::make_shared<ResultSlot>();
  entry.done = [slot](const Result &result) { slot->set(result); };
  queue_.push(std::move(entry));
  lock.unlock();
  wake_.notify_one();
  return slot->wait();
}

void ModbusLink::run() {
  std::unique_lock lock(mutex_);
  link_thread_id_ = std::this_thread::get_id();
  for (;;) {
    wake_.wait(lock, [this] { return stop_requested_ || !queue_.empty(); });
    if (stop_requested_) break;
    QueuedRequest entry = std::move(*queue_.pop_next());
    lock.unlock();
    const Result result = start_or_expire(entry);
    deliver(entry, result);
    lock.lock();
  }
  link_thread_id_ = {};
}

Result ModbusLink::start_or_expire(const QueuedRequest &entry) {
  const int64_t deadline_ns = entry.request.deadline_mono_ns;
  if (deadline_ns > 0 && clock_.mono_ns() > deadline_ns) {
    {
      std::lock_guard lock(mutex_);
      ++counters_.expired;
    }
    return refusal(entry.id, HEARTH_E_TIMEOUT,
                   describe(entry.request) + ": deadline passed before the request could start");
  }
  return perform(entry);
}

Result ModbusLink::perform(const QueuedRequest &entry) {
  std::lock_guard bus(bus_mutex_);
  const hearth_modbus_request &request = entry.request;
  const int timeout_ms =
      request.timeout_ms > 0 ? static_cast<int>(request.timeout_ms) : default_timeout_ms(settings_);
  const int attempts = 1 + (entry.single_attempt ? 0 : std::max(0, settings_.retries));
  Result result;
  result.request_id = entry.id;
  for (int attempt_index = 0; attempt_index < attempts; ++attempt_index) {
    if (attempt_index > 0) {
      std::lock_guard lock(mutex_);
      ++counters_.retries;
    }
    if (!ensure_open(result)) break;
    const Attempt attempt = transport_->transact(request, timeout_ms);
    record(request, attempt);
    count_attempt(attempt);
    take_outcome(settings_.name, request, attempt, result);
    if (attempt.outcome == AttemptOutcome::kConnectionLost) {
      transport_->close();
      backoff_->connection_lost(clock_.mono_ns());
    }
    if (!worth_retrying(attempt.outcome)) break;
  }
  if (result.status == HEARTH_OK || result.status == HEARTH_E_MODBUS_EXCEPTION) {
    backoff_->transaction_succeeded();
  }
  return result;
}

bool ModbusLink::ensure_open(Result &result) {
  if (transport_->is_open()) return true;
  const int64_t now_ns = clock_.mono_ns();
  std::string error;
  if (!backoff_->may_attempt(now_ns)) {
    error = "link is down; next reconnect attempt in " + std::to_string(backoff_->wait_ms(now_ns)) +
            " ms";
  } else {
    if (ever_opened_) {
      std::lock_guard lock(mutex_);
      ++counters_.reconnects;
    }
    if (transport_->open(error)) {
      ever_opened_ = true;
      return true;
    }
    backoff_->attempt_failed(now_ns);
  }
  result.status = HEARTH_E_IO;
  result.message = settings_.name + ": " + error;
  std::lock_guard lock(mutex_);
  ++counters_.io_errors;
  return false;
}

void ModbusLink::count_attempt(const Attempt &attempt) {
  std::lock_guard lock(mutex_);
  switch (attempt.outcome) {
    case AttemptOutcome::kAnswer:
      ++counters_.ok;
      break;
    case AttemptOutcome::kException:
      ++counters_.exceptions;
      break;
    case AttemptOutcome::kTimeout:
      ++counters_.timeouts;
      break;
    case AttemptOutcome::kBadCrc:
      ++counters_.crc_errors;
      break;
    case AttemptOutcome::kBadFrame:
    case AttemptOutcome::kConnectionLost:
      ++counters_.io_errors;
      break;
  }
}

void ModbusLink::record(const hearth_modbus_request &request, const Attempt &attempt) {
  std::lock_guard lock(mutex_);
  if (trace_capacity_ == 0) return;
  const int32_t status = status_of(attempt.outcome);
  trace_.push_back({attempt.sent_mono_ns, TraceDirection::kSent,
                    frame_hex(request.unit, encode_request_pdu(request)), status});
  if (!attempt.answer_pdu.empty()) {
    trace_.push_back({attempt.received_mono_ns, TraceDirection::kReceived,
                      frame_hex(request.unit, attempt.answer_pdu), status});
  }
  while (trace_.size() > trace_capacity_) trace_.pop_front();
}

void ModbusLink::enable_trace(size_t max_frames) {
  std::lock_guard lock(mutex_);
  trace_capacity_ = max_frames;
  while (trace_.size() > trace_capacity_) trace_.pop_front();
}

std::vector<TraceEntry> ModbusLink::trace() const {
  std::lock_guard lock(mutex_);
  return {trace_.begin(), trace_.end()};
}

Counters ModbusLink::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void ModbusLink::deliver(QueuedRequest &entry, const Result &result) {
  if (entry.done) entry.done(result);
}

Result ModbusLink::refusal(uint64_t id, int32_t status, std::string message) {
  Result result;
  result.request_id = id;
  result.status = status;
  result.message = settings_.name + ": " + std::move(message);
  return result;
}

}  // namespace hearth::links
