#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <hearth/hal/ct_waveform.hpp>
#include <hearth/hal/sim.hpp>
#include <hearth/hal/sim_control.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "../event_fd.hpp"

namespace hearth::hal {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRequestBytes = 1 << 20;  // a CT block of some 30 000 samples

int64_t time_of(const SimHal &hal, const json &request, const char *key) {
  return request.contains(key) ? request.at(key).get<int64_t>() : hal.clock().mono_ns();
}

json state(SimHal &hal) {
  json leds = json::object(), inputs = json::object(), outputs = json::object();
  for (LedId id : {LedId::kRun, LedId::kAlarm, LedId::kComm}) {
    leds[to_string(id)] = hal.led(id).level();
  }
  for (const auto &input : hal.digital_inputs()) inputs[input->name()] = input->level();
  for (const auto &output : hal.digital_outputs()) outputs[output->name()] = output->level();
  return {{"ok", true},
          {"leds", leds},
          {"di", inputs},
          {"do", outputs},
          {"button", hal.button().level()}};
}

LedId led_named(const std::string &name) {
  for (LedId id : {LedId::kRun, LedId::kAlarm, LedId::kComm}) {
    if (name == to_string(id)) return id;
  }
  throw std::invalid_argument("no LED '" + name + "' (run, alarm, comm)");
}

json led_history(SimHal &hal, const json &request) {
  json edges = json::array();
  for (const auto &edge : hal.sim_led(led_named(request.at("name").get<std::string>())).history()) {
    edges.push_back({edge.level, edge.mono_ns});
  }
  return {{"ok", true}, {"edges", edges}};
}

json inject_block(SimHal &hal, const json &request) {
  CtBlock block;
  block.channel = request.at("channel").get<uint32_t>();
  block.sample_rate_hz = request.at("sample_rate_hz").get<double>();
  block.first_sample_mono_ns = time_of(hal, request, "first_sample_mono_ns");
  block.current_skew_s = request.value("current_skew_s", 0.0);
  block.voltage_v = request.at("voltage_v").get<std::vector<float>>();
  block.current_a = request.at("current_a").get<std::vector<float>>();
  hal.sim_ct().inject(std::move(block));
  return {{"ok", true}};
}

json inject_waveform(SimHal &hal, const json &request) {
  CtWaveform w;
  w.frequency_hz = request.value("frequency_hz", w.frequency_hz);
  w.voltage_rms_v = request.value("voltage_rms_v", w.voltage_rms_v);
  w.current_rms_a = request.value("current_rms_a", w.current_rms_a);
  w.current_phase_deg = request.value("current_phase_deg", w.current_phase_deg);
  w.voltage_phase_deg = request.value("voltage_phase_deg", w.voltage_phase_deg);
  w.voltage_gain_error = request.value("voltage_gain_error", w.voltage_gain_error);
  w.current_gain_error = request.value("current_gain_error", w.current_gain_error);
  w.sampling_skew_s = request.value("sampling_skew_s", w.sampling_skew_s);
  w.report_skew = request.value("report_skew", w.report_skew);
  hal.sim_ct().inject(generate_ct_block(
      request.at("channel").get<uint32_t>(), w, time_of(hal, request, "first_sample_mono_ns"),
      request.at("sample_rate_hz").get<double>(), request.at("count").get<uint32_t>()));
  return {{"ok", true}};
}

json dispatch(SimHal &hal, const json &request) {
  const auto cmd = request.at("cmd").get<std::string>();
  if (cmd == "state") return state(hal);
  if (cmd == "di") {
    hal.sim_input(request.at("name").get<std::string>())
        .set_level(request.at("level").get<bool>(), time_of(hal, request, "at_mono_ns"));
    return {{"ok", true}};
  }
  if (cmd == "button") {
    hal.sim_button().set_level(request.at("pressed").get<bool>(),
                               time_of(hal, request, "at_mono_ns"));
    return {{"ok", true}};
  }
  if (cmd == "led_history") return led_history(hal, request);
  if (cmd == "ct") return inject_block(hal, request);
  if (cmd == "ct_waveform") return inject_waveform(hal, request);
  throw std::invalid_argument("unknown cmd '" + cmd +
                              "' (state, di, button, led_history, ct, ct_waveform)");
}

[[noreturn]] void socket_failure(const std::string &path, const char *what) {
  throw std::system_error(errno, std::generic_category(),
                          "sim hal control socket " + path + ": " + what);
}

struct Client {
  int fd;
  std::string buffer;
};

// Reads what is there, answers every complete line; false when the client is gone or abusive.
bool serve(SimHal &hal, Client &client, std::atomic<uint64_t> &requests) {
  char chunk[4096];
  const ssize_t got = ::recv(client.fd, chunk, sizeof chunk, 0);
  if (got <= 0) return got < 0 && (errno == EAGAIN || errno == EINTR);
  client.buffer.append(chunk, static_cast<std::size_t>(got));
  std::size_t newline;
  while ((newline = client.buffer.find('\n')) != std::string::npos) {
    const std::string reply =
        handle_sim_control_request(hal, std::string_view(client.buffer).substr(0, newline)) + "\n";
    client.buffer.erase(0, newline + 1);
    ++requests;
    if (::send(client.fd, reply.data(), reply.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(reply.size())) {
      return false;
    }
  }
  return client.buffer.size() <= kMaxRequestBytes;
}

}  // namespace

std::string handle_sim_control_request(SimHal &hal, std::string_view request_line) {
  try {
    const json request = json::parse(request_line);
    if (!request.is_object()) throw std::invalid_argument("a request is a JSON object");
    return dispatch(hal, request).dump();
  } catch (const std::exception &error) {
    return json{{"ok", false}, {"error", error.what()}}.dump();
  }
}

SimControlServer::SimControlServer(SimHal &hal, std::string socket_path)
    : hal_(hal), path_(std::move(socket_path)), stop_(std::make_unique<EventFd>()) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    socket_failure(path_, "path too long");
  }
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) socket_failure(path_, "socket");
  ::unlink(path_.c_str());  // a stale file from an earlier run
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    errno = error;
    socket_failure(path_, "bind/listen");
  }
  thread_ = std::thread([this] { run(); });
}

SimControlServer::~SimControlServer() {
  stop_->signal();
  thread_.join();
  ::close(listen_fd_);
  ::unlink(path_.c_str());
}

void SimControlServer::run() {
  std::vector<Client> clients;
  for (;;) {
    std::vector<pollfd> fds{{stop_->fd(), POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto &client : clients) fds.push_back({client.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    // Clients first: their indices match `fds` only until a new one is accepted.
    for (std::size_t i = clients.size(); i-- > 0;) {
      if (!fds[2 + i].revents) continue;
      if (!serve(hal_, clients[i], requests_)) {
        ::close(clients[i].fd);
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (fds[1].revents & POLLIN) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) clients.push_back({fd, {}});
    }
  }
  for (const auto &client : clients) ::close(client.fd);
}

}  // namespace hearth::hal
