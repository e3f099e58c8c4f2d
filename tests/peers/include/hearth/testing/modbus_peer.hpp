#pragma once
// The Modbus slave of tests/peers/modbus_server.py (pymodbus) as a C++ object, and the socat pty
// pair that stands in for an RS485 line. Both start in the constructor and are ready when it
// returns (they wait for the peer's "ready" line, not for a sleep); both stop in the destructor.
#include <cstdint>
#include <hearth/testing/peer_process.hpp>
#include <memory>
#include <string>
#include <vector>

namespace hearth::testing {

// A serial line: two pseudo-terminals joined by socat. The link opens one end, the slave the other.
class PtyPair {
 public:
  PtyPair();
  ~PtyPair();
  const std::string &link_end() const { return link_end_; }
  const std::string &device_end() const { return device_end_; }

 private:
  std::string directory_;
  std::string link_end_;
  std::string device_end_;
  std::unique_ptr<PeerProcess> socat_;
};

// One request as the slave logged it.
struct PeerRequest {
  int64_t received_ns = 0;  // CLOCK_MONOTONIC
  int unit = 0;
  int function = 0;
  uint32_t address = 0;
  uint32_t count = 0;
  std::vector<uint16_t> values;
};

// One answer as the slave logged it, when it started writing it.
struct PeerAnswer {
  int64_t sent_ns = 0;
  int unit = 0;
  int function = 0;
};

class ModbusPeer {
 public:
  // `arguments` as modbus_server.py takes them: "tcp" or "rtu", then options (see its --help).
  explicit ModbusPeer(std::vector<std::string> arguments);
  static std::unique_ptr<ModbusPeer> tcp(std::vector<std::string> options, int port = 0);
  static std::unique_ptr<ModbusPeer> rtu(const std::string &device,
                                         std::vector<std::string> options);

  int tcp_port() const { return tcp_port_; }
  std::vector<PeerRequest> requests() const;
  std::vector<PeerAnswer> answers() const;
  int connections() const;
  // Wait until at least `count` requests or answers were logged. The log arrives through a pipe:
  // wait for it before reading requests() or answers() after a transaction.
  bool wait_for_requests(size_t count, std::chrono::milliseconds timeout);
  bool wait_for_answers(size_t count, std::chrono::milliseconds timeout);
  PeerProcess &process() { return process_; }
  void stop() { process_.stop(); }

 private:
  bool wait_for_lines(std::string_view prefix, size_t count, std::chrono::milliseconds timeout);

  PeerProcess process_;
  int tcp_port_ = 0;
};

// The python peers' directory (tests/peers in the source tree).
std::string peers_directory();

}  // namespace hearth::testing
