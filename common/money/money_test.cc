#include "common/money/money.h"

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::money {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr Currency kCny = Currency::Of("CNY");
constexpr Currency kUsd = Currency::Of("USD");
constexpr Currency kJpy = Currency::Of("JPY");
constexpr Currency kKwd = Currency::Of("KWD");
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Money Cny(int64_t fen) { return Money::FromMinor(fen, kCny); }

// --- Parsing and formatting ------------------------------------------------

TEST(MoneyParseTest, ParsesExactly) {
  EXPECT_THAT(Money::Parse("1234.56 CNY"), IsOkAndHolds(Cny(123456)));
  EXPECT_THAT(Money::Parse("12.5 CNY"), IsOkAndHolds(Cny(1250)));
  EXPECT_THAT(Money::Parse("-0.05 USD"), IsOkAndHolds(Money::FromMinor(-5, kUsd)));
  EXPECT_THAT(Money::Parse("1500 JPY"), IsOkAndHolds(Money::FromMinor(1500, kJpy)));
  EXPECT_THAT(Money::Parse("1.25 KWD"), IsOkAndHolds(Money::FromMinor(1250, kKwd)));
  EXPECT_THAT(Money::Parse("0.10", kCny), IsOkAndHolds(Cny(10)));
}

TEST(MoneyParseTest, TooManyDecimalsIsAnErrorNotARounding) {
  EXPECT_THAT(Money::Parse("12.345 CNY"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"12.345 CNY\""), HasSubstr("too many decimal places"))));
  EXPECT_THAT(Money::Parse("1.0 JPY"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Money::Parse("1.2345 KWD"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Money::Parse("0.001", kCny),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"0.001\""), HasSubstr("CNY"))));
}

TEST(MoneyParseTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "CNY", "1234.56", "1234.56CNY", "1234.56  CNY", " 1234.56 CNY", "1234.56 CNY ",
        "1234.56 cny", "1,234.56 CNY", "+1 CNY", "1.2e3 CNY", "1234.56 XYZ", "NaN CNY"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(Money::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(Money::Parse("1234.56 XYZ"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"XYZ\"")));
}

TEST(MoneyParseTest, Int64Range) {
  EXPECT_THAT(Money::Parse("92233720368547758.07 CNY"), IsOkAndHolds(Cny(kMax)));
  EXPECT_THAT(Money::Parse("-92233720368547758.08 CNY"), IsOkAndHolds(Cny(kMin)));
  EXPECT_THAT(Money::Parse("92233720368547758.08 CNY"), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(MoneyFormatTest, ToStringUsesTheCurrencyExponent) {
  EXPECT_EQ(Cny(123456).ToString(), "1234.56 CNY");
  EXPECT_EQ(Cny(1250).ToString(), "12.50 CNY");
  EXPECT_EQ(Cny(-5).ToString(), "-0.05 CNY");
  EXPECT_EQ(Cny(0).ToString(), "0.00 CNY");
  EXPECT_EQ(Money::FromMinor(-1500, kJpy).ToString(), "-1500 JPY");
  EXPECT_EQ(Money::FromMinor(1250, kKwd).ToString(), "1.250 KWD");
  EXPECT_EQ(Cny(kMin).ToString(), "-92233720368547758.08 CNY");
  EXPECT_EQ(Cny(-123456).AmountString(), "-1234.56");
}

TEST(MoneyFormatTest, RoundTrips) {
  for (const Money& m : {Cny(0), Cny(1), Cny(-1), Cny(99), Cny(100), Cny(kMax), Cny(kMin),
                         Money::FromMinor(7, kJpy), Money::FromMinor(-1, kKwd)}) {
    EXPECT_THAT(Money::Parse(m.ToString()), IsOkAndHolds(m));
  }
}

TEST(MoneyFormatTest, StreamsFormatsAndHashes) {
  std::ostringstream os;
  os << Cny(-5);
  EXPECT_EQ(os.str(), "-0.05 CNY");
  EXPECT_EQ(absl::StrFormat("due %s", Cny(100)), "due 1.00 CNY");
  absl::flat_hash_set<Money> set = {Cny(1), Cny(1), Money::FromMinor(1, kUsd)};
  EXPECT_EQ(set.size(), 2u);
}

// --- Comparison ------------------------------------------------------------

TEST(MoneyCompareTest, EqualityIncludesCurrency) {
  EXPECT_EQ(Cny(100), Cny(100));
  EXPECT_NE(Cny(100), Cny(101));
  EXPECT_NE(Cny(100), Money::FromMinor(100, kUsd));
}

TEST(MoneyCompareTest, OrderingWithinOneCurrency) {
  EXPECT_THAT(Compare(Cny(1), Cny(2)), IsOkAndHolds(-1));
  EXPECT_THAT(Compare(Cny(2), Cny(2)), IsOkAndHolds(0));
  EXPECT_THAT(Compare(Cny(-1), Cny(-2)), IsOkAndHolds(1));
  EXPECT_THAT(
      Compare(Cny(1), Money::FromMinor(1, kUsd)),
      StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("CNY"), HasSubstr("USD"))));
  EXPECT_THAT(Min(Cny(5), Cny(-3)), IsOkAndHolds(Cny(-3)));
  EXPECT_THAT(Max(Cny(5), Cny(-3)), IsOkAndHolds(Cny(5)));
  EXPECT_THAT(Min(Cny(5), Money::FromMinor(1, kJpy)), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MoneyCompareTest, SignPredicates) {
  EXPECT_TRUE(Cny(0).IsZero());
  EXPECT_FALSE(Cny(0).IsPositive());
  EXPECT_FALSE(Cny(0).IsNegative());
  EXPECT_TRUE(Cny(-1).IsNegative());
  EXPECT_TRUE(Cny(1).IsPositive());
  EXPECT_TRUE(Money::Zero(kJpy).IsZero());
}

// --- Checked arithmetic ----------------------------------------------------

TEST(MoneyArithmeticTest, AddsAndSubtractsExactly) {
  // The classic binary floating point failure: 0.10 + 0.20 == 0.30 here.
  EXPECT_THAT(Add(Cny(10), Cny(20)), IsOkAndHolds(Cny(30)));
  EXPECT_THAT(Subtract(Cny(100), Cny(250)), IsOkAndHolds(Cny(-150)));
  EXPECT_THAT(Negate(Cny(-150)), IsOkAndHolds(Cny(150)));
  EXPECT_THAT(Multiply(Cny(123456), 12), IsOkAndHolds(Cny(1481472)));
}

TEST(MoneyArithmeticTest, CurrencyMismatchNamesBoth) {
  const auto mismatch =
      StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("CNY"), HasSubstr("USD")));
  EXPECT_THAT(Add(Cny(1), Money::FromMinor(1, kUsd)), mismatch);
  EXPECT_THAT(Subtract(Cny(1), Money::FromMinor(1, kUsd)), mismatch);
}

