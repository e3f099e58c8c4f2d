#include "hearth/host/failsafe_store.hpp"

#include "hearth/host/link_settings.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace hearth::host {

namespace {

using nlohmann::json;

bool writes_coils(int32_t function) {
  return function == HEARTH_MODBUS_WRITE_SINGLE_COIL ||
         function == HEARTH_MODBUS_WRITE_MULTIPLE_COILS;
}

json request_to_json(const hearth_modbus_request &request) {
  const uint32_t count = writes_coils(request.function) ||
                                 request.function == HEARTH_MODBUS_WRITE_SINGLE_REGISTER
                             ? std::max<uint32_t>(request.count, 1)
                             : request.count;
  return {{"function", request.function},
          {"unit", request.unit},
          {"address", request.address},
          {"values", std::vector<uint16_t>(request.values, request.values + count)}};
}

hearth_modbus_request request_from_json(const json &in) {
  hearth_modbus_request request{};
  request.struct_size = sizeof request;
  request.priority = HEARTH_PRIO_SAFETY;
  request.function = in.at("function");
  request.unit = in.at("unit");
  request.address = in.at("address");
  const auto values = in.at("values").get<std::vector<uint16_t>>();
  if (values.size() > HEARTH_MODBUS_VALUES_MAX) throw std::runtime_error("too many values");
  request.count = static_cast<uint32_t>(values.size());
  std::copy(values.begin(), values.end(), request.values);
  return request;
}

void write_file_durably(const std::filesystem::path &file, const std::string &text) {
  std::filesystem::create_directories(file.parent_path());
  const auto temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error(temporary + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) throw std::runtime_error(temporary + ": write failed");
  std::filesystem::rename(temporary, file);
}

}  // namespace

bool is_failsafe_write(const hearth_modbus_request &request) {
  switch (request.function) {
    case HEARTH_MODBUS_WRITE_SINGLE_COIL:
    case HEARTH_MODBUS_WRITE_SINGLE_REGISTER:
      return true;
    case HEARTH_MODBUS_WRITE_MULTIPLE_COILS:
    case HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS:
      return request.count >= 1 && request.count <= HEARTH_MODBUS_VALUES_MAX;
    default:
      return false;
  }
}

std::map<std::string, FailsafeEntry> FailsafeStore::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

void FailsafeStore::update(const std::string &device, const links::LinkSettings &link,
                           std::vector<hearth_modbus_request> writes) {
  std::lock_guard lock(mutex_);
  entries_[device] = FailsafeEntry{device, link, std::move(writes)};
}

void FailsafeStore::replace(const std::string &device, const links::LinkSettings &link,
                            std::vector<hearth_modbus_request> writes) {
  update(device, link, std::move(writes));
  persist();
}

void FailsafeStore::remove(const std::string &device) {
  {
    std::lock_guard lock(mutex_);
    if (entries_.erase(device) == 0) return;
  }
  persist();
}

void FailsafeStore::persist() const {
  std::lock_guard file_lock(file_mutex_);
  json devices = json::array();
  for (const auto &[name, entry] : entries()) {
    json writes = json::array();
    for (const auto &request : entry.writes) writes.push_back(request_to_json(request));
    devices.push_back({{"device", name}, {"link", to_json(entry.link)}, {"writes", writes}});
  }
  write_file_durably(file_, json{{"version", 1}, {"devices", devices}}.dump(1));
}

std::map<std::string, FailsafeEntry> FailsafeStore::read(const std::filesystem::path &file) {
  std::map<std::string, FailsafeEntry> entries;
  std::ifstream in(file);
  if (!in) return entries;
  try {
    const auto document = json::parse(in);
    for (const auto &device : document.at("devices")) {
      FailsafeEntry entry{device.at("device"), link_settings_from_json(device.at("link")), {}};
      for (const auto &write : device.at("writes")) {
        entry.writes.push_back(request_from_json(write));
      }
      entries[entry.device] = std::move(entry);
    }
  } catch (const std::exception &error) {
    throw std::runtime_error(file.string() + ": unreadable fail-safe file: " + error.what());
  }
  return entries;
}

std::vector<ReplayOutcome> replay_failsafe(
    const std::map<std::string, FailsafeEntry> &entries,
    const std::function<links::ModbusLink &(const links::LinkSettings &)> &link_for) {
  std::vector<ReplayOutcome> outcomes;
  for (const auto &[device, entry] : entries) {
    auto &link = link_for(entry.link);
    for (const auto &write : entry.writes) {
      const auto result = link.execute_now(write);
      outcomes.push_back({device, entry.link.name, write.address, result.status});
    }
  }
  return outcomes;
}

}  // namespace hearth::host
