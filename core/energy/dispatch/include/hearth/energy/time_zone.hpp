#pragma once
// The site's time zone from the OS tz database (/usr/share/zoneinfo, TZif files per RFC 8536).
// GCC 12's libstdc++ has no std::chrono::tzdb, and TZ=... with localtime_r is process-global;
// this reader is small, thread-safe once built, and needs no package beyond tzdata.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hearth/energy/local_time.hpp"

namespace hearth::energy {

// A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), which TZif footers use for times after the
// file's last transition (Debian's tzdata is built "slim": Europe/Berlin stops in 1996).
struct PosixTzRule {
  struct Change {
    int month = 0;                // 1..12
    int week = 0;                 // 1..5 (5: the last)
    int weekday = 0;              // 0 Sunday
    int32_t local_time_s = 7200;  // in the time in force before the change; may be < 0 or > 24 h
  };
  int32_t std_offset_s = 0;  // east of UTC
  std::optional<int32_t> dst_offset_s;
  Change dst_start;
  Change dst_end;

  static std::optional<PosixTzRule> parse(const std::string &text);
  int32_t utc_offset_s(int64_t utc_s) const;
};

class TimeZone {
 public:
  static TimeZone utc();
  // Reads `<zoneinfo_dir>/<name>`. Throws std::runtime_error naming the zone and the reason.
  static TimeZone load(const std::string &name,
                       const std::string &zoneinfo_dir = "/usr/share/zoneinfo");

  const std::string &name() const { return name_; }
  int32_t utc_offset_s(int64_t utc_s) const;
  LocalTime to_local(int64_t utc_s) const;
  // Local wall time → UTC. A time that does not exist (the spring-forward gap) is moved forward
  // by the gap (02:30 → 03:30); a time that occurs twice (fall back) gives the first instant.
  int64_t to_utc(int64_t local_s) const;

 private:
  std::string name_ = "UTC";
  std::vector<int64_t> transitions_s_;
  std::vector<int32_t> offsets_after_s_;
  int32_t initial_offset_s_ = 0;
  std::optional<PosixTzRule> rule_;
};

}  // namespace hearth::energy
