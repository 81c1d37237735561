#include "common/money/money.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/money/decimal.h"
#include "common/status/status_macros.h"

namespace arrears::money {
namespace {

absl::Status CheckSameCurrency(absl::string_view operation, const Money& a, const Money& b) {
  if (a.currency() == b.currency()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      operation, ": currency mismatch (", a.currency().code(), " vs ", b.currency().code(), ")"));
}

absl::StatusOr<Money> FromWide(absl::string_view operation, __int128 minor_units,
                               Currency currency) {
  if (minor_units > std::numeric_limits<int64_t>::max() ||
      minor_units < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError(absl::StrCat(operation, ": result does not fit in 64-bit ",
                                              currency.code(), " minor units"));
  }
  return Money::FromMinor(static_cast<int64_t>(minor_units), currency);
}

}  // namespace

absl::StatusOr<Money> Money::Parse(absl::string_view text) {
  const size_t space = text.find(' ');
  if (space == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("money \"", text, "\": expected \"<amount> <ISO 4217 code>\""));
  }
  absl::StatusOr<Currency> currency = Currency::FromCode(text.substr(space + 1));
  if (!currency.ok()) return Annotate(currency.status(), absl::StrCat("money \"", text, "\""));
  absl::StatusOr<int64_t> minor =
      internal::ParseScaledDecimal(text.substr(0, space), currency->exponent());
  if (!minor.ok()) return Annotate(minor.status(), absl::StrCat("money \"", text, "\""));
  return FromMinor(*minor, *currency);
}

absl::StatusOr<Money> Money::Parse(absl::string_view amount, Currency currency) {
  absl::StatusOr<int64_t> minor = internal::ParseScaledDecimal(amount, currency.exponent());
  if (!minor.ok()) {
    return Annotate(minor.status(),
                    absl::StrCat("money amount \"", amount, "\" (", currency.code(), ")"));
  }
  return FromMinor(*minor, currency);
}

std::string Money::AmountString() const {
  return internal::FormatScaledDecimal(minor_units_, currency_.exponent(),
                                       /*trim_trailing_zeros=*/false);
}

std::string Money::ToString() const { return absl::StrCat(AmountString(), " ", currency_.code()); }

absl::StatusOr<int> Compare(const Money& a, const Money& b) {
  ARREARS_RETURN_IF_ERROR(CheckSameCurrency("compare", a, b));
  if (a.minor_units() < b.minor_units()) return -1;
  return a.minor_units() > b.minor_units() ? 1 : 0;
}

absl::StatusOr<Money> Add(const Money& a, const Money& b) {
  ARREARS_RETURN_IF_ERROR(CheckSameCurrency("add", a, b));
  return FromWide("add", static_cast<__int128>(a.minor_units()) + b.minor_units(), a.currency());
}

absl::StatusOr<Money> Subtract(const Money& a, const Money& b) {
  ARREARS_RETURN_IF_ERROR(CheckSameCurrency("subtract", a, b));
  return FromWide("subtract", static_cast<__int128>(a.minor_units()) - b.minor_units(),
                  a.currency());
}

absl::StatusOr<Money> Negate(const Money& a) {
  return FromWide("negate", -static_cast<__int128>(a.minor_units()), a.currency());
}

absl::StatusOr<Money> Min(const Money& a, const Money& b) {
  ARREARS_RETURN_IF_ERROR(CheckSameCurrency("min", a, b));
  return b.minor_units() < a.minor_units() ? b : a;
}

absl::StatusOr<Money> Max(const Money& a, const Money& b) {
  ARREARS_RETURN_IF_ERROR(CheckSameCurrency("max", a, b));
  return b.minor_units() > a.minor_units() ? b : a;
}

absl::StatusOr<Money> Sum(absl::Span<const Money> amounts, Currency currency) {
  const Money zero = Money::Zero(currency);
  __int128 total = 0;
  for (const Money& amount : amounts) {
    ARREARS_RETURN_IF_ERROR(CheckSameCurrency("sum", zero, amount));
    total += amount.minor_units();
  }
  return FromWide("sum", total, currency);
}

absl::StatusOr<Money> Multiply(const Money& amount, int64_t factor) {
  return FromWide("multiply", static_cast<__int128>(amount.minor_units()) * factor,
                  amount.currency());
}

absl::StatusOr<Money> MultiplyByFraction(const Money& amount, int64_t numerator,
                                         int64_t denominator, RoundingMode mode) {
  if (denominator == 0) {
    return absl::InvalidArgumentError("multiply by fraction: denominator is zero");
  }
  __int128 product = static_cast<__int128>(amount.minor_units()) * numerator;
  __int128 divisor = denominator;
  if (divisor < 0) {
    product = -product;
    divisor = -divisor;
  }
  absl::StatusOr<int64_t> minor = DivideRounded(product, divisor, mode);
  if (!minor.ok()) {
    return absl::OutOfRangeError(absl::StrCat(amount.ToString(), " * ", numerator, "/", denominator,
                                              ": result does not fit in 64-bit ",
                                              amount.currency().code(), " minor units"));
  }
  return Money::FromMinor(*minor, amount.currency());
}

absl::StatusOr<Money> MultiplyByRate(const Money& amount, Rate rate, RoundingMode mode) {
  return MultiplyByFraction(amount, rate.parts_per_billion(), Rate::kPartsPerUnit, mode);
}

absl::StatusOr<std::vector<Money>> Allocate(const Money& total, absl::Span<const int64_t> weights) {
  if (weights.empty()) return absl::InvalidArgumentError("allocate: no weights");
  __int128 weight_sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("allocate: weights[", i, "] is negative (", weights[i], ")"));
    }
    weight_sum += weights[i];
  }
  if (weight_sum == 0) return absl::InvalidArgumentError("allocate: all weights are zero");

  const bool negative = total.IsNegative();
  const __int128 magnitude =
      negative ? -static_cast<__int128>(total.minor_units()) : total.minor_units();
  std::vector<__int128> parts(weights.size());
  std::vector<__int128> remainders(weights.size());
  __int128 allocated = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 scaled = magnitude * weights[i];  // < 2^63 · 2^63
    parts[i] = scaled / weight_sum;
    remainders[i] = scaled % weight_sum;
    allocated += parts[i];
  }
  // The remainders sum to leftover·Σw and each is below Σw, so more than
  // `leftover` parts have a nonzero remainder: every part picked has one, and a
  // zero-weight part (remainder 0) is never picked.
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  for (__int128 leftover = magnitude - allocated, k = 0; k < leftover; ++k) {
    ++parts[order[static_cast<size_t>(k)]];
  }

  std::vector<Money> result;
  result.reserve(parts.size());
  for (__int128 part : parts) {
    result.push_back(
        Money::FromMinor(static_cast<int64_t>(negative ? -part : part), total.currency()));
  }
  return result;
}

}  // namespace arrears::money
