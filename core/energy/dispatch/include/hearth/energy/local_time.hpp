#pragma once
// Civil calendar arithmetic on seconds since 1970 (proleptic Gregorian, no time zone).
#include <cstdint>

namespace hearth::energy {

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

int64_t days_from_civil(const CivilDate &date);
CivilDate civil_from_days(int64_t days);
int weekday_from_days(int64_t days);  // 0 Sunday … 6 Saturday

// A wall-clock reading in some zone: `local_s` counts local seconds as if the zone were UTC.
struct LocalTime {
  int64_t local_s = 0;
  int32_t utc_offset_s = 0;

  int64_t days() const;       // days since 1970-01-01 (local)
  int minute_of_day() const;  // 0..1439
  int weekday() const;        // 0 Sunday … 6 Saturday
  CivilDate date() const;
};

}  // namespace hearth::energy
