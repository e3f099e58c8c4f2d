#pragma once
// The protocol endpoints: Modbus TCP per inverter and Modbus RTU buses on ptys. Each runs its own
// thread and asks a DeviceGateway (the Simulator) for every answer.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "hearth/sim/modbus_frames.hpp"

namespace hearth::sim {

enum class Transport { kTcp, kRtu };

struct ServeDecision {
  bool answer = false;  // false: stay silent (no answer, link down, booting)
  Bytes pdu;
  int32_t delay_ms = 0;
  bool malformed = false;
  bool crc_broken = false;
  uint64_t event_seq = 0;  // the gateway logged this request: report when the reply left
};

class DeviceGateway {
 public:
  virtual ~DeviceGateway() = default;
  // The device's link is up (TCP: connections are kept and accepted).
  virtual bool link_up(size_t device) = 0;
  virtual ServeDecision serve(size_t device, uint8_t unit, const uint8_t *pdu, size_t length,
                              Transport transport) = 0;
  // The reply to a request whose decision carried event_seq was written out just now.
  virtual void reply_sent(uint64_t /*event_seq*/) {}
};

// A thread plus an eventfd to wake it (for a stop or a changed fault).
class EndpointThread {
 public:
  EndpointThread();
  virtual ~EndpointThread();
  void start();
  void stop();
  void wake();

 protected:
  virtual void run() = 0;
  // Waits up to delay_ms (real time) unless woken for a stop; false when stopping.
  bool pause_ms(int32_t delay_ms);
  bool stopping() const { return stopping_; }
  void drain_wake();
  int wake_fd_;

 private:
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Modbus TCP on 127.0.0.1 for one device. With single_client a second concurrent connection is
// accepted and closed at once, as Huawei devices do (protocols.md §1 "Timing quirks").
class TcpEndpoint final : public EndpointThread {
 public:
  TcpEndpoint(DeviceGateway &gateway, size_t device, int port, bool single_client);
  ~TcpEndpoint() override;
  int port() const { return port_; }
  uint64_t refused_connections() const { return refused_; }

 private:
  void run() override;
  void accept_client();
  bool serve_client(int fd);  // false: close it
  void close_clients();
  DeviceGateway &gateway_;
  size_t device_;
  bool single_client_;
  int port_ = 0;
  int listen_fd_ = -1;
  void *ctx_ = nullptr;  // modbus_t
  std::vector<int> clients_;
  std::atomic<uint64_t> refused_{0};
};

// One RS485 bus: a pty whose slave side is published as a symlink; the devices on it answer to
// their unit ids. Frames with a bad CRC or for other units are ignored, as on a real bus.
class RtuBusEndpoint final : public EndpointThread {
 public:
  struct Member {
    size_t device;
    uint8_t unit;
  };
  RtuBusEndpoint(DeviceGateway &gateway, std::string name, std::string link_path,
                 std::vector<Member> members, int32_t wire_baud = 0);
  ~RtuBusEndpoint() override;
  const std::string &name() const { return name_; }
  const std::string &link_path() const { return link_path_; }
  uint64_t bad_crc_frames() const { return bad_crc_; }

 private:
  void run() override;
  void handle_frames();
  void answer(const Member &member, const uint8_t *frame, size_t length);
  DeviceGateway &gateway_;
  std::string name_, link_path_;
  std::vector<Member> members_;
  int32_t wire_baud_ = 0;  // emulate the line's transfer time at this rate; 0: none
  int master_fd_ = -1, slave_fd_ = -1;
  Bytes pending_;
  std::atomic<uint64_t> bad_crc_{0};
};

}  // namespace hearth::sim
