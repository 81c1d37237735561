// KafkaConfig: how a service reaches its Kafka cluster, and the one place
// that turns it into a librdkafka configuration.
//
// Layering (later wins), done by BuildRdKafkaConf():
//   1. bootstrap.servers and client.id from the struct;
//   2. the profile's properties (kDev: what librdkafka's mock broker needs;
//      kProduction: nothing, librdkafka's defaults);
//   3. the client's defaults (e.g. the producer's linger.ms);
//   4. KafkaConfig::properties (SASL/TLS settings, tuning);
//   5. the client's required properties (e.g. enable.idempotence for the
//      producer); setting one of those in step 4 to another value is an error.
// Every error names the offending property. Value types; thread-compatible.
#ifndef ARREARS_COMMON_KAFKA_CONFIG_H_
#define ARREARS_COMMON_KAFKA_CONFIG_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/kafka/rdkafka_handles.h"

namespace arrears::kafka {

enum class Profile {
  // librdkafka's mock broker (tools/devbroker, tests): eager assignment (the
  // mock duplicates deliveries with cooperative-sticky), a 6 s session
  // timeout (a restarted member waits about that long), and
  // fetch.wait.max.ms=10 (else consume latency reaches 500 ms).
  kDev,
  // A real cluster: librdkafka's defaults.
  kProduction,
};

// librdkafka property name -> value.
using Properties = std::map<std::string, std::string>;

struct KafkaConfig {
  std::string bootstrap_servers;  // "host:port,host:port"; required
  std::string client_id;          // shows in broker logs and metrics; optional
  Profile profile = Profile::kProduction;
  Properties properties;
};

// Parses "key=value,key=value" (whitespace around keys and values ignored; a
// value may contain '=' but not ','). "" yields no properties. Errors name
// the malformed entry.
absl::StatusOr<Properties> ParseProperties(absl::string_view text);

// The bootstrap address the dev broker writes to a file: the file's content
// without surrounding whitespace. NotFound if unreadable, InvalidArgument if
// empty.
absl::StatusOr<std::string> ReadBootstrapFile(const std::string& path);

enum class ClientRole { kProducer, kConsumer };

// What a client type adds around the user's properties (steps 3 and 5).
struct ClientProperties {
  Properties defaults;
  Properties required;
};

// The properties `profile` sets for a client of `role` (step 2).
const Properties& ProfileProperties(Profile profile, ClientRole role);

// A librdkafka configuration layered as described above, with librdkafka's
// log lines and client errors routed to kafka::Log(). InvalidArgument naming
// the property when librdkafka rejects a name or value or when a required
// property is overridden; bootstrap_servers must not be empty.
absl::StatusOr<RdConfPtr> BuildRdKafkaConf(const KafkaConfig& config, ClientRole role,
                                           const ClientProperties& client = {});

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_CONFIG_H_
