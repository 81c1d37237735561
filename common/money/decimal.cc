#include "common/money/decimal.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arrears::money::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

}  // namespace

int64_t PowerOfTen(int exponent) {
  int64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

absl::StatusOr<int64_t> ParseScaledDecimal(absl::string_view text, int scale) {
  absl::string_view rest = text;
  const bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);

  absl::string_view integer_part = rest;
  absl::string_view fraction_part;
  const size_t dot = rest.find('.');
  if (dot != absl::string_view::npos) {
    integer_part = rest.substr(0, dot);
    fraction_part = rest.substr(dot + 1);
    if (fraction_part.empty()) {
      return absl::InvalidArgumentError("not a decimal number (no digits after '.')");
    }
  }
  if (integer_part.empty() || !AllDigits(integer_part) || !AllDigits(fraction_part)) {
    return absl::InvalidArgumentError(
        "not a decimal number (expected [-]digits[.digits], no sign '+', spaces or separators)");
  }
  if (fraction_part.size() > static_cast<size_t>(scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many decimal places: ", fraction_part.size(), ", at most ", scale));
  }

  // Accumulate the magnitude in 128 bits; bail out as soon as it exceeds the
  // largest int64 magnitude (2^63, for INT64_MIN).
  constexpr __int128 kMaxMagnitude = static_cast<__int128>(std::numeric_limits<int64_t>::max()) + 1;
  __int128 magnitude = 0;
  auto push_digit = [&](char c) {
    magnitude = magnitude * 10 + (c - '0');
    return magnitude <= kMaxMagnitude;
  };
  bool in_range = true;
  for (char c : integer_part) in_range = in_range && push_digit(c);
  for (char c : fraction_part) in_range = in_range && push_digit(c);
  for (size_t i = fraction_part.size(); i < static_cast<size_t>(scale); ++i) {
    in_range = in_range && push_digit('0');
  }
  const __int128 value = negative ? -magnitude : magnitude;
  if (!in_range || value > std::numeric_limits<int64_t>::max()) {
    return absl::OutOfRangeError("value does not fit in 64-bit minor units");
  }
  return static_cast<int64_t>(value);
}

std::string FormatScaledDecimal(int64_t value, int scale, bool trim_trailing_zeros) {
  // Unsigned magnitude so INT64_MIN needs no special case.
  const uint64_t magnitude =
      value < 0 ? ~static_cast<uint64_t>(value) + 1 : static_cast<uint64_t>(value);
  const uint64_t unit = static_cast<uint64_t>(PowerOfTen(scale));
  std::string result = absl::StrCat(value < 0 ? "-" : "", magnitude / unit);
  if (scale == 0) return result;
  std::string fraction = absl::StrCat(magnitude % unit);
  fraction.insert(0, static_cast<size_t>(scale) - fraction.size(), '0');
  if (trim_trailing_zeros) {
    const size_t last = fraction.find_last_not_of('0');
    fraction.resize(last == std::string::npos ? 0 : last + 1);
  }
  if (!fraction.empty()) absl::StrAppend(&result, ".", fraction);
  return result;
}

}  // namespace arrears::money::internal
