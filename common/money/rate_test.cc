#include "common/money/rate.h"

#include <cstdint>
#include <limits>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::money {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RateTest, ParsesFractionsAndPercentages) {
  EXPECT_THAT(Rate::Parse("0.0005"), IsOkAndHolds(Rate::FromPartsPerBillion(500'000)));
  EXPECT_THAT(Rate::Parse("0.05%"), IsOkAndHolds(Rate::FromPartsPerBillion(500'000)));
  EXPECT_THAT(Rate::Parse("18%"), IsOkAndHolds(Rate::FromPartsPerBillion(180'000'000)));
  EXPECT_THAT(Rate::Parse("1"), IsOkAndHolds(Rate::FromPartsPerBillion(1'000'000'000)));
  EXPECT_THAT(Rate::Parse("-0.25"), IsOkAndHolds(Rate::FromPartsPerBillion(-250'000'000)));
  EXPECT_THAT(Rate::Parse("0.000000001"), IsOkAndHolds(Rate::FromPartsPerBillion(1)));
  EXPECT_THAT(Rate::Parse("0.0000001%"), IsOkAndHolds(Rate::FromPartsPerBillion(1)));
}

TEST(RateTest, RejectsInexactOrMalformedText) {
  EXPECT_THAT(Rate::Parse("0.0000000001"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rate \"0.0000000001\"")));
  EXPECT_THAT(Rate::Parse("0.00000001%"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Rate::Parse("5 %"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Rate::Parse("%"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Rate::Parse("1e-4"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Rate::Parse(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Rate::Parse("99999999999"), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(RateTest, FormatsShortestExactDecimal) {
  EXPECT_EQ(Rate::FromPartsPerBillion(500'000).ToString(), "0.0005");
  EXPECT_EQ(Rate::FromPartsPerBillion(180'000'000).ToString(), "0.18");
  EXPECT_EQ(Rate::FromPartsPerBillion(2'000'000'000).ToString(), "2");
  EXPECT_EQ(Rate::FromPartsPerBillion(-250'000'000).ToString(), "-0.25");
  EXPECT_EQ(Rate().ToString(), "0");
}

TEST(RateTest, TimesIsExactAndChecked) {
  EXPECT_THAT(Rate::FromPartsPerBillion(500'000).Times(30),
              IsOkAndHolds(Rate::FromPartsPerBillion(15'000'000)));
  EXPECT_THAT(Rate::FromPartsPerBillion(std::numeric_limits<int64_t>::max()).Times(2),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(RateTest, Orders) {
  EXPECT_LT(Rate::FromPartsPerBillion(1), Rate::FromPartsPerBillion(2));
  EXPECT_EQ(Rate(), Rate::FromPartsPerBillion(0));
}

}  // namespace
}  // namespace arrears::money