TEST(MoneyArithmeticTest, OverflowIsOutOfRange) {
  EXPECT_THAT(Add(Cny(kMax), Cny(1)), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("CNY")));
  EXPECT_THAT(Subtract(Cny(kMin), Cny(1)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Subtract(Cny(0), Cny(kMin)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Negate(Cny(kMin)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Multiply(Cny(kMax / 2 + 1), 2), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Add(Cny(kMax), Cny(-1)), IsOkAndHolds(Cny(kMax - 1)));
}

TEST(MoneyArithmeticTest, Sum) {
  const std::vector<Money> amounts = {Cny(10), Cny(20), Cny(-5)};
  EXPECT_THAT(Sum(amounts, kCny), IsOkAndHolds(Cny(25)));
  EXPECT_THAT(Sum({}, kJpy), IsOkAndHolds(Money::Zero(kJpy)));
  // Only the total has to fit: the running sum may leave int64 on the way.
  const std::vector<Money> swing = {Cny(kMax), Cny(1), Cny(-2)};
  EXPECT_THAT(Sum(swing, kCny), IsOkAndHolds(Cny(kMax - 1)));
  const std::vector<Money> too_big = {Cny(kMax), Cny(1)};
  EXPECT_THAT(Sum(too_big, kCny), StatusIs(absl::StatusCode::kOutOfRange));
  const std::vector<Money> mixed = {Cny(1), Money::FromMinor(1, kUsd)};
  EXPECT_THAT(Sum(mixed, kCny), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("USD")));
}

// --- Rates and rounding: worked examples -----------------------------------

TEST(MultiplyByRateTest, DailyPenaltyOnOverduePrincipal) {
  // 12,345.67 CNY overdue principal at 0.05 % per day:
  // 1,234,567 fen × 0.0005 = 617.2835 fen.
  const Money principal = Cny(1'234'567);
  ASSERT_OK_AND_ASSIGN(Rate daily, Rate::Parse("0.05%"));
  EXPECT_THAT(MultiplyByRate(principal, daily, RoundingMode::kHalfEven), IsOkAndHolds(Cny(617)));
  EXPECT_THAT(MultiplyByRate(principal, daily, RoundingMode::kHalfUp), IsOkAndHolds(Cny(617)));
  EXPECT_THAT(MultiplyByRate(principal, daily, RoundingMode::kDown), IsOkAndHolds(Cny(617)));
  EXPECT_THAT(MultiplyByRate(principal, daily, RoundingMode::kUp), IsOkAndHolds(Cny(618)));

  // Three days rounded once: 1,234,567 × 0.0015 = 1,851.8505 fen → 18.52 CNY,
  // whereas rounding each day gives 3 × 6.17 = 18.51 CNY. The product
  // configuration must say which one it means.
  ASSERT_OK_AND_ASSIGN(Rate three_days, daily.Times(3));
  EXPECT_THAT(MultiplyByRate(principal, three_days, RoundingMode::kHalfEven),
              IsOkAndHolds(Cny(1852)));
}

TEST(MultiplyByRateTest, ExactHalvesPerMode) {
  const Rate daily = Rate::FromPartsPerBillion(500'000);  // 0.05 %
  struct Case {
    int64_t fen;  // × 0.0005 lands exactly on a half fen
    int64_t half_even, half_up, down, up, floor, ceiling;
  };
  const Case cases[] = {
      {1000, 0, 1, 0, 1, 0, 1},         // 10.00 CNY → 0.5 fen
      {3000, 2, 2, 1, 2, 1, 2},         // 30.00 CNY → 1.5 fen
      {5000, 2, 3, 2, 3, 2, 3},         // 50.00 CNY → 2.5 fen
      {-5000, -2, -3, -2, -3, -3, -2},  // -50.00 CNY → -2.5 fen
      {-3000, -2, -2, -1, -2, -2, -1},  // -30.00 CNY → -1.5 fen
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fen);
    const Money m = Cny(c.fen);
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kHalfEven), IsOkAndHolds(Cny(c.half_even)));
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kHalfUp), IsOkAndHolds(Cny(c.half_up)));
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kDown), IsOkAndHolds(Cny(c.down)));
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kUp), IsOkAndHolds(Cny(c.up)));
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kFloor), IsOkAndHolds(Cny(c.floor)));
    EXPECT_THAT(MultiplyByRate(m, daily, RoundingMode::kCeiling), IsOkAndHolds(Cny(c.ceiling)));
  }
}

