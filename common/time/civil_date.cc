#include "common/time/civil_date.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arrears::time {
namespace {

// Digits at [pos, pos+count) of `text` as a number, or -1 if any is not an
// ASCII digit.
int ParseDigits(absl::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

absl::Status DateError(absl::string_view text, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("date \"", text, "\": ", reason));
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseCivilDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return DateError(text, "expected YYYY-MM-DD");
  }
  const int year = ParseDigits(text, 0, 4);
  const int month = ParseDigits(text, 5, 2);
  const int day = ParseDigits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return DateError(text, "expected YYYY-MM-DD");
  if (year == 0) return DateError(text, "year 0000 is out of range (0001-9999)");
  if (month < 1 || month > 12) {
    return DateError(text, absl::StrCat("month ", month, " is out of range (01-12)"));
  }
  const int days_in_month = DaysInMonth(year, month);
  if (day < 1 || day > days_in_month) {
    return DateError(text, absl::StrCat("day ", day, " is out of range for ", text.substr(0, 7),
                                        ", which has ", days_in_month, " days"));
  }
  return absl::CivilDay(year, month, day);
}

std::string FormatCivilDay(absl::CivilDay day) {
  // Not absl::FormatCivilTime(), which prints year 7 as "7", not "0007".
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to) { return to - from; }

absl::CivilDay LocalDate(absl::Time instant, const absl::TimeZone& zone) {
  return absl::ToCivilDay(instant, zone);
}

absl::Time StartOfDay(absl::CivilDay day, const absl::TimeZone& zone) {
  // Spelled out rather than absl::FromCivil(day, zone) (which does the same)
  // because this choice is the contract: a skipped midnight starts the day at
  // the transition, a repeated one at its first occurrence.
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(day));
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  const absl::CivilMonth first(year, month);
  return static_cast<int>(absl::CivilDay(first + 1) - absl::CivilDay(first));
}

absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const int last = DaysInMonth(target.year(), target.month());
  return absl::CivilDay(target.year(), target.month(), std::min(day.day(), last));
}

absl::CivilDay StartOfMonth(absl::CivilDay day) { return absl::CivilDay(absl::CivilMonth(day)); }

absl::CivilDay EndOfMonth(absl::CivilDay day) {
  return absl::CivilDay(absl::CivilMonth(day) + 1) - 1;
}

}  // namespace arrears::time
