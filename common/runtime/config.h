// Process configuration: the flags every service shares, settable from the
// command line or from the environment (Kubernetes ConfigMaps and env).
//
// In main(), before any thread starts:
//
//   absl::SetFlag(&FLAGS_service_name, "overdue-detection");  // a default
//   std::vector<char*> args = arrears::runtime::ParseCommandLine(argc, argv, "usage...");
//   absl::StatusOr<RuntimeConfig> config = arrears::runtime::RuntimeConfigFromFlags();
//
// Every flag --foo_bar may also be given as the environment variable
// ARREARS_FOO_BAR; the command line wins when both are given. A bad value in
// the environment stops the process with exit status 2 and a message naming
// the variable and the flag; a bad command-line value gets Abseil's own error
// (exit status 1). Service-specific flags defined with ABSL_FLAG anywhere in
// the binary get the same environment treatment.
//
// Thread-safety: ParseCommandLine once, from main, before threads; the rest
// read flags, which Abseil makes thread-safe.
#ifndef ARREARS_COMMON_RUNTIME_CONFIG_H_
#define ARREARS_COMMON_RUNTIME_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kafka/config.h"
#include "common/runtime/logging.h"

namespace arrears::runtime {

// Flag type for --kafka_profile: kafka::Profile spelled "dev" or
// "production" (a wrapper, so the parse functions live in this namespace).
struct KafkaProfileFlag {
  kafka::Profile profile = kafka::Profile::kDev;
};

absl::string_view KafkaProfileName(kafka::Profile profile);  // "dev", "production"
bool AbslParseFlag(absl::string_view text, KafkaProfileFlag* flag, std::string* error);
std::string AbslUnparseFlag(KafkaProfileFlag flag);

}  // namespace arrears::runtime

// Name of this service in logs, metrics and CloudEvents sources; a DNS
// label ([a-z][a-z0-9-]*, at most 63). Required.
ABSL_DECLARE_FLAG(std::string, service_name);
// gRPC listen address, host:port; port 0 picks a free port.
ABSL_DECLARE_FLAG(std::string, grpc_address);
// When set, the service publishes its bound gRPC address ("host:port") in
// this file once it serves (atomically; removed at shutdown), so that
// scripts, tests and peers find a service started on port 0.
ABSL_DECLARE_FLAG(std::string, grpc_address_file);
// HTTP listen address for /metrics, /healthz, /readyz; port 0 picks a free port.
ABSL_DECLARE_FLAG(std::string, http_address);
// Kafka bootstrap servers, "host:port[,host:port]". Exclusive with
// --kafka_bootstrap_file.
ABSL_DECLARE_FLAG(std::string, kafka_bootstrap);
// A file whose content is the bootstrap servers (the dev broker writes one).
ABSL_DECLARE_FLAG(std::string, kafka_bootstrap_file);
// dev | production (kafka::Profile); dev by default, so a binary started by
// hand talks to the dev broker without further flags.
ABSL_DECLARE_FLAG(arrears::runtime::KafkaProfileFlag, kafka_profile);
// Extra librdkafka properties, "key=value,key=value" (kafka::ParseProperties);
// they override the profile's.
ABSL_DECLARE_FLAG(std::string, kafka_properties);
// Directory for the service's SQLite store.
ABSL_DECLARE_FLAG(std::string, data_dir);
// When set, the process runs on the instant this file holds (SimulatedClock,
// common/time/simulated_clock.h) instead of the system clock: for simulated
// runs, where the simulator moves time for every service at once.
ABSL_DECLARE_FLAG(std::string, simulated_clock_file);
// debug | info | warning | error.
ABSL_DECLARE_FLAG(arrears::runtime::LogLevel, log_level);
// Total time allowed for a graceful shutdown, e.g. "20s".
ABSL_DECLARE_FLAG(absl::Duration, drain_timeout);

namespace arrears::runtime {

// The shared flags, validated.
struct RuntimeConfig {
  std::string service_name;
  std::string grpc_address;       // host:port, parses with ParseHostPort
  std::string grpc_address_file;  // empty: not published
  std::string http_address;       // host:port, parses with ParseHostPort
  std::string kafka_bootstrap;    // at most one of these two is set
  std::string kafka_bootstrap_file;
  kafka::Profile kafka_profile = kafka::Profile::kDev;
  kafka::Properties kafka_properties;
  std::string data_dir;
  std::string simulated_clock_file;  // empty: the system clock
  LogLevel log_level = LogLevel::kInfo;
  absl::Duration drain_timeout;  // > 0 and finite
};

// Reads and validates the shared flags. InvalidArgument messages start with
// the offending flag ("--grpc_address: ...").
absl::StatusOr<RuntimeConfig> RuntimeConfigFromFlags();

// The Kafka client configuration these flags describe: bootstrap servers
// from --kafka_bootstrap or read from --kafka_bootstrap_file (at call time,
// since the dev broker may write the file after the service starts), client
// id = service name, profile and properties. FailedPrecondition naming both
// flags when neither is set; the file's errors as kafka::ReadBootstrapFile
// reports them, prefixed with the flag (NotFound while it does not exist:
// callers may retry).
absl::StatusOr<kafka::KafkaConfig> KafkaConfigFromRuntime(const RuntimeConfig& config);

// Looks an environment variable up; nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The environment half of ParseCommandLine, exposed for tests: sets every
// registered flag that has an ARREARS_<NAME> variable and is not named in
// argv (as -name, --name, --name=v or --noname, before a "--"). Fails with
// InvalidArgument naming the variable and the flag at the first bad value.
absl::Status ApplyEnvironmentToFlags(int argc, char** argv, const EnvironmentLookup& environment);

// ARREARS_ + upper-cased flag name: "kafka_bootstrap" -> "ARREARS_KAFKA_BOOTSTRAP".
std::string EnvironmentVariableForFlag(absl::string_view flag_name);

// Sets the usage message, applies the process environment (exit 2 on a bad
// value), then parses argv with Abseil. Returns the positional arguments,
// argv[0] first. Call once.
std::vector<char*> ParseCommandLine(int argc, char** argv, absl::string_view usage);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_CONFIG_H_
