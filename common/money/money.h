// Money: an exact amount of one currency, as a signed 64-bit count of its
// minor units (fen, cents; yen for JPY), plus the Currency.
//
// Invariants and rules:
//  - No floating point anywhere: text is parsed and printed exactly, products
//    with rates are computed in 128 bits and rounded once, by a RoundingMode
//    the caller names.
//  - Amounts of different currencies never mix. Arithmetic and ordering are
//    free functions returning absl::StatusOr: a currency mismatch is
//    InvalidArgument naming both currencies, leaving int64 is OutOfRange.
//    operator== / != compare amount and currency (1.00 CNY != 1.00 USD), so
//    they are total and never fail; there is deliberately no operator<.
//  - There is no default constructor: an amount always says its currency
//    (Money::Zero(currency) for a zero).
//
//   ARREARS_ASSIGN_OR_RETURN(Money due, Money::Parse("1234.56 CNY"));
//   ARREARS_ASSIGN_OR_RETURN(Money penalty,
//       MultiplyByRate(overdue_principal, daily_rate, RoundingMode::kHalfEven));
//   ARREARS_ASSIGN_OR_RETURN(Money total, Add(due, penalty));
//
// Small trivially copyable value type; thread-safe.
#ifndef ARREARS_COMMON_MONEY_MONEY_H_
#define ARREARS_COMMON_MONEY_MONEY_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/money/currency.h"
#include "common/money/rate.h"
#include "common/money/rounding.h"

namespace arrears::money {

class Money {
 public:
  static constexpr Money FromMinor(int64_t minor_units, Currency currency) {
    return Money(minor_units, currency);
  }
  static constexpr Money Zero(Currency currency) { return Money(0, currency); }

  // "<amount> <CODE>" with exactly one space, e.g. "1234.56 CNY", "-0.05 USD",
  // "1500 JPY". The amount is [-]digits[.digits] with at most the currency's
  // exponent decimals ("12.5 CNY" is fine, "12.345 CNY" and "1.0 JPY" are
  // not: input is never rounded). Errors name the input.
  static absl::StatusOr<Money> Parse(absl::string_view text);
  // The same amount grammar, currency given separately (e.g. a proto field pair).
  static absl::StatusOr<Money> Parse(absl::string_view amount, Currency currency);

  constexpr int64_t minor_units() const { return minor_units_; }
  constexpr Currency currency() const { return currency_; }

  constexpr bool IsZero() const { return minor_units_ == 0; }
  constexpr bool IsNegative() const { return minor_units_ < 0; }
  constexpr bool IsPositive() const { return minor_units_ > 0; }

  // "1234.56 CNY", "-0.05 USD", "1500 JPY", "1.250 KWD": always the
  // currency's full number of decimals, so Parse(ToString()) round-trips.
  std::string ToString() const;
  // ToString() without the code: "1234.56".
  std::string AmountString() const;

  friend constexpr bool operator==(const Money& a, const Money& b) {
    return a.minor_units_ == b.minor_units_ && a.currency_ == b.currency_;
  }
  friend constexpr bool operator!=(const Money& a, const Money& b) { return !(a == b); }

  template <typename H>
  friend H AbslHashValue(H h, const Money& m) {
    return H::combine(std::move(h), m.minor_units_, m.currency_);
  }
  template <typename Sink>
  friend void AbslStringify(Sink& sink, const Money& m) {
    sink.Append(m.ToString());
  }
  friend absl::FormatConvertResult<absl::FormatConversionCharSet::kString> AbslFormatConvert(
      const Money& m, const absl::FormatConversionSpec&, absl::FormatSink* sink) {
    sink->Append(m.ToString());
    return {true};
  }
  friend std::ostream& operator<<(std::ostream& os, const Money& m) { return os << m.ToString(); }

 private:
  constexpr Money(int64_t minor_units, Currency currency)
      : minor_units_(minor_units), currency_(currency) {}

  int64_t minor_units_;
  Currency currency_;
};

// -1, 0 or +1 as a is less than, equal to or greater than b.
absl::StatusOr<int> Compare(const Money& a, const Money& b);

absl::StatusOr<Money> Add(const Money& a, const Money& b);
absl::StatusOr<Money> Subtract(const Money& a, const Money& b);
// OutOfRange only for the most negative int64 amount.
absl::StatusOr<Money> Negate(const Money& a);
absl::StatusOr<Money> Min(const Money& a, const Money& b);
absl::StatusOr<Money> Max(const Money& a, const Money& b);

// The total of `amounts`, all in `currency`; zero for an empty span. Summed in
// 128 bits, so only a total outside int64 is OutOfRange, whatever the order.
absl::StatusOr<Money> Sum(absl::Span<const Money> amounts, Currency currency);

// amount × factor, exact (e.g. an installment times a count).
absl::StatusOr<Money> Multiply(const Money& amount, int64_t factor);

// amount × numerator / denominator, computed exactly in 128 bits and rounded
// once by `mode` to minor units. denominator == 0 is InvalidArgument; a
// negative denominator flips the sign.
absl::StatusOr<Money> MultiplyByFraction(const Money& amount, int64_t numerator,
                                         int64_t denominator, RoundingMode mode);

// amount × rate, rounded once by `mode`. For interest over n days at a daily
// rate with a single rounding: MultiplyByRate(principal, *daily.Times(n), mode).
absl::StatusOr<Money> MultiplyByRate(const Money& amount, Rate rate, RoundingMode mode);

// Splits `total` into weights.size() parts proportional to `weights` that sum
// exactly to `total` (no minor unit is lost or invented).
//
// Largest-remainder method: each part first gets |total|·w/Σw rounded toward
// zero; the leftover minor units go one each to the parts with the largest
// remainders, ties to the lower index. The result is deterministic, a
// zero-weight part always gets zero, and a negative total is split as the
// negation of splitting its magnitude.
//
// InvalidArgument for an empty span, a negative weight or all weights zero.
absl::StatusOr<std::vector<Money>> Allocate(const Money& total, absl::Span<const int64_t> weights);

}  // namespace arrears::money

#endif  // ARREARS_COMMON_MONEY_MONEY_H_
