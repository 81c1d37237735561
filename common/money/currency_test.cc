#include "common/money/currency.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::money {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CurrencyTest, RequiredCodesAndExponents) {
  const std::pair<const char*, int> expected[] = {
      {"CNY", 2}, {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0},
      {"HKD", 2}, {"KRW", 0}, {"SGD", 2}, {"KWD", 3}, {"BHD", 3},
  };
  for (const auto& [code, exponent] : expected) {
    SCOPED_TRACE(code);
    ASSERT_OK_AND_ASSIGN(Currency c, Currency::FromCode(code));
    EXPECT_EQ(c.code(), code);
    EXPECT_EQ(c.exponent(), exponent);
  }
  EXPECT_EQ(Currency::Of("CNY").minor_per_major(), 100);
  EXPECT_EQ(Currency::Of("JPY").minor_per_major(), 1);
  EXPECT_EQ(Currency::Of("KWD").minor_per_major(), 1000);
}

TEST(CurrencyTest, CompileTimeAndRuntimeAgree) {
  constexpr Currency cny = Currency::Of("CNY");
  static_assert(cny.exponent() == 2);
  static_assert(Currency::Of("JPY") != cny);
  ASSERT_OK_AND_ASSIGN(Currency runtime, Currency::FromCode("CNY"));
  EXPECT_EQ(runtime, cny);
}

TEST(CurrencyTest, RejectsUnknownAndMalformedCodes) {
  EXPECT_THAT(Currency::FromCode("XYZ"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"XYZ\"")));
  EXPECT_THAT(Currency::FromCode("cny"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Currency::FromCode("CNYY"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Currency::FromCode("XAU"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Currency::FromCode(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing")));
}

TEST(CurrencyTest, TableIsWellFormed) {
  std::set<std::string> codes;
  for (const internal::CurrencyInfo& info : internal::kCurrencies) {
    SCOPED_TRACE(info.code);
    const std::string code(info.code);
    EXPECT_EQ(code.size(), 3u);
    for (char ch : code) EXPECT_TRUE(ch >= 'A' && ch <= 'Z');
    EXPECT_TRUE(info.exponent >= 0 && info.exponent <= 4);
    EXPECT_TRUE(codes.insert(code).second) << "duplicate";
  }
  // Sorted, so a reader can find a code and a reviewer can spot a duplicate.
  EXPECT_TRUE(std::is_sorted(
      std::begin(internal::kCurrencies), std::end(internal::kCurrencies),
      [](const auto& a, const auto& b) { return std::string(a.code) < std::string(b.code); }));
}

TEST(CurrencyTest, PrintsAndHashes) {
  std::ostringstream os;
  os << Currency::Of("EUR");
  EXPECT_EQ(os.str(), "EUR");
  EXPECT_EQ(absl::StrFormat("%s", Currency::Of("GBP")), "GBP");
  absl::flat_hash_set<Currency> set = {Currency::Of("USD"), Currency::Of("USD"),
                                       Currency::Of("HKD")};
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace arrears::money
