// The TZif reader against glibc's own reading of the same files, and the DST edges by hand.
#include "hearth/energy/time_zone.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace hearth::energy {
namespace {

// 2026 in Europe/Berlin: CET → CEST on 29 March at 01:00 UTC, back on 25 October at 01:00 UTC.
constexpr int64_t kSpringForwardUtcS = 1'774'746'000;
constexpr int64_t kFallBackUtcS = 1'792'890'000;

int64_t local_s(int year, int month, int day, int hour, int minute) {
  return days_from_civil({year, month, day}) * 86400 + hour * 3600 + minute * 60;
}

// glibc's offset for a zone, as the oracle (the test process is single-threaded here).
long glibc_offset_s(const char *zone, int64_t utc_s) {
  setenv("TZ", zone, 1);
  tzset();
  const time_t time = static_cast<time_t>(utc_s);
  std::tm local{};
  localtime_r(&time, &local);
  return local.tm_gmtoff;
}

TEST(TimeZone, AgreesWithGlibcOverSeventyYears) {
  for (const char *name : {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
                           "America/Sao_Paulo", "Europe/London"}) {
    const TimeZone zone = TimeZone::load(name);
    int mismatches = 0;
    // Every 5 h 7 min from 1972 to 2045 walks over all hours of the day and every transition's
    // neighbourhood in turn.
    for (int64_t utc_s = 63'072'000; utc_s < 2'366'841'600 && mismatches < 5; utc_s += 18'420) {
      const long expected = glibc_offset_s(name, utc_s);
      if (zone.utc_offset_s(utc_s) != expected) {
        ++mismatches;
        ADD_FAILURE() << name << " at " << utc_s << ": " << zone.utc_offset_s(utc_s) << " vs "
                      << expected;
      }
    }
  }
  unsetenv("TZ");
  tzset();
}

TEST(TimeZone, BerlinSpringForwardAndFallBackToTheSecond) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  EXPECT_EQ(berlin.utc_offset_s(kSpringForwardUtcS - 1), 3600);
  EXPECT_EQ(berlin.utc_offset_s(kSpringForwardUtcS), 7200);
  EXPECT_EQ(berlin.utc_offset_s(kFallBackUtcS - 1), 7200);
  EXPECT_EQ(berlin.utc_offset_s(kFallBackUtcS), 3600);
  // The local clock: 01:59:59 CET, then 03:00:00 CEST.
  EXPECT_EQ(berlin.to_local(kSpringForwardUtcS - 1).minute_of_day(), 1 * 60 + 59);
  EXPECT_EQ(berlin.to_local(kSpringForwardUtcS).minute_of_day(), 3 * 60);
}

TEST(TimeZone, LocalToUtcMovesGapTimesForwardAndTakesTheFirstOfRepeatedOnes) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  // 02:30 does not exist on 29 March 2026: it is read as 03:30 CEST = 01:30 UTC.
  EXPECT_EQ(berlin.to_utc(local_s(2026, 3, 29, 2, 30)), kSpringForwardUtcS + 1800);
  EXPECT_EQ(berlin.to_utc(local_s(2026, 3, 29, 3, 0)), kSpringForwardUtcS);
  // 02:30 happens twice on 25 October 2026: the first is 00:30 UTC (CEST).
  EXPECT_EQ(berlin.to_utc(local_s(2026, 10, 25, 2, 30)), kFallBackUtcS - 1800);
  EXPECT_EQ(berlin.to_utc(local_s(2026, 10, 25, 3, 0)), kFallBackUtcS + 3600);
  // An ordinary time round-trips.
  const int64_t noon = berlin.to_utc(local_s(2026, 7, 1, 12, 0));
  EXPECT_EQ(berlin.to_local(noon).local_s, local_s(2026, 7, 1, 12, 0));
}

TEST(TimeZone, DaysOfTwentyThreeAndTwentyFiveHours) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  const auto day_length_h = [&](int month, int day) {
    return (berlin.to_utc(local_s(2026, month, day + 1, 0, 0)) -
            berlin.to_utc(local_s(2026, month, day, 0, 0))) /
           3600;
  };
  EXPECT_EQ(day_length_h(3, 29), 23);
  EXPECT_EQ(day_length_h(10, 25), 25);
  EXPECT_EQ(day_length_h(6, 1), 24);
}

TEST(TimeZone, PosixRulesOfTheTzdbFooters) {
  const auto berlin = PosixTzRule::parse("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->std_offset_s, 3600);
  EXPECT_EQ(berlin->dst_offset_s, 7200);
  EXPECT_EQ(berlin->utc_offset_s(kSpringForwardUtcS), 7200);
  const auto sydney = PosixTzRule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_TRUE(sydney);
  EXPECT_EQ(sydney->utc_offset_s(local_s(2026, 1, 15, 0, 0)), 11 * 3600);  // southern summer
  EXPECT_EQ(sydney->utc_offset_s(local_s(2026, 7, 15, 0, 0)), 10 * 3600);
  const auto kolkata = PosixTzRule::parse("IST-5:30");
  ASSERT_TRUE(kolkata);
  EXPECT_EQ(kolkata->utc_offset_s(0), 19800);
  EXPECT_TRUE(PosixTzRule::parse("<-03>3"));
  EXPECT_FALSE(PosixTzRule::parse("CET-1CEST,J60,J300"));  // the Julian forms: not in tzdata
  EXPECT_FALSE(PosixTzRule::parse("C-1"));
  EXPECT_FALSE(PosixTzRule::parse("CET-1CEST,M13.5.0,M10.5.0"));
}

TEST(TimeZone, UtcAndBadNames) {
  EXPECT_EQ(TimeZone::utc().utc_offset_s(kFallBackUtcS), 0);
  EXPECT_EQ(TimeZone::load("UTC").utc_offset_s(kFallBackUtcS), 0);
  EXPECT_THROW(TimeZone::load("Europe/Atlantis"), std::runtime_error);
  EXPECT_THROW(TimeZone::load("../etc/passwd"), std::runtime_error);
  EXPECT_THROW(TimeZone::load(""), std::runtime_error);
  try {
    TimeZone::load("Europe");  // a directory, not a file
    ADD_FAILURE() << "a directory loaded";
  } catch (const std::runtime_error &error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("time zone 'Europe'"));
  }
}

TEST(TimeZone, NotATzifFileIsRefused) {
  EXPECT_THROW(TimeZone::load("passwd", "/etc"), std::runtime_error);
}

TEST(LocalTime, CivilDatesAndWeekdays) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
  const CivilDate date = civil_from_days(days_from_civil({2024, 2, 29}));
  EXPECT_EQ(date.year, 2024);
  EXPECT_EQ(date.month, 2);
  EXPECT_EQ(date.day, 29);
  EXPECT_EQ(weekday_from_days(days_from_civil({2026, 3, 29})), 0);  // a Sunday
  EXPECT_EQ(weekday_from_days(days_from_civil({1969, 12, 31})), 3);
  EXPECT_EQ((LocalTime{-60, 0}).minute_of_day(), 23 * 60 + 59);
}

}  // namespace
}  // namespace hearth::energy
