// Rate: an exact decimal fraction (interest, penalty, fee rates), stored as an
// integer count of parts per billion (1e-9). No floating point anywhere.
//
//   0.05 % per day  = 0.0005   = 500'000 ppb
//   18 % per year   = 0.18     = 180'000'000 ppb
//   1 basis point   = 0.0001   = 100'000 ppb
//
// Nine decimal places cover every rate a loan product quotes (a daily rate
// derived from an annual one is stated by the product, already rounded, in
// its own terms). Apply a rate to money with MultiplyByRate() in money.h.
// Negative rates are representable (e.g. a discount); whether one is allowed
// is the caller's rule.
//
// Small value type; thread-safe.
#ifndef ARREARS_COMMON_MONEY_RATE_H_
#define ARREARS_COMMON_MONEY_RATE_H_

#include <compare>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::money {

class Rate {
 public:
  static constexpr int64_t kPartsPerUnit = 1'000'000'000;
  static constexpr int kDecimalPlaces = 9;

  // The zero rate.
  constexpr Rate() = default;

  static constexpr Rate FromPartsPerBillion(int64_t parts_per_billion) {
    return Rate(parts_per_billion);
  }

  // Exact decimal text: a plain fraction with at most 9 decimals ("0.0005",
  // "1", "-0.25") or a percentage with at most 7 decimals ("0.05%"). Anything
  // else, including extra decimals that would need rounding, is
  // InvalidArgument naming the input.
  static absl::StatusOr<Rate> Parse(absl::string_view text);

  constexpr int64_t parts_per_billion() const { return parts_per_billion_; }

  // This rate applied `periods` times without compounding (e.g. a daily rate
  // times a number of days), so interest over a span is rounded once.
  // OutOfRange if the result leaves int64 parts per billion.
  absl::StatusOr<Rate> Times(int64_t periods) const;

  // Shortest exact decimal fraction: "0.0005", "0.18", "1", "-0.25".
  std::string ToString() const;

  friend constexpr auto operator<=>(Rate, Rate) = default;
  friend constexpr bool operator==(Rate, Rate) = default;
  friend std::ostream& operator<<(std::ostream& os, Rate rate) { return os << rate.ToString(); }

 private:
  constexpr explicit Rate(int64_t parts_per_billion) : parts_per_billion_(parts_per_billion) {}
  int64_t parts_per_billion_ = 0;
};

}  // namespace arrears::money

#endif  // ARREARS_COMMON_MONEY_RATE_H_
