#include "services/strategy_routing/risk_score.h"

#include <fstream>
#include <sstream>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::strategy {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kCard[] = R"(scorecard: retail-v1
intercept: 0
features:
  dpd:
    - {max: 7, weight: 1.0986122886681098}
    - {max: 30, weight: 0}
    - {weight: -1.0986122886681098}
  overdue_minor:
    - {max: 100000, weight: 0}
    - {weight: -0.5}
  broken_promises:
    - {max: 0, weight: 0}
    - {weight: -2}
  contactability: {REACHABLE: 0, LOST_CONTACT: -1}
  product: {CAR_LOAN: 0.5, default: 0}
)";

TEST(ScorecardTest, KnownValues) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scorecard> card, Scorecard::Create(kCard));
  EXPECT_EQ(card->id(), "retail-v1");
  // logit ln 3 -> p = 0.75.
  RiskScore s = card->Score(ScoreInput{
      .dpd = 3, .overdue_minor = 10'000, .contactability = v1::CONTACTABILITY_REACHABLE});
  EXPECT_EQ(s.self_cure_ppm, 750'000);
  EXPECT_EQ(s.self_cure_permille, 750);
  EXPECT_EQ(s.expected_recovery_minor, 2'500);
  // logit 0 -> 0.5.
  s = card->Score(ScoreInput{.dpd = 20, .overdue_minor = 10'001});
  EXPECT_EQ(s.self_cure_ppm, 500'000);
  EXPECT_EQ(s.expected_recovery_minor, 5'000);  // 5000.5 rounded down
  // logit -ln 3 -> 0.25.
  s = card->Score(ScoreInput{.dpd = 45, .overdue_minor = 4});
  EXPECT_EQ(s.self_cure_ppm, 250'000);
  EXPECT_EQ(s.expected_recovery_minor, 3);
  // -ln3 - 0.5 - 2 - 1 + 0.5 = -4.0986...: p = 1 / (1 + 60.25) = 0.0163254...
  s = card->Score(ScoreInput{.dpd = 90,
                             .overdue_minor = 1'000'000,
                             .broken_promises = 2,
                             .contactability = v1::CONTACTABILITY_LOST_CONTACT,
                             .product_code = "CAR_LOAN"});
  EXPECT_EQ(s.self_cure_ppm, 16'325);
  EXPECT_EQ(s.self_cure_permille, 16);
  EXPECT_EQ(s.expected_recovery_minor, 983'675);
}

TEST(ScorecardTest, ExpectedRecoveryExactForHugeAmounts) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scorecard> card, Scorecard::Create(kCard));
  const RiskScore s = card->Score(
      ScoreInput{.dpd = 3, .overdue_minor = 4'000'000'000'000'000'001, .product_code = "CAR_LOAN"});
  // ln 3 - 0.5 + 0.5 -> p = 0.75: a quarter, exactly, rounded down.
  EXPECT_EQ(s.expected_recovery_minor, 1'000'000'000'000'000'000);
}

TEST(ScorecardTest, ValidationErrorsNameLineAndField) {
  std::string bad = kCard;
  bad.replace(bad.find("{weight: -0.5}"), 14, "{max: 5, weight: x}");
  EXPECT_THAT(Scorecard::Create(bad).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 10"), HasSubstr("features.overdue_minor[1].weight"),
                             HasSubstr("features.overdue_minor[1]: the last bin has no max"))));
}

TEST(ScorecardTest, DefaultScorecardLoadsAndOrdersMildAboveSevere) {
  std::ifstream in(STRATEGY_DEFAULT_SCORECARD_YAML);
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scorecard> card, Scorecard::Create(text.str()));
  const RiskScore mild = card->Score(ScoreInput{
      .dpd = 2, .overdue_minor = 30'000, .contactability = v1::CONTACTABILITY_REACHABLE});
  const RiskScore severe =
      card->Score(ScoreInput{.dpd = 75,
                             .overdue_minor = 800'000,
                             .broken_promises = 2,
                             .contactability = v1::CONTACTABILITY_LOST_CONTACT});
  // 0.2 + 1.2 + 0.5 + 0.3 + 0.4 = 2.6 -> 0.930861...
  EXPECT_EQ(mild.self_cure_ppm, 930'862);
  // 0.2 - 1.8 - 0.3 - 1.2 - 1.5 = -4.6 -> 0.009952...
  EXPECT_EQ(severe.self_cure_ppm, 9'952);
  EXPECT_GT(severe.expected_recovery_minor, mild.expected_recovery_minor);
}

}  // namespace
}  // namespace arrears::strategy
