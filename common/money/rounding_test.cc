#include "common/money/rounding.h"

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

// java.math.RoundingMode's documented table, in tenths: input x/10 rounded to
// an integer by each mode.
struct Row {
  int tenths;
  int64_t half_even, half_up, down, up, floor, ceiling;
};
constexpr Row kTable[] = {
    // x      HALF_EVEN HALF_UP DOWN UP FLOOR CEILING
    {55, 6, 6, 5, 6, 5, 6},        {25, 2, 3, 2, 3, 2, 3},        {16, 2, 2, 1, 2, 1, 2},
    {11, 1, 1, 1, 2, 1, 2},        {10, 1, 1, 1, 1, 1, 1},        {0, 0, 0, 0, 0, 0, 0},
    {-10, -1, -1, -1, -1, -1, -1}, {-11, -1, -1, -1, -2, -2, -1}, {-16, -2, -2, -1, -2, -2, -1},
    {-25, -2, -3, -2, -3, -3, -2}, {-55, -6, -6, -5, -6, -6, -5}, {35, 4, 4, 3, 4, 3, 4},
    {-35, -4, -4, -3, -4, -4, -3}, {5, 0, 1, 0, 1, 0, 1},         {-5, 0, -1, 0, -1, -1, 0},
};

TEST(DivideRoundedTest, MatchesJavaRoundingModeTable) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(row.tenths);
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kHalfEven),
                IsOkAndHolds(row.half_even));
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kHalfUp), IsOkAndHolds(row.half_up));
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kDown), IsOkAndHolds(row.down));
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kUp), IsOkAndHolds(row.up));
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kFloor), IsOkAndHolds(row.floor));
    EXPECT_THAT(DivideRounded(row.tenths, 10, RoundingMode::kCeiling), IsOkAndHolds(row.ceiling));
  }
}

TEST(DivideRoundedTest, NearHalfIsNotHalf) {
  // 0.4999999999 and 0.5000000001 with a large odd denominator.
  const __int128 den = 2'000'000'001;
  EXPECT_THAT(DivideRounded(1'000'000'000, den, RoundingMode::kHalfUp), IsOkAndHolds(0));
  EXPECT_THAT(DivideRounded(1'000'000'001, den, RoundingMode::kHalfUp), IsOkAndHolds(1));
  EXPECT_THAT(DivideRounded(-1'000'000'001, den, RoundingMode::kHalfEven), IsOkAndHolds(-1));
}

TEST(DivideRoundedTest, Full128BitRange) {
  const __int128 max = std::numeric_limits<int64_t>::max();
  const __int128 min = std::numeric_limits<int64_t>::min();
  EXPECT_THAT(DivideRounded(max * 1'000'000'000, 1'000'000'000, RoundingMode::kHalfEven),
              IsOkAndHolds(std::numeric_limits<int64_t>::max()));
  EXPECT_THAT(DivideRounded(min * max, max, RoundingMode::kDown),
              IsOkAndHolds(std::numeric_limits<int64_t>::min()));
  EXPECT_THAT(DivideRounded(max * 2, 1, RoundingMode::kDown),
              StatusIs(absl::StatusCode::kOutOfRange));
  // Rounding itself can push the quotient out of range.
  EXPECT_THAT(DivideRounded(max * 10 + 5, 10, RoundingMode::kHalfUp),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(DivideRoundedTest, RejectsNonPositiveDenominator) {
  EXPECT_THAT(DivideRounded(1, 0, RoundingMode::kDown),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("denominator")));
  EXPECT_THAT(DivideRounded(1, -3, RoundingMode::kDown),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RoundingModeTest, NamesRoundTrip) {
  for (RoundingMode mode : {RoundingMode::kHalfEven, RoundingMode::kHalfUp, RoundingMode::kDown,
                            RoundingMode::kUp, RoundingMode::kFloor, RoundingMode::kCeiling}) {
    EXPECT_THAT(ParseRoundingMode(RoundingModeName(mode)), IsOkAndHolds(mode));
  }
  EXPECT_EQ(RoundingModeName(RoundingMode::kHalfEven), "half_even");
}

TEST(RoundingModeTest, UnknownNameIsNamed) {
  EXPECT_THAT(ParseRoundingMode("bankers"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"bankers\"")));
  EXPECT_THAT(ParseRoundingMode("HALF_EVEN"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::money
