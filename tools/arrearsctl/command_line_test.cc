#include "tools/arrearsctl/command_line.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ctl {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<ParsedCommand> Parse(std::vector<std::string> args) {
  return ParseCommandLine(args);
}

TEST(CommandLineTest, ParsesCommandArgumentsAndFlagsInAnyOrder) {
  ASSERT_OK_AND_ASSIGN(ParsedCommand command,
                       Parse({"--data_dir=/tmp/run", "loan", "L00000001", "--history", "--json"}));
  EXPECT_EQ(command.spec->name, "loan");
  EXPECT_THAT(command.arguments, ElementsAre("L00000001"));
  EXPECT_EQ(command.Get("data_dir"), "/tmp/run");
  EXPECT_TRUE(command.Has("history"));
  EXPECT_EQ(command.Get("history"), "true");
  EXPECT_TRUE(command.Has("json"));
  EXPECT_FALSE(command.Has("deadline"));
  EXPECT_EQ(command.Get("deadline", "10s"), "10s");
}

TEST(CommandLineTest, ValuesMayContainEqualsSignsAndSpaces) {
  ASSERT_OK_AND_ASSIGN(
      ParsedCommand command,
      Parse({"record-outcome", "--promise_amount=1234.56 CNY", "--kafka_properties=a=b,c=d"}));
  EXPECT_EQ(command.Get("promise_amount"), "1234.56 CNY");
  EXPECT_EQ(command.Get("kafka_properties"), "a=b,c=d");
}

TEST(CommandLineTest, UsageErrorsNameTheArgument) {
  EXPECT_THAT(Parse({"frobnicate"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"frobnicate\"")));
  EXPECT_THAT(Parse({"loan"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("expected <loan_id>, got 0 arguments")));
  EXPECT_THAT(Parse({"loan", "L1", "L2"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 2 arguments")));
  EXPECT_THAT(Parse({"cases", "--colour=red"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--colour: unknown flag")));
  EXPECT_THAT(Parse({"cases", "--collector"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                                        HasSubstr("--collector: needs a value")));
  EXPECT_THAT(Parse({"cases", "--collector="}), StatusIs(absl::StatusCode::kInvalidArgument,
                                                         HasSubstr("--collector: needs a value")));
  EXPECT_THAT(Parse({"cases", "--all=yes"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--all: takes no value")));
  EXPECT_THAT(Parse({"cases", "--team=a", "--team=b"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--team: given twice")));
  EXPECT_THAT(Parse({"cases", "--=x"}), StatusIs(absl::StatusCode::kInvalidArgument));
  // A flag of another command is not accepted.
  EXPECT_THAT(Parse({"cases", "--history"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--history")));
}

TEST(CommandLineTest, HelpInEveryForm) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{}, {"help"}, {"--help"}}) {
    ASSERT_OK_AND_ASSIGN(ParsedCommand command, Parse(args));
    EXPECT_EQ(command.spec->name, "help");
    EXPECT_TRUE(command.arguments.empty());
  }
  ASSERT_OK_AND_ASSIGN(ParsedCommand topic, Parse({"cases", "--help"}));
  EXPECT_EQ(topic.spec->name, "help");
  EXPECT_THAT(topic.arguments, ElementsAre("cases"));
}

TEST(CommandLineTest, UsageListsEveryCommandAndFlag) {
  const std::string usage = Usage();
  for (const CommandSpec& command : Commands()) EXPECT_THAT(usage, HasSubstr(command.name));
  EXPECT_THAT(usage, HasSubstr("--overdue_address_file"));
  EXPECT_THAT(usage, HasSubstr("2 usage error"));
  for (const CommandSpec& command : Commands()) {
    for (const FlagSpec& flag : command.flags) {
      EXPECT_THAT(CommandUsage(command), HasSubstr(absl::StrCat("--", flag.name)));
    }
  }
}

}  // namespace
}  // namespace arrears::ctl
