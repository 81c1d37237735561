// Currency: an ISO 4217 alphabetic code with its minor-unit exponent.
//
// Only codes in the built-in table below exist: a Currency value is always a
// known currency (there is no default or "unset" currency), so Money never has
// to ask. The exponent is the number of decimal places of the minor unit:
// CNY 2 (fen), JPY 0, KWD 3 (fils). Codes are case-sensitive upper case, as
// ISO 4217 writes them; "cny" is rejected rather than guessed.
//
//   Currency cny = Currency::Of("CNY");                  // checked at compile time
//   ARREARS_ASSIGN_OR_RETURN(Currency c, Currency::FromCode(event.currency()));
//
// Small trivially copyable value type; thread-safe.
#ifndef ARREARS_COMMON_MONEY_CURRENCY_H_
#define ARREARS_COMMON_MONEY_CURRENCY_H_

#include <cstdint>
#include <ostream>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace arrears::money {
namespace internal {

struct CurrencyInfo {
  char code[4];  // NUL-terminated ISO 4217 alpha-3
  int8_t exponent;
};

// Active ISO 4217 currencies (list published by SIX, 2024), excluding funds
// codes, precious metals and testing codes. Exponents are ISO's, which is
// what loan systems and payment rails exchange (e.g. ISK, UGX, VND 0).
inline constexpr CurrencyInfo kCurrencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2},
    {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0},
    {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2},
    {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CRC", 2},
    {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2},
    {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2},
    {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2},
    {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2},
    {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0},
    {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2},
    {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2},
    {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2},
    {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2},
    {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2},
    {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2},
    {"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2},
    {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
    {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"UYU", 2}, {"UZS", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2},
    {"ZAR", 2}, {"ZMW", 2}, {"ZWL", 2},
};
inline constexpr int kCurrencyCount = sizeof(kCurrencies) / sizeof(kCurrencies[0]);

// Index of `code` in kCurrencies, or -1.
constexpr int FindCurrency(absl::string_view code) {
  if (code.size() != 3) return -1;
  for (int i = 0; i < kCurrencyCount; ++i) {
    const char* known = kCurrencies[i].code;
    if (known[0] == code[0] && known[1] == code[1] && known[2] == code[2]) return i;
  }
  return -1;
}

// Deliberately not constexpr: reaching it in Currency::Of() is a compile error.
void UnknownCurrencyCodeInCurrencyOf();

}  // namespace internal

class Currency {
 public:
  // A currency known at compile time; an unknown code does not compile.
  static consteval Currency Of(const char* code) {
    const int index = internal::FindCurrency(code);
    if (index < 0) internal::UnknownCurrencyCodeInCurrencyOf();
    return Currency(index);
  }

  // A currency from untrusted text. Unknown, empty or lower-case codes are
  // InvalidArgument naming the input.
  static absl::StatusOr<Currency> FromCode(absl::string_view code);

  // "CNY". Points into static storage; valid forever.
  constexpr absl::string_view code() const {
    return absl::string_view(internal::kCurrencies[index_].code, 3);
  }
  // Decimal places of the minor unit: 2 for CNY, 0 for JPY, 3 for KWD.
  constexpr int exponent() const { return internal::kCurrencies[index_].exponent; }
  // Minor units per major unit: 100 for CNY, 1 for JPY, 1000 for KWD.
  int64_t minor_per_major() const;

  friend constexpr bool operator==(Currency a, Currency b) { return a.index_ == b.index_; }
  friend constexpr bool operator!=(Currency a, Currency b) { return a.index_ != b.index_; }

  template <typename H>
  friend H AbslHashValue(H h, Currency c) {
    return H::combine(std::move(h), c.code());
  }
  template <typename Sink>
  friend void AbslStringify(Sink& sink, Currency c) {
    sink.Append(c.code());
  }
  friend absl::FormatConvertResult<absl::FormatConversionCharSet::kString> AbslFormatConvert(
      Currency c, const absl::FormatConversionSpec&, absl::FormatSink* sink) {
    sink->Append(c.code());
    return {true};
  }
  friend std::ostream& operator<<(std::ostream& os, Currency c) { return os << c.code(); }

 private:
  constexpr explicit Currency(int index) : index_(static_cast<uint16_t>(index)) {}
  uint16_t index_;
};

}  // namespace arrears::money

#endif  // ARREARS_COMMON_MONEY_CURRENCY_H_
