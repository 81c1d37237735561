#include "common/runtime/config.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, runtime_test_batch_size, 10, "A service-specific flag, for the tests.");
ABSL_FLAG(bool, runtime_test_dry_run, false, "A boolean flag, for the tests.");

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

class FakeEnvironment {
 public:
  FakeEnvironment(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}
  EnvironmentLookup Lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = values_.find(name);
      if (it == values_.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::map<std::string, std::string> values_;
};

// Every test restores the flags it touched.
class ConfigTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;
};

// argv as ApplyEnvironmentToFlags wants it, from string literals.
class Argv {
 public:
  Argv(std::initializer_list<std::string> args) : storage_(args) {
    for (std::string& arg : storage_) pointers_.push_back(arg.data());
  }
  int argc() { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

TEST_F(ConfigTest, ServiceNameIsRequired) {
  EXPECT_THAT(RuntimeConfigFromFlags(),
              StatusIs(absl::StatusCode::kInvalidArgument, "--service_name: required"));
}

TEST_F(ConfigTest, DefaultsAreValid) {
  absl::SetFlag(&FLAGS_service_name, "overdue-detection");
  ASSERT_OK_AND_ASSIGN(RuntimeConfig config, RuntimeConfigFromFlags());
  EXPECT_EQ(config.service_name, "overdue-detection");
  EXPECT_EQ(config.grpc_address, "127.0.0.1:0");
  EXPECT_EQ(config.http_address, "127.0.0.1:0");
  EXPECT_EQ(config.kafka_profile, kafka::Profile::kDev);
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_EQ(config.drain_timeout, absl::Seconds(20));
  EXPECT_TRUE(config.kafka_properties.empty());
}

TEST_F(ConfigTest, EnvironmentSetsFlagsNotOnTheCommandLine) {
  FakeEnvironment env({{"ARREARS_SERVICE_NAME", "strategy-routing"},
                       {"ARREARS_LOG_LEVEL", "debug"},
                       {"ARREARS_KAFKA_PROFILE", "production"},
                       {"ARREARS_DRAIN_TIMEOUT", "7s"},
                       {"ARREARS_KAFKA_PROPERTIES", "linger.ms=5, acks = all"},
                       {"ARREARS_RUNTIME_TEST_BATCH_SIZE", "64"},
                       {"ARREARS_RUNTIME_TEST_DRY_RUN", "true"},
                       {"ARREARS_GRPC_ADDRESS", "0.0.0.0:9000"},
                       {"UNRELATED", "x"}});
  Argv args({"service", "--grpc_address=127.0.0.1:7000", "--noruntime_test_dry_run"});
  ASSERT_OK(ApplyEnvironmentToFlags(args.argc(), args.argv(), env.Lookup()));
  EXPECT_EQ(absl::GetFlag(FLAGS_runtime_test_batch_size), 64);
  // Named on the command line (even in its --no form): the environment is
  // not consulted, the command line will set it.
  EXPECT_EQ(absl::GetFlag(FLAGS_grpc_address), "127.0.0.1:0");
  EXPECT_FALSE(absl::GetFlag(FLAGS_runtime_test_dry_run));

  ASSERT_OK_AND_ASSIGN(RuntimeConfig config, RuntimeConfigFromFlags());
  EXPECT_EQ(config.service_name, "strategy-routing");
  EXPECT_EQ(config.log_level, LogLevel::kDebug);
  EXPECT_EQ(config.kafka_profile, kafka::Profile::kProduction);
  EXPECT_EQ(config.drain_timeout, absl::Seconds(7));
  EXPECT_THAT(config.kafka_properties, ElementsAre(Pair("acks", "all"), Pair("linger.ms", "5")));
}

TEST_F(ConfigTest, FlagsAfterDoubleDashAreNotFlags) {
  FakeEnvironment env({{"ARREARS_LOG_LEVEL", "error"}});
  Argv args({"service", "--", "--log_level=debug"});
  ASSERT_OK(ApplyEnvironmentToFlags(args.argc(), args.argv(), env.Lookup()));
  EXPECT_EQ(absl::GetFlag(FLAGS_log_level), LogLevel::kError);
}

TEST_F(ConfigTest, BadEnvironmentValueNamesVariableAndFlag) {
  FakeEnvironment env({{"ARREARS_LOG_LEVEL", "loud"}});
  Argv args({"service"});
  EXPECT_THAT(
      ApplyEnvironmentToFlags(args.argc(), args.argv(), env.Lookup()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(StartsWith("ARREARS_LOG_LEVEL: invalid value \"loud\" for --log_level"),
                     HasSubstr("debug, info, warning, error"))));
  FakeEnvironment bad_int({{"ARREARS_RUNTIME_TEST_BATCH_SIZE", "many"}});
  EXPECT_THAT(ApplyEnvironmentToFlags(args.argc(), args.argv(), bad_int.Lookup()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--runtime_test_batch_size")));
}

TEST_F(ConfigTest, ValidationNamesTheFlag) {
  absl::SetFlag(&FLAGS_service_name, "overdue-detection");
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_service_name, "Overdue_Detection");
    EXPECT_THAT(RuntimeConfigFromFlags(),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--service_name: ")));
  }
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_grpc_address, "localhost");
    EXPECT_THAT(RuntimeConfigFromFlags(),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--grpc_address: ")));
  }
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_http_address, "127.0.0.1:99999");
    EXPECT_THAT(RuntimeConfigFromFlags(),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--http_address: ")));
  }
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_kafka_bootstrap, "127.0.0.1:9092");
    absl::SetFlag(&FLAGS_kafka_bootstrap_file, "/tmp/bootstrap");
    EXPECT_THAT(RuntimeConfigFromFlags(), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   AllOf(StartsWith("--kafka_bootstrap: "),
                                                         HasSubstr("--kafka_bootstrap_file"))));
  }
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_kafka_properties, "acks=all,linger.ms");
    EXPECT_THAT(RuntimeConfigFromFlags(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(StartsWith("--kafka_properties: "), HasSubstr("linger.ms"))));
  }
  {
    absl::FlagSaver saver;
    absl::SetFlag(&FLAGS_drain_timeout, absl::ZeroDuration());
    EXPECT_THAT(RuntimeConfigFromFlags(),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--drain_timeout: ")));
  }
}

