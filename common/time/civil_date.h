// Calendar-date helpers over absl::CivilDay, for due dates, business dates and
// days-past-due.
//
// A loan's dates are civil days in the loan's time zone: "the instalment is
// due on 2024-02-29" names a calendar day, not an instant. Convert between an
// instant and a civil day only through LocalDate() and StartOfDay(), always
// with the loan's zone (see time_zone.h), never with the process's zone.
//
// Conventions:
//  - Text is strict ISO 8601 calendar date "YYYY-MM-DD": four-digit year
//    0001–9999, two-digit month and day, and the day must exist in that month
//    ("2023-02-29" and "2024-04-31" are rejected with the reason).
//  - DaysBetween(from, to) is to − from: 2024-03-01 − 2024-02-28 = 2.
//  - Month arithmetic clamps to the month's last day (Jan 31 + 1 month =
//    Feb 29 in 2024, Feb 28 in 2025), which is what monthly schedules mean.
//
// Pure functions; thread-safe.
#ifndef ARREARS_COMMON_TIME_CIVIL_DATE_H_
#define ARREARS_COMMON_TIME_CIVIL_DATE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace arrears::time {

// "2024-02-29" → CivilDay(2024, 2, 29). InvalidArgument naming the input and
// the reason (format, month out of range, day out of range for that month).
absl::StatusOr<absl::CivilDay> ParseCivilDay(absl::string_view text);

// CivilDay(2024, 2, 29) → "2024-02-29", CivilDay(7, 3, 4) → "0007-03-04".
// Years outside 0001–9999 print with more digits or a sign ("10000-01-01")
// and do not parse back.
std::string FormatCivilDay(absl::CivilDay day);

// Calendar days from `from` to `to`: positive when `to` is later.
int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to);

// The calendar day in `zone` at `instant`.
absl::CivilDay LocalDate(absl::Time instant, const absl::TimeZone& zone);

// The first instant of `day` in `zone`: local midnight, or, when the zone
// skipped midnight that day (a DST change at 24:00, e.g. America/Havana on
// 2026-03-08 jumps from 23:59:59 to 01:00), the instant of the transition,
// which is when the day actually began. When midnight happened twice (a
// fall-back at 01:00 → 00:00), the earlier one. If the zone skipped the whole
// day (Pacific/Apia omitted 2011-12-30), this is the start of the next day
// that exists. LocalDate(StartOfDay(d, z), z) == d for every day that exists.
absl::Time StartOfDay(absl::CivilDay day, const absl::TimeZone& zone);

bool IsLeapYear(int64_t year);

// 28–31.
int DaysInMonth(int64_t year, int month);

// `day` moved by `months` calendar months (negative moves back), clamped to
// the last day of the target month: 2024-01-31 + 1 → 2024-02-29,
// 2024-03-31 − 1 → 2024-02-29, 2023-01-31 + 1 → 2023-02-28.
absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months);

// The first and last calendar day of `day`'s month.
absl::CivilDay StartOfMonth(absl::CivilDay day);
absl::CivilDay EndOfMonth(absl::CivilDay day);

}  // namespace arrears::time

#endif  // ARREARS_COMMON_TIME_CIVIL_DATE_H_
