#include "services/strategy_routing/variant_stats.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::strategy {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr money::Currency kCny = money::Currency::Of("CNY");

TEST(VariantStatsTest, AccumulatesPerVariant) {
  VariantStats stats;
  const VariantKey champion{1, "champion"};
  const VariantKey challenger{1, "early-call"};
  const absl::CivilDay day(2026, 3, 1);
  stats.OnCaseOpened(champion, "c1", day);
  stats.OnCaseOpened(champion, "c1", day);  // replay
  stats.OnCaseOpened(champion, "c2", day);
  stats.OnCaseOpened(champion, "c3", day);
  stats.OnCaseOpened(challenger, "c4", day);
  for (int i = 0; i < 7; ++i) stats.OnContact(champion);
  ASSERT_OK(stats.OnRepayment(champion, money::Money::FromMinor(1'000, kCny)));
  ASSERT_OK(stats.OnRepayment(champion, money::Money::FromMinor(250, kCny)));
  EXPECT_FALSE(stats.OnRepayment(champion, money::Money::FromMinor(-1, kCny)).ok());
  stats.OnCured(champion, "c1", day + 4);
  stats.OnCured(champion, "c1", day + 9);  // already cured
  stats.OnCured(champion, "c2", day + 11);
  stats.OnCured(champion, "unknown", day + 1);

  const std::vector<VariantSummary> summaries = stats.Summaries();
  ASSERT_THAT(summaries, SizeIs(2));
  const VariantSummary& c = summaries[0];
  EXPECT_EQ(c.key.variant, "champion");
  EXPECT_EQ(c.case_count, 3);
  EXPECT_EQ(c.cured_count, 2);
  EXPECT_EQ(c.cure_rate_ppm, 666'666);
  EXPECT_THAT(c.amount_recovered, ElementsAre(money::Money::FromMinor(1'250, kCny)));
  EXPECT_EQ(c.contacts_per_cure_milli, 3'500);
  EXPECT_EQ(c.mean_days_to_cure_milli, 7'500);
  EXPECT_EQ(c.median_days_to_cure, 4);
  const VariantSummary& d = summaries[1];
  EXPECT_EQ(d.case_count, 1);
  EXPECT_EQ(d.cured_count, 0);
  EXPECT_EQ(d.cure_rate_ppm, 0);
  EXPECT_EQ(d.contacts_per_cure_milli, 0);

  const std::vector<v1::VariantOutcome> rows = stats.ToProto("champion");
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_TRUE(rows[0].champion());
  EXPECT_FALSE(rows[1].champion());
  EXPECT_EQ(rows[0].amount_recovered(0).amount_minor(), 1'250);
}

}  // namespace
}  // namespace arrears::strategy
