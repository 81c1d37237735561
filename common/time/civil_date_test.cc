#include "common/time/civil_date.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "common/time/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::time {
namespace {

using ::absl::CivilDay;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

absl::TimeZone Zone(absl::string_view name) {
  absl::StatusOr<absl::TimeZone> zone = LoadTimeZone(name);
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

// --- Text ------------------------------------------------------------------

TEST(ParseCivilDayTest, AcceptsRealDays) {
  EXPECT_THAT(ParseCivilDay("2024-02-29"), IsOkAndHolds(CivilDay(2024, 2, 29)));
  EXPECT_THAT(ParseCivilDay("2000-02-29"), IsOkAndHolds(CivilDay(2000, 2, 29)));
  EXPECT_THAT(ParseCivilDay("2024-12-31"), IsOkAndHolds(CivilDay(2024, 12, 31)));
  EXPECT_THAT(ParseCivilDay("0001-01-01"), IsOkAndHolds(CivilDay(1, 1, 1)));
  EXPECT_THAT(ParseCivilDay("9999-12-31"), IsOkAndHolds(CivilDay(9999, 12, 31)));
}

TEST(ParseCivilDayTest, RejectsDaysThatDoNotExistWithTheReason) {
  EXPECT_THAT(ParseCivilDay("2024-02-30"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"2024-02-30\""), HasSubstr("day 30"),
                             HasSubstr("2024-02, which has 29 days"))));
  EXPECT_THAT(ParseCivilDay("2023-02-29"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has 28 days")));
  EXPECT_THAT(ParseCivilDay("1900-02-29"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCivilDay("2024-04-31"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has 30 days")));
  EXPECT_THAT(ParseCivilDay("2024-01-00"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCivilDay("2024-13-01"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("month 13")));
  EXPECT_THAT(ParseCivilDay("2024-00-10"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCivilDay("0000-01-01"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseCivilDayTest, RejectsOtherShapes) {
  for (const char* bad :
       {"", "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", " 2024-01-01", "2024-01-01 ",
        "2024-01-01T00:00:00", "+024-01-01", "2024-0a-01", "20240101", "-2024-01-01"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseCivilDay(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected YYYY-MM-DD")));
  }
}

TEST(FormatCivilDayTest, RoundTrips) {
  EXPECT_EQ(FormatCivilDay(CivilDay(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatCivilDay(CivilDay(7, 3, 4)), "0007-03-04");
  for (CivilDay d = CivilDay(2023, 12, 25); d < CivilDay(2024, 3, 5); ++d) {
    EXPECT_THAT(ParseCivilDay(FormatCivilDay(d)), IsOkAndHolds(d));
  }
}

// --- Calendar arithmetic ---------------------------------------------------

TEST(DaysBetweenTest, CountsCalendarDays) {
  EXPECT_EQ(DaysBetween(CivilDay(2024, 2, 28), CivilDay(2024, 3, 1)), 2);  // leap day between
  EXPECT_EQ(DaysBetween(CivilDay(2023, 2, 28), CivilDay(2023, 3, 1)), 1);
  EXPECT_EQ(DaysBetween(CivilDay(2023, 12, 31), CivilDay(2024, 1, 1)), 1);
  EXPECT_EQ(DaysBetween(CivilDay(2024, 1, 1), CivilDay(2025, 1, 1)), 366);
  EXPECT_EQ(DaysBetween(CivilDay(2025, 1, 1), CivilDay(2026, 1, 1)), 365);
  EXPECT_EQ(DaysBetween(CivilDay(2024, 3, 1), CivilDay(2024, 2, 28)), -2);
  EXPECT_EQ(DaysBetween(CivilDay(2024, 3, 1), CivilDay(2024, 3, 1)), 0);
}

TEST(LeapYearTest, GregorianRules) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2024, 4), 30);
  EXPECT_EQ(DaysInMonth(2024, 12), 31);
}

TEST(AddMonthsClampedTest, ClampsToMonthEnd) {
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 1, 31), 1), CivilDay(2024, 2, 29));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2023, 1, 31), 1), CivilDay(2023, 2, 28));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 3, 31), -1), CivilDay(2024, 2, 29));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 5, 31), 1), CivilDay(2024, 6, 30));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 2, 29), 12), CivilDay(2025, 2, 28));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 2, 29), 48), CivilDay(2028, 2, 29));
}

