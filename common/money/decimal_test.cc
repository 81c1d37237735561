#include "common/money/decimal.h"

#include <cstdint>
#include <limits>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::money::internal {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseScaledDecimalTest, ExactValues) {
  EXPECT_THAT(ParseScaledDecimal("0", 2), IsOkAndHolds(0));
  EXPECT_THAT(ParseScaledDecimal("12", 2), IsOkAndHolds(1200));
  EXPECT_THAT(ParseScaledDecimal("12.5", 2), IsOkAndHolds(1250));
  EXPECT_THAT(ParseScaledDecimal("12.05", 2), IsOkAndHolds(1205));
  EXPECT_THAT(ParseScaledDecimal("-0.01", 2), IsOkAndHolds(-1));
  EXPECT_THAT(ParseScaledDecimal("-0", 2), IsOkAndHolds(0));
  EXPECT_THAT(ParseScaledDecimal("0012.50", 2), IsOkAndHolds(1250));
  EXPECT_THAT(ParseScaledDecimal("7", 0), IsOkAndHolds(7));
  EXPECT_THAT(ParseScaledDecimal("0.000000001", 9), IsOkAndHolds(1));
}

TEST(ParseScaledDecimalTest, Int64Limits) {
  EXPECT_THAT(ParseScaledDecimal("92233720368547758.07", 2),
              IsOkAndHolds(std::numeric_limits<int64_t>::max()));
  EXPECT_THAT(ParseScaledDecimal("-92233720368547758.08", 2),
              IsOkAndHolds(std::numeric_limits<int64_t>::min()));
  EXPECT_THAT(ParseScaledDecimal("92233720368547758.08", 2),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ParseScaledDecimal("99999999999999999999999999999999999999999", 0),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(ParseScaledDecimalTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "-", "+1", ".5", "5.", "1,000", " 1", "1 ", "1e3", "1.2.3", "0x10", "--1", "1-", "١"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseScaledDecimal(bad, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(ParseScaledDecimalTest, TooManyDecimalsEvenIfZero) {
  EXPECT_THAT(ParseScaledDecimal("1.234", 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too many decimal places")));
  EXPECT_THAT(ParseScaledDecimal("1.230", 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseScaledDecimal("1.0", 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FormatScaledDecimalTest, PadsAndTrims) {
  EXPECT_EQ(FormatScaledDecimal(123456, 2, false), "1234.56");
  EXPECT_EQ(FormatScaledDecimal(-5, 2, false), "-0.05");
  EXPECT_EQ(FormatScaledDecimal(0, 2, false), "0.00");
  EXPECT_EQ(FormatScaledDecimal(1500, 0, false), "1500");
  EXPECT_EQ(FormatScaledDecimal(500'000, 9, true), "0.0005");
  EXPECT_EQ(FormatScaledDecimal(1'000'000'000, 9, true), "1");
  EXPECT_EQ(FormatScaledDecimal(std::numeric_limits<int64_t>::min(), 2, false),
            "-92233720368547758.08");
}

}  // namespace
}  // namespace arrears::money::internal
