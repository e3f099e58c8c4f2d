#pragma once
// Log lines to the systemd journal with Hearth's own fields (issue 8): a line a plugin logs for
// one of its devices carries HEARTH_DEVICE=<device id> and HEARTH_PLUGIN=<plugin id>, so
// `journalctl -u hearthd HEARTH_DEVICE=inverter-1` shows one device's lines. hearthd writes to
// the journal only when systemd connected its stderr to it (JOURNAL_STREAM, systemd.exec(5));
// anywhere else its lines go to stderr as plain text.
#include <spdlog/common.h>

#include <string>
#include <string_view>
#include <vector>

namespace hearth::host {

// Who a log line is about; an empty field is not sent.
struct LogSource {
  std::string_view device;
  std::string_view plugin;
};

// The source of the lines logged on this thread while the scope lasts (spdlog's sinks run in the
// logging thread, so the journal sink reads it there). The views must outlive the scope.
class ScopedLogSource {
 public:
  explicit ScopedLogSource(LogSource source);
  ~ScopedLogSource();
  ScopedLogSource(const ScopedLogSource &) = delete;
  ScopedLogSource &operator=(const ScopedLogSource &) = delete;

 private:
  LogSource previous_;
};

// The journal fields of one line, each "NAME=value": MESSAGE, PRIORITY (syslog level),
// SYSLOG_IDENTIFIER, then HEARTH_DEVICE and HEARTH_PLUGIN when the source names them.
std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view message,
                                        const LogSource &source,
                                        std::string_view identifier = "hearthd");

// True when JOURNAL_STREAM names the device and inode of this process's stderr: systemd set
// it up, and the journal (not a terminal or a file someone redirected to) reads stderr.
bool stderr_is_journal();

// hearthd's logging: to the journal with journal_fields() (through sd_journal_sendv()) when
// stderr_is_journal(), else as text to stderr (stdout stays for the output of --describe,
// --list-plugins and --check).
void set_up_logging();

}  // namespace hearth::host