TEST(AddMonthsClampedTest, CrossesYearsBothWays) {
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 12, 31), 2), CivilDay(2025, 2, 28));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 11, 15), 1), CivilDay(2024, 12, 15));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 12, 15), 1), CivilDay(2025, 1, 15));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 5, 15), -17), CivilDay(2022, 12, 15));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2024, 5, 15), 0), CivilDay(2024, 5, 15));
}

TEST(AddMonthsClampedTest, MonthlyScheduleFromAnAnchorKeepsItsDay) {
  // A schedule anchored on Jan 31 is computed as anchor + n months, so the
  // clamp in February does not drag later due dates to the 28th/29th.
  const CivilDay anchor(2024, 1, 31);
  const CivilDay expected[] = {CivilDay(2024, 2, 29), CivilDay(2024, 3, 31), CivilDay(2024, 4, 30),
                               CivilDay(2024, 5, 31)};
  for (int n = 1; n <= 4; ++n) EXPECT_EQ(AddMonthsClamped(anchor, n), expected[n - 1]);
  // Chaining is not the same thing: this is why callers keep the anchor.
  EXPECT_EQ(AddMonthsClamped(AddMonthsClamped(anchor, 1), 1), CivilDay(2024, 3, 29));
}

TEST(MonthBoundsTest, StartAndEnd) {
  EXPECT_EQ(EndOfMonth(CivilDay(2024, 2, 10)), CivilDay(2024, 2, 29));
  EXPECT_EQ(EndOfMonth(CivilDay(2023, 2, 10)), CivilDay(2023, 2, 28));
  EXPECT_EQ(EndOfMonth(CivilDay(2024, 12, 5)), CivilDay(2024, 12, 31));
  EXPECT_EQ(EndOfMonth(CivilDay(2024, 4, 30)), CivilDay(2024, 4, 30));
  EXPECT_EQ(StartOfMonth(CivilDay(2024, 2, 29)), CivilDay(2024, 2, 1));
  EXPECT_EQ(StartOfMonth(CivilDay(2025, 1, 1)), CivilDay(2025, 1, 1));
}

// --- Instants and zones ----------------------------------------------------

TEST(LocalDateTest, ShanghaiIsAheadOfUtc) {
  const absl::TimeZone shanghai = Zone("Asia/Shanghai");  // UTC+8, no DST
  EXPECT_EQ(LocalDate(Utc(2024, 2, 29, 15, 59, 59), shanghai), CivilDay(2024, 2, 29));
  EXPECT_EQ(LocalDate(Utc(2024, 2, 29, 16, 0, 0), shanghai), CivilDay(2024, 3, 1));
  // New Year arrives in Shanghai while it is still 2023 in UTC.
  EXPECT_EQ(LocalDate(Utc(2023, 12, 31, 16, 0, 0), shanghai), CivilDay(2024, 1, 1));
  EXPECT_EQ(LocalDate(Utc(2023, 12, 31, 16, 0, 0), absl::UTCTimeZone()), CivilDay(2023, 12, 31));
  EXPECT_EQ(LocalDate(Utc(2023, 12, 31, 16, 0, 0) - absl::Nanoseconds(1), shanghai),
            CivilDay(2023, 12, 31));
}

TEST(StartOfDayTest, Shanghai) {
  const absl::TimeZone shanghai = Zone("Asia/Shanghai");
  EXPECT_EQ(StartOfDay(CivilDay(2024, 3, 1), shanghai), Utc(2024, 2, 29, 16, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2024, 2, 29), shanghai), Utc(2024, 2, 28, 16, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2024, 1, 1), shanghai), Utc(2023, 12, 31, 16, 0, 0));
}

TEST(StartOfDayTest, NewYorkSpringForwardDayHas23Hours) {
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT; midnight still exists (EST).
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(StartOfDay(CivilDay(2026, 3, 8), ny), Utc(2026, 3, 8, 5, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 3, 9), ny), Utc(2026, 3, 9, 4, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 3, 9), ny) - StartOfDay(CivilDay(2026, 3, 8), ny),
            absl::Hours(23));
  EXPECT_EQ(LocalDate(Utc(2026, 3, 9, 3, 59, 59), ny), CivilDay(2026, 3, 8));
  EXPECT_EQ(LocalDate(Utc(2026, 3, 9, 4, 0, 0), ny), CivilDay(2026, 3, 9));
}

