#pragma once
// What a link hands back: the outcome of one transaction, its counters and its frame trace.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hearth::links {

struct Result {
  uint64_t request_id = 0;
  int32_t status = 0;            // HEARTH_OK or HEARTH_E_* (plugin.h)
  int32_t exception_code = 0;    // the slave's code when status is HEARTH_E_MODBUS_EXCEPTION
  std::vector<uint16_t> values;  // registers read, or coils as 0/1
  std::vector<uint8_t> raw_pdu;  // HEARTH_MODBUS_RAW only: the answer PDU, function code first
  int64_t received_mono_ns = 0;  // when the answer arrived; 0 when none did
  std::string message;           // why, when status is not HEARTH_OK
};

using Completion = std::function<void(const Result &)>;

struct Counters {
  uint64_t requests = 0;  // accepted by submit() or execute_now()
  uint64_t ok = 0;
  uint64_t timeouts = 0;    // attempts that got no answer in time
  uint64_t crc_errors = 0;  // answers with a bad CRC (RTU)
  uint64_t exceptions = 0;  // exception answers
  uint64_t io_errors = 0;   // attempts that failed otherwise (bad frame, port or connection lost)
  uint64_t retries = 0;     // attempts after the first
  uint64_t coalesced = 0;   // queued writes replaced by a newer one
  uint64_t reconnects = 0;  // attempts to reopen the port or connection after it was lost
  uint64_t invalid = 0;     // requests refused by validation
  uint64_t expired = 0;     // requests whose deadline passed before they could start
  uint64_t cancelled = 0;   // requests dropped by stop() or replaced by a newer write
};

enum class TraceDirection { kSent, kReceived };

// One frame on the wire. bytes_hex is the unit id and the PDU ("01 03 00 00 00 02"); the MBAP
// header or the CRC that libmodbus adds and checks is left out.
struct TraceEntry {
  int64_t mono_ns = 0;
  TraceDirection direction = TraceDirection::kSent;
  std::string bytes_hex;
  int32_t status = 0;  // the outcome of the transaction the frame belongs to
};

}  // namespace hearth::links