TEST(MultiplyByRateTest, JustAboveAndBelowHalf) {
  const Rate daily = Rate::FromPartsPerBillion(500'000);
  // 50.01 CNY → 2.5005 fen, 49.99 CNY → 2.4995 fen.
  EXPECT_THAT(MultiplyByRate(Cny(5001), daily, RoundingMode::kHalfEven), IsOkAndHolds(Cny(3)));
  EXPECT_THAT(MultiplyByRate(Cny(4999), daily, RoundingMode::kHalfUp), IsOkAndHolds(Cny(2)));
}

TEST(MultiplyByRateTest, OtherExponents) {
  const Rate daily = Rate::FromPartsPerBillion(500'000);
  // 12,345 JPY × 0.0005 = 6.1725 JPY.
  EXPECT_THAT(MultiplyByRate(Money::FromMinor(12'345, kJpy), daily, RoundingMode::kHalfEven),
              IsOkAndHolds(Money::FromMinor(6, kJpy)));
  // 1.234 KWD × 18 % = 0.22212 KWD → 0.222 KWD.
  EXPECT_THAT(MultiplyByRate(Money::FromMinor(1234, kKwd), Rate::FromPartsPerBillion(180'000'000),
                             RoundingMode::kHalfEven),
              IsOkAndHolds(Money::FromMinor(222, kKwd)));
}

TEST(MultiplyByRateTest, Uses128BitIntermediates) {
  // kMax × 1 would overflow 64 bits in the intermediate product kMax × 10^9.
  EXPECT_THAT(
      MultiplyByRate(Cny(kMax), Rate::FromPartsPerBillion(1'000'000'000), RoundingMode::kHalfEven),
      IsOkAndHolds(Cny(kMax)));
  // kMax is odd: kMax × 0.5 = 4611686018427387903.5 → the even neighbour.
  EXPECT_THAT(
      MultiplyByRate(Cny(kMax), Rate::FromPartsPerBillion(500'000'000), RoundingMode::kHalfEven),
      IsOkAndHolds(Cny(4611686018427387904)));
  EXPECT_THAT(
      MultiplyByRate(Cny(kMax), Rate::FromPartsPerBillion(500'000'000), RoundingMode::kDown),
      IsOkAndHolds(Cny(4611686018427387903)));
  EXPECT_THAT(
      MultiplyByRate(Cny(kMax), Rate::FromPartsPerBillion(2'000'000'000), RoundingMode::kHalfEven),
      StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("CNY")));
}

TEST(MultiplyByFractionTest, SignsAndDenominators) {
  EXPECT_THAT(MultiplyByFraction(Cny(10000), 1, 3, RoundingMode::kHalfEven),
              IsOkAndHolds(Cny(3333)));
  EXPECT_THAT(MultiplyByFraction(Cny(10000), 2, 3, RoundingMode::kHalfEven),
              IsOkAndHolds(Cny(6667)));
  EXPECT_THAT(MultiplyByFraction(Cny(10000), 1, -3, RoundingMode::kFloor),
              IsOkAndHolds(Cny(-3334)));
  EXPECT_THAT(MultiplyByFraction(Cny(10000), -1, 3, RoundingMode::kCeiling),
              IsOkAndHolds(Cny(-3333)));
  EXPECT_THAT(MultiplyByFraction(Cny(kMin), 1, kMin, RoundingMode::kDown), IsOkAndHolds(Cny(1)));
  EXPECT_THAT(MultiplyByFraction(Cny(1), 1, 0, RoundingMode::kDown),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("denominator")));
}

// --- Allocation ------------------------------------------------------------

std::vector<int64_t> MinorUnits(const std::vector<Money>& parts) {
  std::vector<int64_t> result;
  for (const Money& m : parts) result.push_back(m.minor_units());
  return result;
}

TEST(AllocateTest, EqualWeightsGiveExtraCentsToTheFirst) {
  const std::vector<int64_t> thirds = {1, 1, 1};
  ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(10000), thirds));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(3334, 3333, 3333));
  EXPECT_EQ(parts[0].currency(), kCny);

  const std::vector<int64_t> sevenths(7, 1);
  ASSERT_OK_AND_ASSIGN(parts, Allocate(Cny(100), sevenths));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(15, 15, 14, 14, 14, 14, 14));
}

TEST(AllocateTest, LargestRemainderWins) {
  // 100 × {1, 2, 4} / 7 = 14.29, 28.57, 57.14: floors 14 + 28 + 57 = 99, the
  // leftover fen goes to the largest remainder (28.57), not to index 0.
  const std::vector<int64_t> weights = {1, 2, 4};
  ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(100), weights));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(14, 29, 57));
}

