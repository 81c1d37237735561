#include "common/money/rounding.h"

#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arrears::money {
namespace {

struct ModeName {
  RoundingMode mode;
  absl::string_view name;
};

constexpr ModeName kModeNames[] = {
    {RoundingMode::kHalfEven, "half_even"}, {RoundingMode::kHalfUp, "half_up"},
    {RoundingMode::kDown, "down"},          {RoundingMode::kUp, "up"},
    {RoundingMode::kFloor, "floor"},        {RoundingMode::kCeiling, "ceiling"},
};

// Whether a quotient truncated toward zero must move one step away from zero.
// `twice_remainder` is 2·|remainder|, compared with the denominator to locate
// the exact fraction against one half without division.
bool RoundsAwayFromZero(RoundingMode mode, bool negative, __int128 truncated,
                        __int128 twice_remainder, __int128 denominator) {
  switch (mode) {
    case RoundingMode::kDown:
      return false;
    case RoundingMode::kUp:
      return true;
    case RoundingMode::kFloor:
      return negative;
    case RoundingMode::kCeiling:
      return !negative;
    case RoundingMode::kHalfUp:
      return twice_remainder >= denominator;
    case RoundingMode::kHalfEven:
      if (twice_remainder != denominator) return twice_remainder > denominator;
      return truncated % 2 != 0;
  }
  return false;
}

}  // namespace

absl::string_view RoundingModeName(RoundingMode mode) {
  for (const ModeName& entry : kModeNames) {
    if (entry.mode == mode) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<RoundingMode> ParseRoundingMode(absl::string_view name) {
  for (const ModeName& entry : kModeNames) {
    if (entry.name == name) return entry.mode;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("rounding mode \"", name,
                   "\": unknown (expected half_even, half_up, down, up, floor or ceiling)"));
}

absl::StatusOr<int64_t> DivideRounded(__int128 numerator, __int128 denominator, RoundingMode mode) {
  if (denominator <= 0) {
    return absl::InvalidArgumentError("rounded division: denominator must be positive");
  }
  __int128 quotient = numerator / denominator;  // truncates toward zero
  const __int128 remainder = numerator % denominator;
  if (remainder != 0) {
    const bool negative = numerator < 0;
    const __int128 twice_remainder = 2 * (negative ? -remainder : remainder);
    if (RoundsAwayFromZero(mode, negative, quotient, twice_remainder, denominator)) {
      quotient += negative ? -1 : 1;
    }
  }
  if (quotient > std::numeric_limits<int64_t>::max() ||
      quotient < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError("rounded division: result does not fit in 64 bits");
  }
  return static_cast<int64_t>(quotient);
}

}  // namespace arrears::money
