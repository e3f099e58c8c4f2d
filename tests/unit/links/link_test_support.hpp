#pragma once
// Requests, completion recorders and timing helpers shared by the link tests.
#include <hearth/plugin.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <hearth/links/modbus_link.hpp>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::links::testing {

inline hearth_modbus_request make_request(int32_t function, int unit, uint32_t address,
                                          uint32_t count, int priority) {
  hearth_modbus_request request{};
  request.struct_size = sizeof request;
  request.function = function;
  request.unit = unit;
  request.address = address;
  request.count = count;
  request.priority = priority;
  return request;
}

inline hearth_modbus_request read_holding(int unit, uint32_t address, uint32_t count,
                                          int priority = HEARTH_PRIO_POLL) {
  return make_request(HEARTH_MODBUS_READ_HOLDING_REGISTERS, unit, address, count, priority);
}

inline hearth_modbus_request write_single(int unit, uint32_t address, uint16_t value,
                                          int priority = HEARTH_PRIO_CONTROL) {
  auto request = make_request(HEARTH_MODBUS_WRITE_SINGLE_REGISTER, unit, address, 1, priority);
  request.values[0] = value;
  return request;
}

inline hearth_modbus_request write_multiple(int unit, uint32_t address,
                                            const std::vector<uint16_t> &values,
                                            int priority = HEARTH_PRIO_CONTROL) {
  auto request = make_request(HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS, unit, address,
                              static_cast<uint32_t>(values.size()), priority);
  for (size_t i = 0; i < values.size(); ++i) request.values[i] = values[i];
  return request;
}

inline hearth_modbus_request raw_request(int unit, const std::vector<uint8_t> &pdu) {
  auto request =
      make_request(HEARTH_MODBUS_RAW, unit, 0, static_cast<uint32_t>(pdu.size()), HEARTH_PRIO_POLL);
  for (size_t i = 0; i < pdu.size(); ++i) request.raw_pdu[i] = pdu[i];
  return request;
}

// Records completions in the order they arrive, each with the caller's tag.
class CompletionLog {
 public:
  struct Entry {
    std::string tag;
    Result result;
  };

  Completion record(std::string tag) {
    return [this, tag = std::move(tag)](const Result &result) {
      std::lock_guard lock(mutex_);
      entries_.push_back({tag, result});
      changed_.notify_all();
    };
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return entries_.size() >= count; });
  }
  std::vector<Entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  std::vector<std::string> tags() const {
    std::vector<std::string> tags;
    for (const auto &entry : entries()) tags.push_back(entry.tag);
    return tags;
  }
  Result result_of(const std::string &tag) const {
    for (const auto &entry : entries()) {
      if (entry.tag == tag) return entry.result;
    }
    return {};
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Entry> entries_;
};

// Submits and waits for the one result.
inline Result submit_and_wait(ModbusLink &link, const hearth_modbus_request &request,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  CompletionLog log;
  link.submit(request, log.record("only"));
  if (!log.wait_for(1, timeout)) {
    Result none;
    none.status = HEARTH_E_INTERNAL;
    none.message = "test: no completion in time";
    return none;
  }
  return log.entries().front().result;
}

inline int64_t mono_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Under ASan/UBSan (`make test-asan`) everything runs slower: timing bounds widen.
inline bool sanitized() {
  const char *value = std::getenv("HEARTH_SANITIZED");
  return value != nullptr && std::string(value) == "1";
}

inline LinkSettings tcp_link(int port, int timeout_ms = 0, int retries = 1) {
  LinkSettings settings;
  settings.name = "tcp-test";
  settings.transport = TcpSettings{"127.0.0.1", port};
  settings.timeout_ms = timeout_ms;
  settings.retries = retries;
  return settings;
}

inline LinkSettings rtu_link(const std::string &device, int baud = 9600, int timeout_ms = 0,
                             int retries = 1) {
  LinkSettings settings;
  settings.name = "rtu-test";
  settings.transport = RtuSettings{device, baud, 'N', 8, 1};
  settings.timeout_ms = timeout_ms;
  settings.retries = retries;
  return settings;
}

}  // namespace hearth::links::testing
