#include "modbus_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "pdu_encoding.hpp"

namespace hearth::links {
namespace {

using std::chrono::microseconds;

// Modbus over Serial Line V1.02, 2.5.1.1: frames are separated by at least 3.5 character times;
// above 19200 bit/s a fixed 1.75 ms is used.
microseconds inter_frame_gap(const RtuSettings &rtu) {
  if (rtu.baud > 19200) return microseconds(1750);
  const int64_t bits = static_cast<int64_t>(bits_per_character(rtu)) * 7;  // 3.5 characters
  return microseconds(bits * 1'000'000 / (2 * std::max(rtu.baud, 1)));
}

// A raw RTU answer whose length libmodbus cannot tell ends when the line stays silent this long.
// The floor allows for USB serial adapters, which deliver bytes in bursts (latency timers).
constexpr int kMinRawSilenceMs = 20;
// Between the bytes of one TCP answer.
constexpr int kTcpByteTimeoutMs = 500;
// Serial: between the bytes of one answer. Real USB adapters hold bytes back up to ~16 ms.
constexpr int kRtuMinByteTimeoutMs = 50;

// Function codes whose answer length libmodbus 3.1.6 derives correctly
// (compute_meta_length_after_function / compute_data_length_after_meta in modbus.c). Any other
// answer (43/14 device identification, vendor codes) is framed by us.
bool libmodbus_frames_answer(uint8_t function) {
  constexpr uint8_t kFramed[] = {1, 2, 3, 4, 5, 6, 15, 16, 17, 22, 23};
  return std::find(std::begin(kFramed), std::end(kFramed), function) != std::end(kFramed);
}

modbus_t *create_context(const LinkSettings &settings) {
  if (const auto *rtu = std::get_if<RtuSettings>(&settings.transport)) {
    return modbus_new_rtu(rtu->device.c_str(), rtu->baud, rtu->parity, rtu->data_bits,
                          rtu->stop_bits);
  }
  const auto &tcp = std::get<TcpSettings>(settings.transport);
  // The _pi variant resolves host names; plain modbus_new_tcp takes only IPv4 literals.
  return modbus_new_tcp_pi(tcp.host.c_str(), std::to_string(tcp.port).c_str());
}

std::string endpoint_text(const LinkSettings &settings) {
  if (const auto *rtu = std::get_if<RtuSettings>(&settings.transport)) {
    return rtu->device + " at " + std::to_string(rtu->baud) + " bit/s";
  }
  const auto &tcp = std::get<TcpSettings>(settings.transport);
  return tcp.host + ":" + std::to_string(tcp.port);
}

enum class ReadOutcome { kDone, kTimeout, kLost };

// Reads exactly `length` bytes: the first within first_wait_ms, each further one within
// next_wait_ms.
ReadOutcome read_exactly(int fd, uint8_t *out, size_t length, int first_wait_ms, int next_wait_ms) {
  size_t done = 0;
  int wait_ms = first_wait_ms;
  while (done < length) {
    pollfd ready{fd, POLLIN, 0};
    const int rc = poll(&ready, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return ReadOutcome::kLost;
    if (rc == 0) return ReadOutcome::kTimeout;
    const ssize_t n = recv(fd, out + done, length - done, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return ReadOutcome::kLost;
    done += static_cast<size_t>(n);
    wait_ms = next_wait_ms;
  }
  return ReadOutcome::kDone;
}

}  // namespace

uint16_t modbus_crc16(const uint8_t *data, size_t length) {
  uint16_t crc = 0xffff;
  for (size_t i = 0; i < length; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

ModbusTransport::ModbusTransport(const LinkSettings &settings, const Clock &clock)
    : settings_(settings), clock_(clock) {
  context_ = create_context(settings_);
  if (context_ == nullptr) {
    create_error_ =
        "cannot set up libmodbus for " + endpoint_text(settings_) + ": " + modbus_strerror(errno);
    return;
  }
  modbus_set_error_recovery(context_, MODBUS_ERROR_RECOVERY_NONE);
  if (const auto *rtu = std::get_if<RtuSettings>(&settings_.transport)) {
    inter_frame_gap_ = inter_frame_gap(*rtu);
    const int byte_timeout_ms =
        std::max<int>(kRtuMinByteTimeoutMs, static_cast<int>(inter_frame_gap_.count() / 500));
    modbus_set_byte_timeout(context_, 0, static_cast<uint32_t>(byte_timeout_ms) * 1000);
  }
}

ModbusTransport::~ModbusTransport() {
  close();
  if (context_ != nullptr) modbus_free(context_);
}

bool ModbusTransport::open(std::string &error) {
  if (context_ == nullptr) {
    error = create_error_;
    return false;
  }
  if (open_) return true;
  // libmodbus uses the response timeout as the TCP connect timeout.
  const int timeout_ms = default_timeout_ms(settings_);
  modbus_set_response_timeout(context_, static_cast<uint32_t>(timeout_ms / 1000),
                              static_cast<uint32_t>(timeout_ms % 1000) * 1000);
  if (modbus_connect(context_) == -1) {
    error = "cannot open " + endpoint_text(settings_) + ": " + modbus_strerror(errno);
    return false;
  }
  open_ = true;
  flush_before_send_ = true;
  bus_quiet_since_ = std::chrono::steady_clock::now();
  return true;
}

void ModbusTransport::close() {
  if (!open_) return;
  modbus_close(context_);
  open_ = false;
}

void ModbusTransport::wait_for_inter_frame_gap() const {
  if (inter_frame_gap_.count() == 0) return;
  std::this_thread::sleep_until(bus_quiet_since_ + inter_frame_gap_);
}

void ModbusTransport::prepare(const hearth_modbus_request &request, int timeout_ms) {
  modbus_set_slave(context_, request.unit);
  modbus_set_response_timeout(context_, static_cast<uint32_t>(timeout_ms / 1000),
                              static_cast<uint32_t>(timeout_ms % 1000) * 1000);
  wait_for_inter_frame_gap();
  // A late answer to an earlier, timed-out request may still be waiting; it must never be taken
  // for the answer to this one. On a serial line this is one tcflush() and always done.
  if (flush_before_send_ || inter_frame_gap_.count() > 0) modbus_flush(context_);
}

Attempt ModbusTransport::transact(const hearth_modbus_request &request, int timeout_ms) {
  prepare(request, timeout_ms);
  Attempt attempt = request.function == HEARTH_MODBUS_RAW ? raw_transaction(request, timeout_ms)
                                                          : standard_transaction(request);
  bus_quiet_since_ = std::chrono::steady_clock::now();
  flush_before_send_ =
      attempt.outcome != AttemptOutcome::kAnswer && attempt.outcome != AttemptOutcome::kException;
  return attempt;
}

void ModbusTransport::fail_from_errno(int error, Attempt &attempt) const {
  attempt.error = modbus_strerror(error);
  if (error == ETIMEDOUT) {
    attempt.outcome = AttemptOutcome::kTimeout;
  } else if (error == EMBBADCRC) {
    attempt.outcome = AttemptOutcome::kBadCrc;
  } else if (error > MODBUS_ENOBASE && error <= EMBXGTAR) {
    attempt.outcome = AttemptOutcome::kException;
    attempt.exception_code = error - MODBUS_ENOBASE;
  } else if ((error >= EMBBADDATA && error <= EMBBADSLAVE) || error == EINVAL) {
    attempt.outcome = AttemptOutcome::kBadFrame;
  } else {
    attempt.outcome = AttemptOutcome::kConnectionLost;
  }
}

Attempt ModbusTransport::standard_transaction(const hearth_modbus_request &request) {
  Attempt attempt;
  const int address = static_cast<int>(request.address);
  const int count = static_cast<int>(request.count);
  std::vector<uint8_t> bits(static_cast<size_t>(count));
  std::vector<uint16_t> registers(static_cast<size_t>(count));
  attempt.sent_mono_ns = clock_.mono_ns();
  int rc = -1;
  switch (request.function) {
    case HEARTH_MODBUS_READ_COILS:
      rc = modbus_read_bits(context_, address, count, bits.data());
      break;
    case HEARTH_MODBUS_READ_DISCRETE_INPUTS:
      rc = modbus_read_input_bits(context_, address, count, bits.data());
      break;
    case HEARTH_MODBUS_READ_HOLDING_REGISTERS:
      rc = modbus_read_registers(context_, address, count, registers.data());
      break;
    case HEARTH_MODBUS_READ_INPUT_REGISTERS:
      rc = modbus_read_input_registers(context_, address, count, registers.data());
      break;
    case HEARTH_MODBUS_WRITE_SINGLE_COIL:
      rc = modbus_write_bit(context_, address, request.values[0] != 0 ? 1 : 0);
      break;
    case HEARTH_MODBUS_WRITE_SINGLE_REGISTER:
      rc = modbus_write_register(context_, address, request.values[0]);
      break;
    case HEARTH_MODBUS_WRITE_MULTIPLE_COILS:
      std::transform(request.values, request.values + count, bits.begin(),
                     [](uint16_t value) { return value != 0 ? 1 : 0; });
      rc = modbus_write_bits(context_, address, count, bits.data());
      break;
    case HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS:
      rc = modbus_write_registers(context_, address, count, request.values);
      break;
    default:
      attempt.error = "function " + std::to_string(request.function) + " is not supported";
      return attempt;
  }
  const int error = errno;
  const int64_t returned_ns = clock_.mono_ns();
  if (rc < 0) {
    fail_from_errno(error, attempt);
    if (attempt.outcome == AttemptOutcome::kException) {
      attempt.received_mono_ns = returned_ns;
      attempt.answer_pdu = encode_exception_pdu(request, attempt.exception_code);
    }
    return attempt;
  }
  attempt.outcome = AttemptOutcome::kAnswer;
  attempt.received_mono_ns = returned_ns;
  if (request.function == HEARTH_MODBUS_READ_COILS ||
      request.function == HEARTH_MODBUS_READ_DISCRETE_INPUTS) {
    attempt.values.assign(bits.begin(), bits.begin() + std::min(rc, count));
  } else if (request.function == HEARTH_MODBUS_READ_HOLDING_REGISTERS ||
             request.function == HEARTH_MODBUS_READ_INPUT_REGISTERS) {
    attempt.values.assign(registers.begin(), registers.begin() + std::min(rc, count));
  }
  attempt.answer_pdu = encode_answer_pdu(request, attempt.values);
  return attempt;
}

Attempt ModbusTransport::raw_transaction(const hearth_modbus_request &request, int timeout_ms) {
  Attempt attempt;
  std::vector<uint8_t> adu(1 + request.count);
  adu[0] = static_cast<uint8_t>(request.unit);
  std::copy(request.raw_pdu, request.raw_pdu + request.count, adu.begin() + 1);
  attempt.sent_mono_ns = clock_.mono_ns();
  if (modbus_send_raw_request(context_, adu.data(), static_cast<int>(adu.size())) < 0) {
    fail_from_errno(errno, attempt);
    return attempt;
  }
  if (!receive_raw_answer(request, timeout_ms, attempt)) return attempt;
  const uint8_t function = request.raw_pdu[0];
  const auto &answer = attempt.answer_pdu;
  if (answer[0] == (function | 0x80) && answer.size() >= 2) {
    attempt.outcome = AttemptOutcome::kException;
    attempt.exception_code = answer[1];
  } else if (answer[0] != function) {
    attempt.outcome = AttemptOutcome::kBadFrame;
    attempt.error = "answer has function code " + std::to_string(answer[0]) + ", expected " +
                    std::to_string(function);
  } else {
    attempt.outcome = AttemptOutcome::kAnswer;
  }
  return attempt;
}

bool ModbusTransport::receive_raw_answer(const hearth_modbus_request &request, int timeout_ms,
                                         Attempt &attempt) {
  const bool rtu = inter_frame_gap_.count() > 0;
  std::vector<uint8_t> adu;
  if (libmodbus_frames_answer(request.raw_pdu[0])) {
    std::vector<uint8_t> buffer(std::max(MODBUS_RTU_MAX_ADU_LENGTH, MODBUS_TCP_MAX_ADU_LENGTH));
    const int length = modbus_receive_confirmation(context_, buffer.data());
    const int error = errno;
    attempt.received_mono_ns = clock_.mono_ns();
    if (length < 0) {
      fail_from_errno(error, attempt);
      return false;
    }
    adu.assign(buffer.begin(), buffer.begin() + length);
  } else if (!(rtu ? receive_rtu_frame(timeout_ms, adu, attempt)
                   : receive_tcp_frame(timeout_ms, adu, attempt))) {
    return false;
  }
  const size_t header = static_cast<size_t>(modbus_get_header_length(context_));
  const size_t checksum = rtu ? 2 : 0;
  const size_t unit_offset = header - 1;
  if (adu.size() < header + 1 + checksum || adu[unit_offset] != request.unit) {
    attempt.outcome = AttemptOutcome::kBadFrame;
    attempt.error = "answer too short or from another unit";
    return false;
  }
  attempt.answer_pdu.assign(adu.begin() + static_cast<std::ptrdiff_t>(header),
                            adu.end() - static_cast<std::ptrdiff_t>(checksum));
  return true;
}

// Serial line: the answer ends when the line stays silent (Modbus over Serial Line V1.02,
// 2.5.1.1); its CRC is checked here because libmodbus did not read it.
bool ModbusTransport::receive_rtu_frame(int timeout_ms, std::vector<uint8_t> &adu,
                                        Attempt &attempt) {
  const int fd = modbus_get_socket(context_);
  const int silence_ms =
      std::max<int>(kMinRawSilenceMs, static_cast<int>(inter_frame_gap_.count() / 1000) + 1);
  int wait_ms = timeout_ms;
  uint8_t chunk[MODBUS_RTU_MAX_ADU_LENGTH];
  while (adu.size() <= MODBUS_RTU_MAX_ADU_LENGTH) {
    pollfd ready{fd, POLLIN, 0};
    const int rc = poll(&ready, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) break;
    const ssize_t n = rc < 0 ? -1 : read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      attempt.outcome = AttemptOutcome::kConnectionLost;
      attempt.error = "serial port read failed";
      return false;
    }
    attempt.received_mono_ns = clock_.mono_ns();
    adu.insert(adu.end(), chunk, chunk + n);
    wait_ms = silence_ms;
  }
  if (adu.empty()) {
    attempt.outcome = AttemptOutcome::kTimeout;
    attempt.error = "no answer";
    return false;
  }
  if (adu.size() < 4 || adu.size() > MODBUS_RTU_MAX_ADU_LENGTH) {
    attempt.outcome = AttemptOutcome::kBadFrame;
    attempt.error = "answer of " + std::to_string(adu.size()) + " bytes";
    return false;
  }
  const uint16_t crc = modbus_crc16(adu.data(), adu.size() - 2);
  if (adu[adu.size() - 2] != (crc & 0xff) || adu[adu.size() - 1] != (crc >> 8)) {
    attempt.outcome = AttemptOutcome::kBadCrc;
    attempt.error = "bad CRC";
    return false;
  }
  return true;
}

// TCP: the MBAP header says how long the rest is (Modbus Messaging on TCP/IP V1.0b, 3.1.3).
bool ModbusTransport::receive_tcp_frame(int timeout_ms, std::vector<uint8_t> &adu,
                                        Attempt &attempt) {
  const int fd = modbus_get_socket(context_);
  adu.resize(7);
  auto outcome = read_exactly(fd, adu.data(), 7, timeout_ms, kTcpByteTimeoutMs);
  const size_t length = (static_cast<size_t>(adu[4]) << 8) | adu[5];
  if (outcome == ReadOutcome::kDone) {
    if (adu[2] != 0 || adu[3] != 0 || length < 2 || length > MODBUS_TCP_MAX_ADU_LENGTH - 6) {
      attempt.outcome = AttemptOutcome::kBadFrame;
      attempt.error = "bad MBAP header";
      return false;
    }
    adu.resize(6 + length);
    outcome = read_exactly(fd, adu.data() + 7, length - 1, kTcpByteTimeoutMs, kTcpByteTimeoutMs);
  }
  attempt.received_mono_ns = clock_.mono_ns();
  if (outcome == ReadOutcome::kTimeout) {
    attempt.outcome = AttemptOutcome::kTimeout;
    attempt.error = "no answer";
    return false;
  }
  if (outcome == ReadOutcome::kLost) {
    attempt.outcome = AttemptOutcome::kConnectionLost;
    attempt.error = "connection lost";
    return false;
  }
  return true;
}

}  // namespace hearth::links
