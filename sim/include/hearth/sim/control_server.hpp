#pragma once
// The local control interface: a Unix socket speaking JSON lines, one request per line, one reply
// per line (commands: sim/README.md).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hearth/sim/endpoints.hpp"

namespace hearth::sim {

class ControlServer final : public EndpointThread {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json &)>;
  ControlServer(std::string socket_path, Handler handler);
  ~ControlServer() override;
  const std::string &path() const { return path_; }

 private:
  struct Client {
    int fd;
    std::string buffer;
  };
  void run() override;
  bool serve(Client &client);  // false: close it
  std::string path_;
  Handler handler_;
  int listen_fd_ = -1;
  std::vector<Client> clients_;
};

// Client side, for `hearth-sim ctl` and the tests: sends one request, returns the reply.
// Throws std::runtime_error when the socket cannot be reached or times out.
nlohmann::json control_request(const std::string &socket_path, const nlohmann::json &request,
                               int timeout_ms = 5000);

}  // namespace hearth::sim
