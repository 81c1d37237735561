// Rounding of exact integer quotients, the one place where money math loses
// precision on purpose.
//
// Every amount in Arrears is an integer count of minor units; a product with a
// rate or a ratio is computed exactly in 128 bits and then divided back to
// minor units with DivideRounded(), so the rounding rule is always explicit
// and stated by the caller (product configuration names it, e.g. "half_even").
//
// Mode semantics follow java.math.RoundingMode (worked table in
// rounding_test.cc):
//   kHalfEven  nearest; ties to the even neighbour (banker's rounding)
//   kHalfUp    nearest; ties away from zero (commercial rounding)
//   kDown      toward zero (truncate)
//   kUp        away from zero
//   kFloor     toward negative infinity
//   kCeiling   toward positive infinity
//
// Pure functions; thread-safe.
#ifndef ARREARS_COMMON_MONEY_ROUNDING_H_
#define ARREARS_COMMON_MONEY_ROUNDING_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::money {

enum class RoundingMode {
  kHalfEven,
  kHalfUp,
  kDown,
  kUp,
  kFloor,
  kCeiling,
};

// "half_even", "half_up", "down", "up", "floor", "ceiling": the spelling used
// in configuration files.
absl::string_view RoundingModeName(RoundingMode mode);

// Inverse of RoundingModeName(); anything else is InvalidArgument naming the
// input and the accepted spellings.
absl::StatusOr<RoundingMode> ParseRoundingMode(absl::string_view name);

// numerator / denominator rounded by `mode`. `denominator` must be positive
// (InvalidArgument otherwise) and both operands must lie within ±2^126 so the
// remainder arithmetic cannot overflow (any product of two int64 values does).
// A quotient outside int64 is OutOfRange.
absl::StatusOr<int64_t> DivideRounded(__int128 numerator, __int128 denominator, RoundingMode mode);

}  // namespace arrears::money

#endif  // ARREARS_COMMON_MONEY_ROUNDING_H_