TEST(AllocateTest, NegativeTotalMirrorsPositive) {
  const std::vector<int64_t> thirds = {1, 1, 1};
  ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(-10000), thirds));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(-3334, -3333, -3333));
}

TEST(AllocateTest, ZeroWeightsGetNothing) {
  const std::vector<int64_t> weights = {0, 1, 0, 1};
  ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(3), weights));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(0, 2, 0, 1));
  ASSERT_OK_AND_ASSIGN(parts, Allocate(Cny(0), weights));
  EXPECT_THAT(MinorUnits(parts), ElementsAre(0, 0, 0, 0));
}

TEST(AllocateTest, ExtremeValuesLoseNothing) {
  const std::vector<int64_t> weights = {kMax, kMax, 1};
  for (int64_t total : {kMax, kMin, int64_t{1}, int64_t{-7}}) {
    SCOPED_TRACE(total);
    ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(total), weights));
    EXPECT_THAT(Sum(parts, kCny), IsOkAndHolds(Cny(total)));
  }
}

TEST(AllocateTest, PartsAlwaysSumToTotal) {
  // A deterministic sweep over awkward totals and weight vectors.
  const std::vector<std::vector<int64_t>> weight_sets = {
      {1}, {3, 3, 3}, {1, 2, 3, 4, 5, 6}, {7, 0, 13, 1}, {1'000'000, 1, 1}, {2, 2, 1}};
  for (const auto& weights : weight_sets) {
    for (int64_t total = -1003; total <= 1003; total += 17) {
      ASSERT_OK_AND_ASSIGN(std::vector<Money> parts, Allocate(Cny(total), weights));
      ASSERT_EQ(parts.size(), weights.size());
      EXPECT_THAT(Sum(parts, kCny), IsOkAndHolds(Cny(total)));
      for (size_t i = 0; i < parts.size(); ++i) {
        if (weights[i] == 0) {
          EXPECT_TRUE(parts[i].IsZero());
        }
        if (total > 0) {
          EXPECT_FALSE(parts[i].IsNegative());
        }
        if (total < 0) {
          EXPECT_FALSE(parts[i].IsPositive());
        }
      }
    }
  }
}

TEST(AllocateTest, RejectsBadWeights) {
  EXPECT_THAT(Allocate(Cny(1), {}), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<int64_t> zeros = {0, 0};
  EXPECT_THAT(Allocate(Cny(1), zeros),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zero")));
  const std::vector<int64_t> negative = {1, -1};
  EXPECT_THAT(Allocate(Cny(1), negative),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("weights[1]")));
}

}  // namespace
}  // namespace arrears::money
