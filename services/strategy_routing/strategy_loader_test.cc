#include "services/strategy_routing/strategy_loader.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::strategy {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kValid[] = R"(strategy: s
version: 3
effective_from: 2026-01-01
currency: CNY
variants:
  - {id: a, percent: 70, champion: true}
  - {id: b, percent: 30}
segments:
  - id: early
    conditions:
      dpd: {min: 1, max: 30}
      contactability: [REACHABLE, unknown]
      products: CAR_LOAN
    steps:
      - id: sms
        anchor: dpd
        offset_days: 1
        channel: SMS
        template: t1
        window: {start: "08:30", end: "21:00"}
      - id: call
        offset_days: 2
        channel: CHANNEL_VOICE_CALL
        variants: [b]
        only_if_previous_unanswered: true
)";

TEST(StrategyLoaderTest, LoadsValidFile) {
  ASSERT_OK_AND_ASSIGN(Strategy s, LoadStrategy(kValid));
  EXPECT_EQ(s.id, "s");
  EXPECT_EQ(s.version, 3);
  EXPECT_EQ(s.effective_from, absl::CivilDay(2026, 1, 1));
  ASSERT_THAT(s.segments, SizeIs(1));
  const Segment& seg = s.segments[0];
  EXPECT_EQ(seg.conditions.dpd->min, 1);
  EXPECT_EQ(seg.conditions.dpd->max, 30);
  EXPECT_THAT(seg.conditions.contactability, SizeIs(2));
  EXPECT_THAT(seg.conditions.products, SizeIs(1));
  ASSERT_THAT(seg.steps, SizeIs(2));
  EXPECT_EQ(seg.steps[0].anchor, StepAnchor::kDpd);
  EXPECT_EQ(seg.steps[0].channel, common::v1::CHANNEL_SMS);
  EXPECT_EQ(seg.steps[0].window_start_minute, 8 * 60 + 30);
  EXPECT_EQ(seg.steps[0].window_end_minute, 21 * 60);
  EXPECT_EQ(seg.steps[1].channel, common::v1::CHANNEL_VOICE_CALL);
  EXPECT_TRUE(seg.steps[1].conditions.previous_unanswered);
}

TEST(StrategyLoaderTest, DefaultStrategyIsValid) {
  ASSERT_OK_AND_ASSIGN(Strategy s, LoadStrategyFile(STRATEGY_DEFAULT_YAML));
  EXPECT_EQ(s.id, "default-retail");
  EXPECT_GE(s.segments.size(), 8u);
}

// Replaces `from` with `to` in the valid file.
std::string Mutate(const std::string& from, const std::string& to) {
  std::string text = kValid;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

std::vector<ConfigError> Errors(const std::string& text) {
  StrategyParseResult result = ParseStrategy(text);
  EXPECT_FALSE(result.strategy.has_value());
  return result.errors;
}

auto ErrorAt(int line, absl::string_view field, absl::string_view message) {
  return AllOf(Field(&ConfigError::line, line), Field(&ConfigError::field, std::string(field)),
               Field(&ConfigError::message, HasSubstr(std::string(message))));
}

TEST(StrategyLoaderTest, UnknownChannelNamesLineAndField) {
  EXPECT_THAT(Errors(Mutate("channel: SMS", "channel: FAX")),
              Contains(ErrorAt(18, "segments[0].steps[0].channel", "unknown channel 'FAX'")));
}

TEST(StrategyLoaderTest, InvertedRange) {
  EXPECT_THAT(Errors(Mutate("{min: 1, max: 30}", "{min: 31, max: 30}")),
              Contains(ErrorAt(11, "segments[0].conditions.dpd", "min 31 > max 30")));
}

TEST(StrategyLoaderTest, UnknownFieldIsAnError) {
  EXPECT_THAT(Errors(Mutate("template: t1", "templat: t1")),
              Contains(ErrorAt(19, "segments[0].steps[0].templat", "unknown field")));
}

TEST(StrategyLoaderTest, VariantPercentagesMustSumTo100) {
  EXPECT_THAT(Errors(Mutate("percent: 30", "percent: 20")),
              Contains(ErrorAt(6, "variants", "sum to 90")));
}

TEST(StrategyLoaderTest, StepForUnknownVariant) {
  EXPECT_THAT(Errors(Mutate("variants: [b]", "variants: [c]")),
              Contains(ErrorAt(24, "segments[0].steps[1].variants", "unknown variant 'c'")));
}

TEST(StrategyLoaderTest, BadWindowAndDateAndMissingVersion) {
  std::string text = Mutate("end: \"21:00\"", "end: \"07:00\"");
  text.replace(text.find("2026-01-01"), 10, "2026-02-30");
  text.replace(text.find("version: 3\n"), 11, "");
  const std::vector<ConfigError> errors = Errors(text);
  EXPECT_THAT(errors,
              Contains(ErrorAt(19, "segments[0].steps[0].window", "start must be before end")));
  EXPECT_THAT(errors, Contains(ErrorAt(2, "effective_from", "")));
  EXPECT_THAT(errors, Contains(Field(&ConfigError::field, "version")));
}

TEST(StrategyLoaderTest, SyntaxErrorHasLine) {
  const std::vector<ConfigError> errors = Errors("strategy: s\nsegments: [\n  {id: x\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_GT(errors[0].line, 1);
}

TEST(StrategyLoaderTest, StatusListsEveryError) {
  absl::StatusOr<Strategy> s = LoadStrategy(Mutate("channel: SMS", "channel: FAX"));
  EXPECT_THAT(s.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("line 18, column 18: segments[0].steps[0].channel")));
}

TEST(VariantAssignmentTest, Fnv1aKnownVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(VariantAssignmentTest, StableAndSplitWithinTolerance) {
  ASSERT_OK_AND_ASSIGN(Strategy s, LoadStrategy(kValid));
  int b = 0;
  constexpr int kCases = 10'000;
  for (int i = 0; i < kCases; ++i) {
    const std::string id = absl::StrCat("case-", i);
    const std::string variant = s.AssignVariant(id);
    ASSERT_EQ(variant, s.AssignVariant(id));
    if (variant == "b") ++b;
  }
  // 30% expected; binomial sd ~0.46%, tolerance ~4 sd.
  EXPECT_NEAR(b, 3'000, 200);
  // Pinned values (computed independently): a change of hash would reassign
  // running cases to other variants.
  EXPECT_EQ(VariantBucket("case-0"), 20);
  EXPECT_EQ(VariantBucket("case-1"), 31);
  EXPECT_EQ(VariantBucket("customer-42"), 86);
  EXPECT_EQ(s.AssignVariant("case-0"), "a");       // bucket 20 < 70
  EXPECT_EQ(s.AssignVariant("customer-42"), "b");  // bucket 86 >= 70
}

TEST(StrategyLoaderTest, MigrationRule) {
  ASSERT_OK_AND_ASSIGN(Strategy keep, LoadStrategy(kValid));
  EXPECT_EQ(keep.migration, MigrationRule::kKeepVersion);
  ASSERT_OK_AND_ASSIGN(Strategy migrate,
                       LoadStrategy(absl::StrCat(kValid, "migration: migrate_immediately\n")));
  EXPECT_EQ(migrate.migration, MigrationRule::kMigrateImmediately);
  EXPECT_THAT(LoadStrategy(absl::StrCat(kValid, "migration: sometimes\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("migration: unknown rule")));
}

}  // namespace
}  // namespace arrears::strategy
