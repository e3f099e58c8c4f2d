#pragma once
// The safe-state writes each device registered (failsafe_register), kept on disk so that
// `hearthd --failsafe` can replay them with no plugin loaded, after any stop or crash.
//
// Stored as one small JSON file replaced atomically (write, fsync, rename): the replay path must
// work when everything else is broken, so it depends on nothing but the file system.
#include <hearth/links/modbus_link.hpp>
#include <hearth/plugin.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::host {

struct FailsafeEntry {
  std::string device;
  links::LinkSettings link;
  std::vector<hearth_modbus_request> writes;
};

class FailsafeStore {
 public:
  // Starts from what the file holds, so a device that fails to start keeps its last set.
  explicit FailsafeStore(std::filesystem::path file) : file_(std::move(file)), entries_(read(file_)) {}

  // Replaces the device's writes and persists the whole set. Throws on I/O errors.
  void replace(const std::string &device, const links::LinkSettings &link,
               std::vector<hearth_modbus_request> writes);
  // Replaces the device's writes in memory only (the watchdog sees them at once); persist()
  // writes the file, e.g. on a worker thread.
  void update(const std::string &device, const links::LinkSettings &link,
              std::vector<hearth_modbus_request> writes);
  // Writes the current set (any thread; persists are serialised). Throws on I/O errors.
  void persist() const;
  void remove(const std::string &device);
  // A copy: the watchdog thread reads it while the core thread may replace entries.
  std::map<std::string, FailsafeEntry> entries() const;
  const std::filesystem::path &file() const { return file_; }

  // Reads the file; a missing file is an empty set, a corrupt one throws with the reason.
  static std::map<std::string, FailsafeEntry> read(const std::filesystem::path &file);

 private:
  std::filesystem::path file_;
  mutable std::mutex mutex_;
  mutable std::mutex file_mutex_;  // one writer of the file at a time
  std::map<std::string, FailsafeEntry> entries_;
};

// Whether a request is a write the fail-safe path may replay (functions 5, 6, 15, 16).
bool is_failsafe_write(const hearth_modbus_request &request);

struct ReplayOutcome {
  std::string device;
  std::string link;
  uint32_t address = 0;
  int32_t status = HEARTH_OK;
};

// Executes every write, device by device, on the link that `link_for` returns (a running link,
// or a fresh one opened for the replay). Continues past failures; returns one outcome per write.
std::vector<ReplayOutcome> replay_failsafe(
    const std::map<std::string, FailsafeEntry> &entries,
    const std::function<links::ModbusLink &(const links::LinkSettings &)> &link_for);

}  // namespace hearth::host
