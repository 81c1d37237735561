#include "services/strategy_routing/strategy_loader.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/strategy_textproto.h"

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

// The textproto twin of kValid.
constexpr char kValidTextProto[] = R"(# proto-message: arrears.strategy.v1.StrategyDefinition
strategy: "s"
version: 3
effective_from: "2026-01-01"
currency: "CNY"
variants { id: "a" percent: 70 champion: true }
variants { id: "b" percent: 30 }
segments {
  id: "early"
  conditions {
    dpd { min: 1 max: 30 }
    contactability: [CONTACTABILITY_REACHABLE, CONTACTABILITY_UNKNOWN]
    products: "CAR_LOAN"
  }
  steps {
    id: "sms"
    anchor: STRATEGY_STEP_ANCHOR_DPD
    offset_days: 1
    channel: CHANNEL_SMS
    template_id: "t1"
    window { start: "08:30" end: "21:00" }
  }
  steps {
    id: "call"
    offset_days: 2
    channel: CHANNEL_VOICE_CALL
    variants: ["b"]
    only_if_previous_unanswered: true
  }
}
)";

std::string MutateTextProto(const std::string& from, const std::string& to) {
  std::string text = kValidTextProto;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

std::vector<ConfigError> TextProtoErrors(const std::string& text) {
  StrategyParseResult result = ParseStrategy(text, v1::STRATEGY_FORMAT_TEXTPROTO);
  EXPECT_FALSE(result.strategy.has_value());
  return result.errors;
}

TEST(StrategyTextProtoTest, LoadsToTheSameStrategyAsYaml) {
  ASSERT_OK_AND_ASSIGN(Strategy yaml, LoadStrategy(kValid, v1::STRATEGY_FORMAT_YAML));
  ASSERT_OK_AND_ASSIGN(Strategy text, LoadStrategy(kValidTextProto, v1::STRATEGY_FORMAT_TEXTPROTO));
  EXPECT_TRUE(text == yaml);
  // A difference shows.
  ASSERT_OK_AND_ASSIGN(Strategy other,
                       LoadStrategy(MutateTextProto("offset_days: 2", "offset_days: 3")));
  EXPECT_FALSE(other == yaml);
}

TEST(StrategyTextProtoTest, DefaultStrategyTextProtoEqualsTheYamlOne) {
  ASSERT_OK_AND_ASSIGN(Strategy yaml, LoadStrategyFile(STRATEGY_DEFAULT_YAML));
  ASSERT_OK_AND_ASSIGN(Strategy text, LoadStrategyFile(STRATEGY_DEFAULT_TEXTPROTO));
  EXPECT_EQ(text.segments.size(), yaml.segments.size());
  EXPECT_TRUE(text == yaml);
}

TEST(StrategyTextProtoTest, FormatIsDetected) {
  EXPECT_EQ(DetectStrategyFormat(kValid), v1::STRATEGY_FORMAT_YAML);
  EXPECT_EQ(DetectStrategyFormat(kValidTextProto), v1::STRATEGY_FORMAT_TEXTPROTO);
  // Without the header, a message block gives it away.
  EXPECT_EQ(DetectStrategyFormat("strategy: \"s\"\nsegments {\n  id: \"x\"\n}\n"),
            v1::STRATEGY_FORMAT_TEXTPROTO);
  EXPECT_EQ(StrategyFormatForPath("a/b.textproto"), v1::STRATEGY_FORMAT_TEXTPROTO);
  EXPECT_EQ(StrategyFormatForPath("a/b.yaml"), v1::STRATEGY_FORMAT_YAML);
  EXPECT_TRUE(LoadStrategy(kValidTextProto).ok());
}

// The validator's errors, located in the textproto by their field path.
TEST(StrategyTextProtoTest, ValidationErrorsNameLineAndField) {
  EXPECT_THAT(TextProtoErrors(MutateTextProto("offset_days: 1", "offset_days: 5000")),
              Contains(ErrorAt(18, "segments[0].steps[0].offset_days", "must be 0..3650")));
  EXPECT_THAT(TextProtoErrors(MutateTextProto("{ min: 1 max: 30 }", "{ min: 31 max: 30 }")),
              Contains(ErrorAt(11, "segments[0].conditions.dpd", "min 31 > max 30")));
  EXPECT_THAT(TextProtoErrors(MutateTextProto("percent: 30", "percent: 20")),
              Contains(ErrorAt(6, "variants", "sum to 90")));
  EXPECT_THAT(TextProtoErrors(MutateTextProto("variants: [\"b\"]", "variants: [\"c\"]")),
              Contains(ErrorAt(27, "segments[0].steps[1].variants", "unknown variant 'c'")));
  EXPECT_THAT(TextProtoErrors(MutateTextProto("end: \"21:00\"", "end: \"07:00\"")),
              Contains(ErrorAt(21, "segments[0].steps[0].window", "start must be before end")));
  // A required field left out: the enclosing element's line.
  EXPECT_THAT(TextProtoErrors(MutateTextProto("    channel: CHANNEL_SMS\n", "")),
              Contains(ErrorAt(15, "segments[0].steps[0].channel", "required")));
  EXPECT_THAT(TextProtoErrors(MutateTextProto("version: 3\n", "")),
              Contains(Field(&ConfigError::field, "version")));
}

TEST(StrategyTextProtoTest, SyntaxAndUnknownFieldErrorsHaveLineAndColumn) {
  std::vector<ConfigError> errors =
      TextProtoErrors(MutateTextProto("template_id: \"t1\"", "templat: \"t1\""));
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].line, 20);
  EXPECT_GT(errors[0].column, 1);
  EXPECT_THAT(errors[0].message, HasSubstr("templat"));
  errors = TextProtoErrors(MutateTextProto("channel: CHANNEL_SMS", "channel: CHANNEL_FAX"));
  ASSERT_THAT(errors, SizeIs(1));
  // TextFormat reports an unknown enum value at the token that follows it.
  EXPECT_THAT(errors[0].line, ::testing::AnyOf(19, 20));
  EXPECT_THAT(errors[0].message, HasSubstr("CHANNEL_FAX"));
  errors = TextProtoErrors("strategy: \"s\"\nsegments {\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_GE(errors[0].line, 2);
}

}  // namespace
}  // namespace arrears::strategy
