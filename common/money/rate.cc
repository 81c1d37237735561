#include "common/money/rate.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/money/decimal.h"
#include "common/status/status_macros.h"

namespace arrears::money {
namespace {

// A percentage is the fraction times 100, so two fewer decimal places fit.
constexpr int kPercentDecimalPlaces = Rate::kDecimalPlaces - 2;

}  // namespace

absl::StatusOr<Rate> Rate::Parse(absl::string_view text) {
  absl::string_view number = text;
  const bool percent = absl::ConsumeSuffix(&number, "%");
  absl::StatusOr<int64_t> parts =
      internal::ParseScaledDecimal(number, percent ? kPercentDecimalPlaces : kDecimalPlaces);
  if (!parts.ok()) return Annotate(parts.status(), absl::StrCat("rate \"", text, "\""));
  return Rate(*parts);
}

absl::StatusOr<Rate> Rate::Times(int64_t periods) const {
  int64_t product;
  if (__builtin_mul_overflow(parts_per_billion_, periods, &product)) {
    return absl::OutOfRangeError(
        absl::StrCat("rate ", ToString(), " times ", periods, ": overflows 64 bits"));
  }
  return Rate(product);
}

std::string Rate::ToString() const {
  return internal::FormatScaledDecimal(parts_per_billion_, kDecimalPlaces,
                                       /*trim_trailing_zeros=*/true);
}

}  // namespace arrears::money
