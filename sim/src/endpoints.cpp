#include "hearth/sim/endpoints.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace hearth::sim {
namespace {

// A silence this long ends an RTU frame (far above 3.5 characters at 9600 baud).
constexpr int kRtuFrameGapMs = 50;

std::runtime_error sys_error(const std::string &what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

void write_all(int fd, const Bytes &bytes, bool socket) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = socket ? ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL)
                             : ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the peer went away; nothing to do for a device
    done += static_cast<size_t>(n);
  }
}

// The rest of a TCP request that has started to arrive (0.5 s, libmodbus's byte timeout).
bool receive_exactly(int fd, uint8_t *out, size_t count) {
  while (count > 0) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 500) <= 0) return false;
    const ssize_t n = ::recv(fd, out, count, 0);
    if (n <= 0) return false;
    out += n;
    count -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

EndpointThread::EndpointThread() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) throw sys_error("eventfd");
}

EndpointThread::~EndpointThread() {
  ::close(wake_fd_);
}

void EndpointThread::start() {
  thread_ = std::thread([this] { run(); });
}

void EndpointThread::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void EndpointThread::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void EndpointThread::drain_wake() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_, &value, sizeof value);
}

bool EndpointThread::pause_ms(int32_t delay_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
  while (!stopping_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    pollfd p{wake_fd_, POLLIN, 0};
    // A wake for a fault change does not cut the delay short; only a stop does. Draining it is
    // safe: the callers look at the link state again after the delay.
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) drain_wake();
  }
  return false;
}

// ---- TCP ----

TcpEndpoint::TcpEndpoint(DeviceGateway &gateway, size_t device, int port, bool single_client)
    : gateway_(gateway), device_(device), single_client_(single_client) {
  auto *ctx = modbus_new_tcp("127.0.0.1", port);
  if (ctx == nullptr) throw sys_error("modbus_new_tcp");
  ctx_ = ctx;
  listen_fd_ = modbus_tcp_listen(ctx, 4);
  if (listen_fd_ < 0)
    throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                             modbus_strerror(errno));
  ::fcntl(listen_fd_, F_SETFD, FD_CLOEXEC);
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

TcpEndpoint::~TcpEndpoint() {
  close_clients();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  modbus_free(static_cast<modbus_t *>(ctx_));
}

void TcpEndpoint::close_clients() {
  for (int fd : clients_) ::close(fd);
  clients_.clear();
}

void TcpEndpoint::accept_client() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  if (!gateway_.link_up(device_) || (single_client_ && !clients_.empty())) {
    ++refused_;
    ::close(fd);
    return;
  }
  clients_.push_back(fd);
}

bool TcpEndpoint::serve_client(int fd) {
  auto *ctx = static_cast<modbus_t *>(ctx_);
  uint8_t adu[MODBUS_TCP_MAX_ADU_LENGTH];
  modbus_set_socket(ctx, fd);
  int length = modbus_receive(ctx, adu);
  if (length < 0) return false;  // closed by the peer or not Modbus: drop the connection
  constexpr int kMbapLength = 7;
  if (length < kMbapLength) return true;
  // libmodbus sizes a request by its function code; for one it does not know (0x2B) the MBAP
  // length tells how much is still to come.
  const int mbap_total = 6 + ((adu[4] << 8) | adu[5]);
  if (mbap_total > length && mbap_total <= MODBUS_TCP_MAX_ADU_LENGTH) {
    if (!receive_exactly(fd, adu + length, static_cast<size_t>(mbap_total - length))) return false;
    length = mbap_total;
  }
  if (length <= kMbapLength) return true;
  const uint16_t transaction_id = static_cast<uint16_t>((adu[0] << 8) | adu[1]);
  const uint8_t unit = adu[6];
  auto decision = gateway_.serve(device_, unit, adu + kMbapLength,
                                 static_cast<size_t>(length - kMbapLength), Transport::kTcp);
  if (!decision.answer) return true;
  if (decision.delay_ms > 0 && !pause_ms(decision.delay_ms)) return false;
  if (!gateway_.link_up(device_)) return false;
  if (decision.malformed) make_malformed(decision.pdu);
  write_all(fd, frame_tcp(transaction_id, unit, decision.pdu), true);
  if (decision.event_seq != 0) gateway_.reply_sent(decision.event_seq);
  return true;
}

void TcpEndpoint::run() {
  while (!stopping()) {
    if (!gateway_.link_up(device_)) close_clients();
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) drain_wake();
    if (stopping()) break;
    std::vector<int> closed;
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents && !serve_client(fds[i].fd)) closed.push_back(fds[i].fd);
    }
    for (int fd : closed) {
      ::close(fd);
      clients_.erase(std::remove(clients_.begin(), clients_.end(), fd), clients_.end());
    }
    if (fds[1].revents & POLLIN) accept_client();
  }
  close_clients();
}

