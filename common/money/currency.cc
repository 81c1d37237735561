#include "common/money/currency.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/money/decimal.h"

namespace arrears::money {

absl::StatusOr<Currency> Currency::FromCode(absl::string_view code) {
  if (code.empty()) return absl::InvalidArgumentError("currency: missing ISO 4217 code");
  const int index = internal::FindCurrency(code);
  if (index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("currency \"", code, "\": not a supported ISO 4217 alphabetic code"));
  }
  return Currency(index);
}

int64_t Currency::minor_per_major() const { return internal::PowerOfTen(exponent()); }

}  // namespace arrears::money
