#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <hearth/testing/modbus_peer.hpp>
#include <sstream>
#include <stdexcept>

namespace hearth::testing {
namespace {

// Python's start-up and pymodbus' imports take a second or two on a loaded machine.
constexpr std::chrono::milliseconds kReadyTimeout{20'000};

std::vector<uint16_t> parse_values(const std::string &text) {
  std::vector<uint16_t> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) values.push_back(static_cast<uint16_t>(std::stoul(item)));
  }
  return values;
}

bool starts_with(const std::string &line, std::string_view prefix) {
  return line.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::string peers_directory() {
  return HEARTH_PEERS_DIR;
}

PtyPair::PtyPair() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hearth-pty-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  link_end_ = directory_ + "/link";
  device_end_ = directory_ + "/device";
  // socat -d -d reports on stderr when both ptys exist and data flows.
  socat_ = std::make_unique<PeerProcess>(
      std::vector<std::string>{"/usr/bin/socat", "-d", "-d", "pty,raw,echo=0,link=" + link_end_,
                               "pty,raw,echo=0,link=" + device_end_},
      CapturedStream::kStderr);
  if (!socat_->wait_for_line("starting data transfer loop", kReadyTimeout)) {
    throw std::runtime_error("socat did not start: " + socat_->command_line());
  }
}

PtyPair::~PtyPair() {
  socat_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

ModbusPeer::ModbusPeer(std::vector<std::string> arguments)
    : process_([&] {
        std::vector<std::string> argv{"/usr/bin/python3", peers_directory() + "/modbus_server.py"};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return argv;
      }()) {
  const auto ready = process_.wait_for_line("ready ", kReadyTimeout);
  if (!ready) throw std::runtime_error("Modbus peer not ready: " + process_.command_line());
  const std::string port = field(*ready, "port");
  if (!port.empty()) tcp_port_ = std::stoi(port);
}

std::unique_ptr<ModbusPeer> ModbusPeer::tcp(std::vector<std::string> options, int port) {
  options.insert(options.begin(), {"tcp", "--port", std::to_string(port)});
  return std::make_unique<ModbusPeer>(std::move(options));
}

std::unique_ptr<ModbusPeer> ModbusPeer::rtu(const std::string &device,
                                            std::vector<std::string> options) {
  options.insert(options.begin(), {"rtu", "--device", device});
  return std::make_unique<ModbusPeer>(std::move(options));
}

std::vector<PeerRequest> ModbusPeer::requests() const {
  std::vector<PeerRequest> requests;
  for (const auto &line : process_.lines()) {
    if (!starts_with(line, "request ")) continue;
    PeerRequest request;
    request.received_ns = std::stoll(field(line, "t_ns"));
    request.unit = std::stoi(field(line, "unit"));
    request.function = std::stoi(field(line, "function"));
    request.address = static_cast<uint32_t>(std::stoul(field(line, "address")));
    request.count = static_cast<uint32_t>(std::stoul(field(line, "count")));
    request.values = parse_values(field(line, "values"));
    requests.push_back(std::move(request));
  }
  return requests;
}

std::vector<PeerAnswer> ModbusPeer::answers() const {
  std::vector<PeerAnswer> answers;
  for (const auto &line : process_.lines()) {
    if (!starts_with(line, "answer ")) continue;
    answers.push_back({std::stoll(field(line, "t_ns")), std::stoi(field(line, "unit")),
                       std::stoi(field(line, "function"))});
  }
  return answers;
}

int ModbusPeer::connections() const {
  int count = 0;
  for (const auto &line : process_.lines()) count += starts_with(line, "connection ") ? 1 : 0;
  return count;
}

bool ModbusPeer::wait_for_requests(size_t count, std::chrono::milliseconds timeout) {
  return wait_for_lines("request ", count, timeout);
}

bool ModbusPeer::wait_for_answers(size_t count, std::chrono::milliseconds timeout) {
  return wait_for_lines("answer ", count, timeout);
}

bool ModbusPeer::wait_for_lines(std::string_view prefix, size_t count,
                                std::chrono::milliseconds timeout) {
  return process_.wait_until(
      [&](const std::vector<std::string> &lines) {
        size_t seen = 0;
        for (const auto &line : lines) seen += starts_with(line, prefix) ? 1 : 0;
        return seen >= count;
      },
      timeout);
}

}  // namespace hearth::testing
