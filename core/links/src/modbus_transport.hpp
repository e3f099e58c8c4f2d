#pragma once
// One libmodbus context: opens the serial port or TCP connection and performs single attempts of
// a transaction. No retries, no scheduling: ModbusLink does those. Not thread-safe; the link
// holds its bus lock around every call.
#include <hearth/plugin.h>
#include <modbus/modbus.h>

#include <chrono>
#include <cstdint>
#include <hearth/core/clock.hpp>
#include <hearth/links/link_settings.hpp>
#include <string>
#include <vector>

namespace hearth::links {

enum class AttemptOutcome {
  kAnswer,          // a valid answer
  kException,       // the slave answered with an exception code
  kTimeout,         // no answer within the timeout
  kBadCrc,          // an answer with a bad CRC (RTU)
  kBadFrame,        // an answer that does not fit the request
  kConnectionLost,  // the port or connection failed; reopen before the next attempt
};

struct Attempt {
  AttemptOutcome outcome = AttemptOutcome::kBadFrame;
  int32_t exception_code = 0;
  std::vector<uint16_t> values;     // registers, or coils as 0/1
  std::vector<uint8_t> answer_pdu;  // function code first; empty when no answer arrived
  int64_t sent_mono_ns = 0;
  int64_t received_mono_ns = 0;  // taken right after the answer's last byte was read
  std::string error;             // libmodbus' or our own description of a failure
};

class ModbusTransport {
 public:
  ModbusTransport(const LinkSettings &settings, const Clock &clock);
  ~ModbusTransport();
  ModbusTransport(const ModbusTransport &) = delete;
  ModbusTransport &operator=(const ModbusTransport &) = delete;

  bool is_open() const { return open_; }
  // Opens the port or the connection (one per link: some devices accept a single client).
  bool open(std::string &error);
  void close();
  // Sends `request` once and waits up to timeout_ms for the answer.
  Attempt transact(const hearth_modbus_request &request, int timeout_ms);

 private:
  void wait_for_inter_frame_gap() const;
  void prepare(const hearth_modbus_request &request, int timeout_ms);
  Attempt standard_transaction(const hearth_modbus_request &request);
  Attempt raw_transaction(const hearth_modbus_request &request, int timeout_ms);
  bool receive_raw_answer(const hearth_modbus_request &request, int timeout_ms, Attempt &attempt);
  bool receive_rtu_frame(int timeout_ms, std::vector<uint8_t> &adu, Attempt &attempt);
  bool receive_tcp_frame(int timeout_ms, std::vector<uint8_t> &adu, Attempt &attempt);
  void fail_from_errno(int error, Attempt &attempt) const;

  const LinkSettings settings_;
  const Clock &clock_;
  modbus_t *context_ = nullptr;
  std::string create_error_;
  bool open_ = false;
  bool flush_before_send_ = false;
  // RTU: silence owed between two frames; zero for TCP.
  std::chrono::microseconds inter_frame_gap_{0};
  std::chrono::steady_clock::time_point bus_quiet_since_{};
};

// Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF), Modbus over Serial Line V1.02,
// 6.2.2. Sent low byte first.
uint16_t modbus_crc16(const uint8_t *data, size_t length);

}  // namespace hearth::links