TEST(KafkaConfigFromRuntimeTest, TakesBootstrapFromTheFlagOrTheFile) {
  RuntimeConfig config;
  config.service_name = "overdue-detection";
  config.kafka_profile = kafka::Profile::kProduction;
  config.kafka_properties = {{"acks", "all"}};
  EXPECT_THAT(KafkaConfigFromRuntime(config),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--kafka_bootstrap")));

  config.kafka_bootstrap = "127.0.0.1:9092";
  ASSERT_OK_AND_ASSIGN(kafka::KafkaConfig kafka, KafkaConfigFromRuntime(config));
  EXPECT_EQ(kafka.bootstrap_servers, "127.0.0.1:9092");
  EXPECT_EQ(kafka.client_id, "overdue-detection");
  EXPECT_EQ(kafka.profile, kafka::Profile::kProduction);
  EXPECT_THAT(kafka.properties, ElementsAre(Pair("acks", "all")));

  config.kafka_bootstrap.clear();
  config.kafka_bootstrap_file = ::testing::TempDir() + "/runtime_config_test_bootstrap";
  std::remove(config.kafka_bootstrap_file.c_str());
  EXPECT_THAT(KafkaConfigFromRuntime(config),
              StatusIs(absl::StatusCode::kNotFound, StartsWith("--kafka_bootstrap_file: ")));
  std::ofstream(config.kafka_bootstrap_file) << "  127.0.0.1:39092,127.0.0.1:39093\n";
  ASSERT_OK_AND_ASSIGN(kafka, KafkaConfigFromRuntime(config));
  EXPECT_EQ(kafka.bootstrap_servers, "127.0.0.1:39092,127.0.0.1:39093");
  std::remove(config.kafka_bootstrap_file.c_str());
}

TEST(KafkaProfileTest, FlagSyntax) {
  KafkaProfileFlag flag;
  EXPECT_EQ(flag.profile, kafka::Profile::kDev);
  std::string error;
  EXPECT_TRUE(AbslParseFlag("production", &flag, &error));
  EXPECT_EQ(flag.profile, kafka::Profile::kProduction);
  EXPECT_EQ(AbslUnparseFlag(flag), "production");
  EXPECT_FALSE(AbslParseFlag("staging", &flag, &error));
  EXPECT_THAT(error, HasSubstr("staging"));
}

TEST(EnvironmentVariableForFlagTest, PrefixesAndUppercases) {
  EXPECT_EQ(EnvironmentVariableForFlag("kafka_bootstrap"), "ARREARS_KAFKA_BOOTSTRAP");
}

// ParseCommandLine reads the real environment and may call exit(2), so it
// runs in death-test children (a fresh process each: the usage message can
// be set only once per process).
class ParseCommandLineDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

void ParseWithBadEnvironment() {
  setenv("ARREARS_LOG_LEVEL", "loud", 1);
  Argv args({"service"});
  ParseCommandLine(args.argc(), args.argv(), "usage");
}

// Exits 0 when the command line won over the environment.
void ParseWithEnvironmentAndCommandLine() {
  setenv("ARREARS_LOG_LEVEL", "debug", 1);
  setenv("ARREARS_SERVICE_NAME", "from-env", 1);
  Argv args({"service", "--log_level=error", "positional"});
  std::vector<char*> positional = ParseCommandLine(args.argc(), args.argv(), "usage");
  const bool ok = positional.size() == 2 && std::string(positional[1]) == "positional" &&
                  absl::GetFlag(FLAGS_log_level) == LogLevel::kError &&
                  absl::GetFlag(FLAGS_service_name) == "from-env";
  std::exit(ok ? 0 : 1);
}

TEST_F(ParseCommandLineDeathTest, ExitsWithStatus2OnABadEnvironmentValue) {
  EXPECT_EXIT(ParseWithBadEnvironment(), ::testing::ExitedWithCode(2),
              "ARREARS_LOG_LEVEL: invalid value \"loud\" for --log_level");
}

TEST_F(ParseCommandLineDeathTest, CommandLineWinsOverEnvironment) {
  EXPECT_EXIT(ParseWithEnvironmentAndCommandLine(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace arrears::runtime
