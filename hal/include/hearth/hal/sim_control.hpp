#pragma once
// A local control interface for the sim backend, so another process (hearth-sim, a test, a
// shell with socat) can script the board of a running hearthd: a Unix socket speaking JSON
// lines, one request per line, one reply per line.
//
//   {"cmd":"state"}                                   -> {"ok":true,"leds":{"run":true,...},
//                                                         "di":{"DI1":false,...},"do":{...},"button":false}
//   {"cmd":"di","name":"DI1","level":true[,"at_mono_ns":N]}
//   {"cmd":"button","pressed":true[,"at_mono_ns":N]}
//   {"cmd":"led_history","name":"alarm"}              -> {"ok":true,"edges":[[level,mono_ns],...]}
//   {"cmd":"ct","channel":0,"sample_rate_hz":4000,"first_sample_mono_ns":N,
//    "voltage_v":[...],"current_a":[...][,"current_skew_s":S]}
//   {"cmd":"ct_waveform","channel":0,"count":400,"sample_rate_hz":4000[,"first_sample_mono_ns":N]
//    [,"voltage_rms_v":230,"current_rms_a":10,"current_phase_deg":0,"frequency_hz":50,
//      "voltage_phase_deg":0,"voltage_gain_error":0,"current_gain_error":0,"sampling_skew_s":0]}
// Times default to the HAL clock's now. Errors: {"ok":false,"error":"..."}.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace hearth::hal {

class SimHal;
class EventFd;

// One request line in, one reply line out (without the newline). Never throws.
std::string handle_sim_control_request(SimHal &hal, std::string_view request_line);

class SimControlServer {
 public:
  // Binds and listens (replacing a stale socket file), then serves on its own thread. Throws
  // std::system_error naming the path when the socket cannot be made.
  SimControlServer(SimHal &hal, std::string socket_path);
  // Stops the thread, closes the clients and removes the socket file.
  ~SimControlServer();
  SimControlServer(const SimControlServer &) = delete;
  SimControlServer &operator=(const SimControlServer &) = delete;

  const std::string &path() const { return path_; }
  uint64_t requests_served() const { return requests_.load(); }

 private:
  void run();

  SimHal &hal_;
  std::string path_;
  int listen_fd_ = -1;
  std::unique_ptr<EventFd> stop_;
  std::atomic<uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace hearth::hal
