#include "tools/devbroker/dev_broker.h"

#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/runtime/address.h"
#include "common/status/status_macros.h"

namespace arrears::devbroker {
namespace {

// The first "host:port" of a comma-separated bootstrap list.
absl::StatusOr<runtime::HostPort> FirstBroker(absl::string_view bootstrap_servers) {
  const absl::string_view first =
      std::pair<absl::string_view, absl::string_view>(absl::StrSplit(bootstrap_servers, ',')).first;
  absl::StatusOr<runtime::HostPort> broker = runtime::ParseHostPort(first);
  if (!broker.ok()) return Annotate(broker.status(), "DevBroker: mock cluster bootstrap servers");
  return broker;
}

}  // namespace

absl::StatusOr<std::vector<DevTopic>> DevTopics(const std::vector<topics::TopicSpec>& specs,
                                                int partitions_override) {
  if (partitions_override < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions override ", partitions_override, " is negative"));
  }
  std::vector<DevTopic> result;
  result.reserve(2 * specs.size());
  for (const topics::TopicSpec& spec : specs) {
    if (spec.name().empty()) {
      return absl::InvalidArgumentError("a topic spec has no name");
    }
    if (spec.partitions() <= 0 || spec.dlq_partitions() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic ", spec.name(), " declares partitions ", spec.partitions(),
                       " and dlq_partitions ", spec.dlq_partitions(), "; both must be positive"));
    }
    result.push_back(
        {spec.name(), partitions_override > 0 ? partitions_override : spec.partitions()});
    result.push_back({topics::DeadLetterTopicName(spec.name()), spec.dlq_partitions()});
  }
  return result;
}

absl::StatusOr<std::unique_ptr<DevBroker>> DevBroker::Create(const Options& options) {
  if (options.brokers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("DevBroker: brokers ", options.brokers, " must be at least 1"));
  }
  ARREARS_ASSIGN_OR_RETURN(std::vector<DevTopic> topics,
                           DevTopics(topics::AllTopics(), options.partitions_override));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::testing::MockCluster> cluster,
                           kafka::testing::MockCluster::Create(options.brokers));
  ARREARS_ASSIGN_OR_RETURN(runtime::HostPort first, FirstBroker(cluster->bootstrap_servers()));
  std::vector<std::pair<std::string, int>> to_create;
  to_create.reserve(topics.size());
  for (const DevTopic& topic : topics) to_create.emplace_back(topic.name, topic.partitions);
  ARREARS_RETURN_IF_ERROR(Annotate(cluster->CreateTopics(to_create), "DevBroker"));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<TcpForwarder> forwarder,
      TcpForwarder::Create(
          {.listen_port = options.port, .target_host = first.host, .target_port = first.port}));
  return std::unique_ptr<DevBroker>(
      new DevBroker(std::move(cluster), std::move(forwarder), std::move(topics), options.brokers));
}

DevBroker::DevBroker(std::unique_ptr<kafka::testing::MockCluster> cluster,
                     std::unique_ptr<TcpForwarder> forwarder, std::vector<DevTopic> topics,
                     int brokers)
    : cluster_(std::move(cluster)),
      forwarder_(std::move(forwarder)),
      topics_(std::move(topics)),
      bootstrap_(absl::StrCat("127.0.0.1:", forwarder_->port())),
      broker_addresses_(cluster_->bootstrap_servers()),
      brokers_(brokers) {}

DevBroker::~DevBroker() { Stop(); }

absl::Status DevBroker::SetReachable(bool reachable) {
  if (cluster_ == nullptr) return absl::FailedPreconditionError("DevBroker: stopped");
  // One call per broker rather than broker id -1: "all brokers" is not
  // handled by every librdkafka release. The mock numbers brokers from 1.
  for (int32_t id = 1; id <= brokers_; ++id) {
    const rd_kafka_resp_err_t err = reachable ? rd_kafka_mock_broker_set_up(cluster_->mock(), id)
                                              : rd_kafka_mock_broker_set_down(cluster_->mock(), id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(
          absl::StrCat("DevBroker: setting broker ", id,
                       reachable ? " up: " : " down: ", rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

void DevBroker::Stop() {
  // Forwarder first: no new bootstrap connections into a cluster being torn
  // down. Destroying the mock can take up to 1 s (librdkafka 2.0.2 joins an
  // internal broker thread that polls with a 1 s timeout).
  forwarder_.reset();
  cluster_.reset();
}

}  // namespace arrears::devbroker