// ---- RTU on a pty ----

RtuBusEndpoint::RtuBusEndpoint(DeviceGateway &gateway, std::string name, std::string link_path,
                               std::vector<Member> members, int32_t wire_baud)
    : gateway_(gateway),
      name_(std::move(name)),
      link_path_(std::move(link_path)),
      members_(std::move(members)),
      wire_baud_(wire_baud) {
  master_fd_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_fd_ < 0 || ::grantpt(master_fd_) != 0 || ::unlockpt(master_fd_) != 0)
    throw sys_error("pty for " + name_);
  char slave_path[128];
  if (::ptsname_r(master_fd_, slave_path, sizeof slave_path) != 0) throw sys_error("ptsname");
  // We hold the slave side open ourselves: the master then never sees a hang-up between clients,
  // so a request is answered as soon as it arrives. Raw mode: without it the line discipline
  // would echo our replies back to us.
  slave_fd_ = ::open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_fd_ < 0) throw sys_error(std::string("open ") + slave_path);
  termios tio{};
  ::tcgetattr(slave_fd_, &tio);
  ::cfmakeraw(&tio);
  ::cfsetspeed(&tio, B9600);
  ::tcsetattr(slave_fd_, TCSANOW, &tio);
  namespace fs = std::filesystem;
  const fs::path link(link_path_);
  fs::create_directories(link.parent_path());
  if (fs::is_symlink(link)) {
    fs::remove(link);
  } else if (fs::exists(link)) {
    throw std::runtime_error(link_path_ + " exists and is not a symlink; not replacing it");
  }
  fs::create_symlink(slave_path, link);
}

RtuBusEndpoint::~RtuBusEndpoint() {
  std::error_code ignored;
  std::filesystem::remove(link_path_, ignored);
  if (slave_fd_ >= 0) ::close(slave_fd_);
  if (master_fd_ >= 0) ::close(master_fd_);
}

void RtuBusEndpoint::answer(const Member &member, const uint8_t *frame, size_t length) {
  auto decision = gateway_.serve(member.device, frame[0], frame + 1, length - 3, Transport::kRtu);
  if (!decision.answer || frame[0] == 0) return;  // broadcasts get no answer
  if (decision.delay_ms > 0 && !pause_ms(decision.delay_ms)) return;
  if (decision.malformed) make_malformed(decision.pdu);
  auto out = frame_rtu(frame[0], decision.pdu);
  if (decision.crc_broken) break_crc(out);
  if (wire_baud_ > 0) {
    // The request arrived at once over the pty; on a wire it and the answer would each take
    // bytes × 10 bits (8N1) plus a 3.5-character gap.
    const double bits = (length + out.size() + 7.0) * 10.0;
    if (!pause_ms(static_cast<int32_t>(std::ceil(bits * 1000.0 / wire_baud_)))) return;
  }
  // Replies nobody read (a client that gave up on a late answer and left) would otherwise wait
  // in the pty for the next client; a new request makes any older reply stale, so drop them.
  ::tcflush(slave_fd_, TCIFLUSH);
  write_all(master_fd_, out, false);
  if (decision.event_seq != 0) gateway_.reply_sent(decision.event_seq);
}

void RtuBusEndpoint::handle_frames() {
  while (!pending_.empty()) {
    const size_t need = rtu_request_length(pending_.data(), pending_.size());
    if (need == 0 || (need != kUnknownFunction && pending_.size() < need)) return;
    if (need == kUnknownFunction || need > MODBUS_RTU_MAX_ADU_LENGTH ||
        !rtu_crc_ok(pending_.data(), need)) {
      if (need != kUnknownFunction) ++bad_crc_;
      pending_.erase(pending_.begin());  // resynchronise byte by byte
      continue;
    }
    const uint8_t unit = pending_[0];
    for (const auto &member : members_)
      if (unit == 0 || member.unit == unit) answer(member, pending_.data(), need);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(need));
  }
}

void RtuBusEndpoint::run() {
  while (!stopping()) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {master_fd_, POLLIN, 0}};
    const int timeout_ms = pending_.empty() ? -1 : kRtuFrameGapMs;
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents) drain_wake();
    if (ready == 0) pending_.clear();  // silence ends a partial frame
    if (fds[1].revents & POLLIN) {
      uint8_t buffer[512];
      const ssize_t n = ::read(master_fd_, buffer, sizeof buffer);
      if (n > 0) {
        pending_.insert(pending_.end(), buffer, buffer + n);
        handle_frames();
        continue;
      }
    }
    if (fds[1].revents & (POLLHUP | POLLERR)) break;  // cannot happen while we hold the slave
  }
}

}  // namespace hearth::sim
