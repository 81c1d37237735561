#include "tools/simulator/entity_random.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

TEST(EntityRandomTest, SameSeedStreamAndIndexGiveTheSameNumbers) {
  EntityRandom a(7, "customer", 42);
  EntityRandom b(7, "customer", 42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(EntityRandomTest, SeedStreamAndIndexEachChangeTheNumbers) {
  const uint64_t base = EntityRandom(7, "customer", 42).Next();
  EXPECT_NE(EntityRandom(8, "customer", 42).Next(), base);
  EXPECT_NE(EntityRandom(7, "loan", 42).Next(), base);
  EXPECT_NE(EntityRandom(7, "customer", 43).Next(), base);
}

TEST(EntityRandomTest, KnownValuesAreStableAcrossPlatforms) {
  // Every seeded run hangs on these: changing the generator or the stream
  // derivation changes every simulated book. Update deliberately only.
  EntityRandom random(1, "customer", 0);
  EXPECT_EQ(random.Next(), 3396297404657212315ULL);
  EXPECT_EQ(random.Uniform(0, 999), 208);
}

TEST(EntityRandomTest, UniformStaysInRangeAndReachesBothEnds) {
  EntityRandom random(3, "test", 0);
  bool low = false;
  bool high = false;
  for (int i = 0; i < 2000; ++i) {
    const int64_t value = random.Uniform(-2, 3);
    ASSERT_GE(value, -2);
    ASSERT_LE(value, 3);
    low |= value == -2;
    high |= value == 3;
  }
  EXPECT_TRUE(low);
  EXPECT_TRUE(high);
  EXPECT_EQ(random.Uniform(5, 5), 5);
}

TEST(EntityRandomTest, WeightedFollowsTheWeights) {
  EntityRandom random(3, "test", 1);
  std::vector<int> counts(3);
  for (int i = 0; i < 10'000; ++i) ++counts[static_cast<size_t>(random.Weighted({1, 0, 3}))];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0], 2500, 250);
  EXPECT_NEAR(counts[2], 7500, 250);
}

TEST(EntityRandomTest, UnitIsInTheHalfOpenInterval) {
  EntityRandom random(3, "test", 2);
  for (int i = 0; i < 1000; ++i) {
    const double u = random.Unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(EntityRandomTest, DigitsHasTheLengthAskedFor) {
  EntityRandom random(3, "test", 3);
  const std::string digits = random.Digits(8);
  EXPECT_THAT(digits, ::testing::MatchesRegex("[0-9]{8}"));
}

}  // namespace
}  // namespace arrears::simulator
