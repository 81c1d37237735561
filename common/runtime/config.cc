#include "common/runtime/config.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/runtime/address.h"
#include "common/status/status_macros.h"

ABSL_FLAG(std::string, service_name, "",
          "Name of this service in logs, metrics and event sources (a DNS label). Required.");
ABSL_FLAG(std::string, grpc_address, "127.0.0.1:0",
          "gRPC listen address host:port; port 0 picks a free port.");
ABSL_FLAG(std::string, grpc_address_file, "",
          "If set, the bound gRPC address host:port is published in this file while serving.");
ABSL_FLAG(std::string, http_address, "127.0.0.1:0",
          "HTTP listen address host:port for /metrics, /healthz and /readyz; port 0 picks a free "
          "port.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers host:port[,host:port]. Exclusive with --kafka_bootstrap_file.");
ABSL_FLAG(std::string, kafka_bootstrap_file, "",
          "File holding the Kafka bootstrap servers (written by the dev broker).");
ABSL_FLAG(arrears::runtime::KafkaProfileFlag, kafka_profile, arrears::runtime::KafkaProfileFlag{},
          "Kafka client preset: dev (librdkafka mock broker) or production.");
ABSL_FLAG(std::string, kafka_properties, "",
          "Extra librdkafka properties key=value,key=value; they override the profile's.");
ABSL_FLAG(std::string, data_dir, "", "Directory for the service's SQLite store.");
ABSL_FLAG(std::string, simulated_clock_file, "",
          "Run on the instant this file holds (written by a simulator) instead of the system "
          "clock.");
ABSL_FLAG(arrears::runtime::LogLevel, log_level, arrears::runtime::LogLevel::kInfo,
          "Lowest level logged: debug, info, warning or error.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "Time allowed for a graceful shutdown (readiness off, drain, commit, flush).");

namespace arrears::runtime {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::Status ValidateServiceName(absl::string_view name) {
  if (name.empty()) return FlagError("service_name", "required");
  bool valid = name.size() <= 63 && absl::ascii_islower(name[0]) && name.back() != '-';
  for (char c : name) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) valid = false;
  }
  if (!valid) {
    return FlagError("service_name", absl::StrCat("\"", name,
                                                  "\" is not a DNS label ([a-z][a-z0-9-]*, at "
                                                  "most 63 characters, no trailing '-')"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAddress(absl::string_view flag, absl::string_view address) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(address);
  if (!parsed.ok()) return FlagError(flag, parsed.status().message());
  return absl::OkStatus();
}

// Flag names spelled on the command line before "--": "-x", "--x", "--x=v",
// and for booleans "--nox" (recorded as both "nox" and "x").
std::set<std::string> FlagsNamedIn(int argc, char** argv) {
  std::set<std::string> names;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    const absl::string_view name = arg.substr(0, arg.find('='));
    if (name.empty()) continue;
    names.emplace(name);
    if (absl::StartsWith(name, "no")) names.emplace(name.substr(2));
  }
  return names;
}

}  // namespace

absl::string_view KafkaProfileName(kafka::Profile profile) {
  switch (profile) {
    case kafka::Profile::kDev:
      return "dev";
    case kafka::Profile::kProduction:
      return "production";
  }
  return "unknown";
}

bool AbslParseFlag(absl::string_view text, KafkaProfileFlag* flag, std::string* error) {
  for (kafka::Profile profile : {kafka::Profile::kDev, kafka::Profile::kProduction}) {
    if (text == KafkaProfileName(profile)) {
      flag->profile = profile;
      return true;
    }
  }
  *error = absl::StrCat("Kafka profile \"", text, "\" is not one of dev, production");
  return false;
}

std::string AbslUnparseFlag(KafkaProfileFlag flag) {
  return std::string(KafkaProfileName(flag.profile));
}

absl::StatusOr<RuntimeConfig> RuntimeConfigFromFlags() {
  RuntimeConfig config;
  config.service_name = absl::GetFlag(FLAGS_service_name);
  config.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  config.grpc_address_file = absl::GetFlag(FLAGS_grpc_address_file);
  config.simulated_clock_file = absl::GetFlag(FLAGS_simulated_clock_file);
  config.http_address = absl::GetFlag(FLAGS_http_address);
  config.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  config.kafka_bootstrap_file = absl::GetFlag(FLAGS_kafka_bootstrap_file);
  config.kafka_profile = absl::GetFlag(FLAGS_kafka_profile).profile;
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.log_level = absl::GetFlag(FLAGS_log_level);
  config.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);

  ARREARS_RETURN_IF_ERROR(ValidateServiceName(config.service_name));
  ARREARS_RETURN_IF_ERROR(ValidateAddress("grpc_address", config.grpc_address));
  ARREARS_RETURN_IF_ERROR(ValidateAddress("http_address", config.http_address));
  if (!config.kafka_bootstrap.empty() && !config.kafka_bootstrap_file.empty()) {
    return FlagError("kafka_bootstrap", "set either it or --kafka_bootstrap_file, not both");
  }
  absl::StatusOr<kafka::Properties> properties =
      kafka::ParseProperties(absl::GetFlag(FLAGS_kafka_properties));
  if (!properties.ok()) return FlagError("kafka_properties", properties.status().message());
  config.kafka_properties = *std::move(properties);
  if (config.drain_timeout <= absl::ZeroDuration() ||
      config.drain_timeout == absl::InfiniteDuration()) {
    return FlagError("drain_timeout", absl::StrCat("must be positive and finite, got ",
                                                   absl::FormatDuration(config.drain_timeout)));
  }
  return config;
}

absl::StatusOr<kafka::KafkaConfig> KafkaConfigFromRuntime(const RuntimeConfig& config) {
  kafka::KafkaConfig kafka;
  kafka.client_id = config.service_name;
  kafka.profile = config.kafka_profile;
  kafka.properties = config.kafka_properties;
  if (!config.kafka_bootstrap.empty()) {
    kafka.bootstrap_servers = config.kafka_bootstrap;
    return kafka;
  }
  if (config.kafka_bootstrap_file.empty()) {
    return absl::FailedPreconditionError("--kafka_bootstrap or --kafka_bootstrap_file is required");
  }
  absl::StatusOr<std::string> servers = kafka::ReadBootstrapFile(config.kafka_bootstrap_file);
  if (!servers.ok()) return Annotate(servers.status(), "--kafka_bootstrap_file");
  kafka.bootstrap_servers = *std::move(servers);
  return kafka;
}

std::string EnvironmentVariableForFlag(absl::string_view flag_name) {
  return absl::StrCat("ARREARS_", absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironmentToFlags(int argc, char** argv, const EnvironmentLookup& environment) {
  const std::set<std::string> on_command_line = FlagsNamedIn(argc, argv);
  // Sorted, so the first error reported does not depend on hash order.
  std::set<std::pair<std::string, absl::CommandLineFlag*>> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) flags.emplace(std::string(name), flag);
  for (const auto& [name, flag] : flags) {
    if (on_command_line.contains(name)) continue;
    const std::string variable = EnvironmentVariableForFlag(name);
    std::optional<std::string> value = environment(variable);
    if (!value.has_value()) continue;
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, ": invalid value \"", *value, "\" for --", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseCommandLine(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  absl::Status applied = ApplyEnvironmentToFlags(
      argc, argv, [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      });
  if (!applied.ok()) {
    std::fprintf(stderr, "%s: %s\n", argc > 0 ? argv[0] : "arrears",
                 std::string(applied.message()).c_str());
    std::exit(2);
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace arrears::runtime
