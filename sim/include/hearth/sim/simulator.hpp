#pragma once
// hearth-sim's core: the house, its devices, the clock that steps the physics (real time,
// accelerated or paused), the endpoints and the fault switches. Thread-safe: one mutex guards the
// house, the devices and the faults; endpoints and the control server call in from their threads.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hearth/sim/ct_channel.hpp"
#include "hearth/sim/devices.hpp"
#include "hearth/sim/endpoints.hpp"
#include "hearth/sim/event_log.hpp"
#include "hearth/sim/house.hpp"

namespace hearth::sim {

class ControlServer;

// Fault switches of one device (an inverter by name, or "meter").
struct DeviceFaults {
  bool link_down =
      false;  // TCP closed and refused, RTU silent; a meter behind an inverter: 37100 = 0
  bool no_answer = false;   // requests are read and ignored
  bool malformed = false;   // replies are malformed (see make_malformed)
  bool crc_broken = false;  // RTU replies carry a wrong CRC
  int32_t delay_ms = 0;     // replies come this late (real time)
};

class Simulator final : public DeviceGateway {
 public:
  explicit Simulator(Scenario scenario);
  ~Simulator() override;
  Simulator(const Simulator &) = delete;
  Simulator &operator=(const Simulator &) = delete;

  // Opens every endpoint and starts the threads; throws std::runtime_error naming the endpoint.
  void start();
  void stop();
  // One JSON object naming every endpoint, printed after "hearth-sim ready ".
  nlohmann::json endpoints() const;

  nlohmann::json status();
  // A control request {"cmd": ..., ...}; never throws: bad requests get {"ok": false, "error"}.
  nlohmann::json command(const nlohmann::json &request);

  bool link_up(size_t device) override;
  ServeDecision serve(size_t device, uint8_t unit, const uint8_t *pdu, size_t length,
                      Transport transport) override;
  void reply_sent(uint64_t event_seq) override;

  // One sample block per configured CT channel, from the live grid point (the meter's phase
  // readings), for the in-process HAL sim.
  std::vector<CtSampleBlock> sample_ct(int64_t start_ns, size_t count, double sample_rate_hz);

  // For in-process tests: run f(House&) under the lock.
  template <typename F>
  auto with_house(F &&f) {
    std::lock_guard lock(mutex_);
    return f(house_);
  }
  const Scenario &scenario() const { return scenario_; }

 private:
  void run_clock();
  void step_locked();  // one physics step, logged
  void advance_locked(int64_t duration_ms);
  void log_request(const ModbusDevice &device, const uint8_t *pdu, size_t length,
                   const Bytes &reply, Transport transport, ServeDecision &decision);
  void notify_endpoints();
  MeterView meter_view_locked() const;
  DeviceFaults &faults_of(const std::string &device);
  nlohmann::json status_locked();
  nlohmann::json inverter_status(const Inverter &inverter) const;
  nlohmann::json set_fault(const nlohmann::json &request, const std::string &cmd);
  nlohmann::json command_locked(const nlohmann::json &request, bool &faults_changed);
  nlohmann::json set_load(const nlohmann::json &request);
  nlohmann::json set_pv(const nlohmann::json &request);
  nlohmann::json set_response_time(const nlohmann::json &request);
  nlohmann::json events_since(const nlohmann::json &request) const;

  Scenario scenario_;
  mutable std::mutex mutex_;
  std::condition_variable clock_changed_;
  House house_;
  std::vector<std::unique_ptr<ModbusDevice>> devices_;
  std::map<std::string, DeviceFaults> faults_;
  std::optional<MeterReading> frozen_meter_;
  std::vector<CtChannel> ct_channels_;
  double speed_;
  bool clock_reanchor_ = true;
  bool stopping_ = false;
  uint64_t requests_served_ = 0, control_errors_ = 0;
  EventLog events_;
  std::vector<std::unique_ptr<TcpEndpoint>> tcp_;
  std::vector<size_t> tcp_device_;
  std::vector<std::unique_ptr<RtuBusEndpoint>> rtu_;
  std::unique_ptr<ControlServer> control_;
  std::thread clock_thread_;
};

}  // namespace hearth::sim
