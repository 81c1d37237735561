// Exact fixed-point decimal text <-> scaled int64, shared by Money (scale =
// the currency's minor-unit exponent) and Rate (scale 9). No floating point.
//
// Grammar accepted by ParseScaledDecimal: an optional '-', one or more ASCII
// digits, and optionally '.' followed by one to `scale` digits:
//   "0", "12", "-3.5", "0012.50"          accepted
//   "", "+1", ".5", "5.", "1,000", " 1", "1e3", "1.2.3"   rejected
// More fractional digits than `scale` is an error even when they are zeros
// ("1.230" at scale 2): exactness is the point, so input is never rounded.
//
// Errors are InvalidArgument (syntax, too many decimals) or OutOfRange (the
// scaled value does not fit int64); messages describe the problem without
// naming the input, which the caller adds with its own field name.
//
// Internal to common/money; pure functions, thread-safe.
#ifndef ARREARS_COMMON_MONEY_DECIMAL_H_
#define ARREARS_COMMON_MONEY_DECIMAL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::money::internal {

// 10^exponent for 0 <= exponent <= 18.
int64_t PowerOfTen(int exponent);

// text × 10^scale, exactly. 0 <= scale <= 18.
absl::StatusOr<int64_t> ParseScaledDecimal(absl::string_view text, int scale);

// value / 10^scale as decimal text: "-12.05" for (-1205, 2), "7" for (7, 0).
// With `trim_trailing_zeros`, fractional zeros (and a bare '.') are dropped:
// "0.0005" rather than "0.000500000". Handles INT64_MIN.
std::string FormatScaledDecimal(int64_t value, int scale, bool trim_trailing_zeros);

}  // namespace arrears::money::internal

#endif  // ARREARS_COMMON_MONEY_DECIMAL_H_