TEST(StartOfDayTest, NewYorkFallBackDayHas25Hours) {
  // 2026-11-01: 02:00 EDT falls back to 01:00 EST.
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(StartOfDay(CivilDay(2026, 11, 1), ny), Utc(2026, 11, 1, 4, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 11, 2), ny), Utc(2026, 11, 2, 5, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 11, 2), ny) - StartOfDay(CivilDay(2026, 11, 1), ny),
            absl::Hours(25));
}

TEST(StartOfDayTest, HavanaSkipsMidnightInSpring) {
  // tzdata: 2026-03-07 23:59:59 CST (-5) is followed by 2026-03-08 01:00:00
  // CDT (-4); 00:00 never happens, so the day begins at 01:00 local.
  const absl::TimeZone havana = Zone("America/Havana");
  const absl::Time start = StartOfDay(CivilDay(2026, 3, 8), havana);
  EXPECT_EQ(start, Utc(2026, 3, 8, 5, 0, 0));
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M:%S %z", start, havana), "2026-03-08 01:00:00 -0400");
  EXPECT_EQ(LocalDate(start, havana), CivilDay(2026, 3, 8));
  EXPECT_EQ(LocalDate(start - absl::Nanoseconds(1), havana), CivilDay(2026, 3, 7));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 3, 9), havana) - start, absl::Hours(23));
}

TEST(StartOfDayTest, HavanaRepeatsMidnightInAutumn) {
  // 2026-11-01 00:59:59 CDT is followed by 00:00:00 CST: midnight happens
  // twice, and the day starts at the first one.
  const absl::TimeZone havana = Zone("America/Havana");
  const absl::Time start = StartOfDay(CivilDay(2026, 11, 1), havana);
  EXPECT_EQ(start, Utc(2026, 11, 1, 4, 0, 0));
  EXPECT_EQ(LocalDate(start - absl::Nanoseconds(1), havana), CivilDay(2026, 10, 31));
  EXPECT_EQ(StartOfDay(CivilDay(2026, 11, 2), havana) - start, absl::Hours(25));
}

TEST(StartOfDayTest, SantiagoSkipsMidnight) {
  // 2026-09-05 23:59:59 -04 is followed by 2026-09-06 01:00:00 -03.
  const absl::TimeZone santiago = Zone("America/Santiago");
  EXPECT_EQ(StartOfDay(CivilDay(2026, 9, 6), santiago), Utc(2026, 9, 6, 4, 0, 0));
}

TEST(StartOfDayTest, ADayThatNeverHappenedStartsTheNextOne) {
  // Samoa moved across the date line: 2011-12-29 23:59:59 -10 was followed by
  // 2011-12-31 00:00:00 +14.
  const absl::TimeZone apia = Zone("Pacific/Apia");
  EXPECT_EQ(StartOfDay(CivilDay(2011, 12, 30), apia), Utc(2011, 12, 30, 10, 0, 0));
  EXPECT_EQ(StartOfDay(CivilDay(2011, 12, 31), apia), Utc(2011, 12, 30, 10, 0, 0));
  EXPECT_EQ(LocalDate(Utc(2011, 12, 30, 10, 0, 0), apia), CivilDay(2011, 12, 31));
}

TEST(StartOfDayTest, EveryDayStartsOnItsOwnDate) {
  // LocalDate(StartOfDay(d)) == d and the instant before belongs to d - 1,
  // every day for four years, in zones with and without DST.
  for (const char* name : {"Asia/Shanghai", "America/New_York", "America/Havana",
                           "America/Santiago", "Europe/London", "Australia/Lord_Howe", "UTC"}) {
    SCOPED_TRACE(name);
    const absl::TimeZone zone = Zone(name);
    for (CivilDay d(2024, 1, 1); d < CivilDay(2028, 1, 1); ++d) {
      const absl::Time start = StartOfDay(d, zone);
      ASSERT_EQ(LocalDate(start, zone), d) << FormatCivilDay(d);
      ASSERT_EQ(LocalDate(start - absl::Nanoseconds(1), zone), d - 1) << FormatCivilDay(d);
    }
  }
}

}  // namespace
}  // namespace arrears::time
