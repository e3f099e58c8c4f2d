#include "hearth/sim/control_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace hearth::sim {
namespace {

constexpr size_t kMaxLineBytes = 64 * 1024;

sockaddr_un unix_address(const std::string &path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    throw std::runtime_error("control socket path too long: " + path);
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return addr;
}

bool send_line(int fd, const std::string &line) {
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ControlServer::ControlServer(std::string socket_path, Handler handler)
    : path_(std::move(socket_path)), handler_(std::move(handler)) {
  const auto addr = unix_address(path_);
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    throw std::runtime_error("control socket: " + std::string(std::strerror(errno)));
  if (std::filesystem::is_socket(path_)) std::filesystem::remove(path_);  // a stale one
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0)
    throw std::runtime_error("control socket " + path_ + ": " + std::strerror(errno));
}

ControlServer::~ControlServer() {
  for (auto &client : clients_) ::close(client.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

bool ControlServer::serve(Client &client) {
  char buffer[4096];
  const ssize_t n = ::recv(client.fd, buffer, sizeof buffer, 0);
  if (n <= 0) return false;
  client.buffer.append(buffer, static_cast<size_t>(n));
  for (auto eol = client.buffer.find('\n'); eol != std::string::npos;
       eol = client.buffer.find('\n')) {
    const std::string line = client.buffer.substr(0, eol);
    client.buffer.erase(0, eol + 1);
    nlohmann::json reply;
    try {
      reply = handler_(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception &e) {
      reply = {{"ok", false}, {"error", std::string("bad JSON: ") + e.what()}};
    }
    if (!send_line(client.fd, reply.dump() + "\n")) return false;
  }
  return client.buffer.size() <= kMaxLineBytes;
}

void ControlServer::run() {
  while (!stopping()) {
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto &client : clients_) fds.push_back({client.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) drain_wake();
    if (stopping()) break;
    for (size_t i = fds.size(); i-- > 2;) {
      if (fds[i].revents && !serve(clients_[i - 2])) {
        ::close(clients_[i - 2].fd);
        clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i - 2));
      }
    }
    if (fds[1].revents & POLLIN) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) clients_.push_back({fd, {}});
    }
  }
}

nlohmann::json control_request(const std::string &socket_path, const nlohmann::json &request,
                               int timeout_ms) {
  const auto addr = unix_address(socket_path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot reach " + socket_path + ": " + std::strerror(errno));
  if (!send_line(fd, request.dump() + "\n")) throw std::runtime_error("send to " + socket_path);
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (reply.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      throw std::runtime_error("no reply from " + socket_path);
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) throw std::runtime_error("connection closed by " + socket_path);
    reply.append(buffer, static_cast<size_t>(n));
  }
  return nlohmann::json::parse(reply.substr(0, reply.find('\n')));
}

}  // namespace hearth::sim
