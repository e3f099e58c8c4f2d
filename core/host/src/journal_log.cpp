#include "hearth/host/journal_log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace hearth::host {

namespace {

thread_local LogSource current_source;

// spdlog's levels as syslog priorities (sd-journal's PRIORITY field).
int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;  // LOG_CRIT
    case spdlog::level::err:
      return 3;  // LOG_ERR
    case spdlog::level::warn:
      return 4;  // LOG_WARNING
    case spdlog::level::info:
      return 6;  // LOG_INFO
    default:
      return 7;  // LOG_DEBUG (trace, debug)
  }
}

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg &msg) override {
    const auto fields = journal_fields(
        msg.level, std::string_view(msg.payload.data(), msg.payload.size()), current_source);
    std::vector<iovec> parts;
    parts.reserve(fields.size());
    for (const auto &field : fields) {
      parts.push_back({const_cast<char *>(field.data()), field.size()});
    }
    // A line the journal does not take is lost; there is nowhere better to report it.
    (void)sd_journal_sendv(parts.data(), static_cast<int>(parts.size()));
  }
  void flush_() override {}
};

}  // namespace

ScopedLogSource::ScopedLogSource(LogSource source) : previous_(current_source) {
  current_source = source;
}

ScopedLogSource::~ScopedLogSource() {
  current_source = previous_;
}

std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view message,
                                        const LogSource &source, std::string_view identifier) {
  std::vector<std::string> fields{
      "MESSAGE=" + std::string(message),
      "PRIORITY=" + std::to_string(syslog_priority(level)),
      "SYSLOG_IDENTIFIER=" + std::string(identifier),
  };
  if (!source.device.empty()) fields.push_back("HEARTH_DEVICE=" + std::string(source.device));
  if (!source.plugin.empty()) fields.push_back("HEARTH_PLUGIN=" + std::string(source.plugin));
  return fields;
}

bool stderr_is_journal() {
  const char *stream = std::getenv("JOURNAL_STREAM");
  uintmax_t device = 0;
  uintmax_t inode = 0;
  if (stream == nullptr || std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &device, &inode) != 2) {
    return false;
  }
  struct stat info {};
  return ::fstat(STDERR_FILENO, &info) == 0 && info.st_dev == device && info.st_ino == inode;
}

void set_up_logging() {
  spdlog::sink_ptr sink;
  if (stderr_is_journal()) {
    sink = std::make_shared<JournalSink>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  // The default logger's name is empty, so lines carry no "[name]".
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", std::move(sink)));
}

}  // namespace hearth::host
