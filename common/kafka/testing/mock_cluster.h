// MockCluster: an in-process librdkafka mock Kafka cluster for tests.
//
//   ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create());
//   ASSERT_OK(cluster->CreateTopic("loans", 4));
//   KafkaProducer::Create(cluster->Config("test-producer"));
//   ASSERT_OK_AND_ASSIGN(auto records, cluster->ReadAll("loans", deadline));
//
// Brokers listen on ephemeral 127.0.0.1 ports, so tests run in parallel. The
// mock has no Admin API: create topics here before clients use them (a
// producer auto-creates unknown topics with the mock's default partition
// count). Nothing persists past the object. Thread-safe after Create, as
// librdkafka's mock calls are.
#ifndef ARREARS_COMMON_KAFKA_TESTING_MOCK_CLUSTER_H_
#define ARREARS_COMMON_KAFKA_TESTING_MOCK_CLUSTER_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/kafka/rdkafka_handles.h"

namespace arrears::kafka::testing {

struct ConsumedRecord {
  Record record;
  int32_t partition = -1;
  int64_t offset = -1;

  // The value of the last header called `name`, or nullptr.
  const std::string* FindHeader(absl::string_view name) const;
};

// Every record in `topic` of the cluster `config` points at, up to the end
// offsets at the time of the call, ordered by (partition, offset); consumed
// without a group, from the beginning. An unknown topic reads as empty.
// DeadlineExceeded if the records cannot be read by `deadline`. Works against
// any broker (the in-process mock, the devbroker process, a real cluster).
absl::StatusOr<std::vector<ConsumedRecord>> ReadTopic(const KafkaConfig& config,
                                                      const std::string& topic,
                                                      absl::Time deadline);

class MockCluster {
 public:
  static absl::StatusOr<std::unique_ptr<MockCluster>> Create(int brokers = 1);

  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;
  ~MockCluster();

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // A dev-profile config pointing at this cluster.
  KafkaConfig Config(std::string client_id) const;

  absl::Status CreateTopic(const std::string& name, int partitions);
  // Creates each (name, partitions) in order; stops at the first error.
  // librdkafka 2.0.2's mock can sit out a 1 s poll between calls; this pokes
  // it awake so a burst of creations takes milliseconds.
  absl::Status CreateTopics(const std::vector<std::pair<std::string, int>>& names_and_partitions);

  // For error injection (rd_kafka_mock_push_request_errors etc.).
  rd_kafka_mock_cluster_t* mock() const { return mock_; }

  // ReadTopic on this cluster.
  absl::StatusOr<std::vector<ConsumedRecord>> ReadAll(const std::string& topic,
                                                      absl::Time deadline) const;

 private:
  MockCluster(RdKafkaPtr owner, rd_kafka_mock_cluster_t* mock);

  RdKafkaPtr owner_;  // the mock cluster lives inside this client handle
  rd_kafka_mock_cluster_t* mock_;
  std::string bootstrap_servers_;
};

}  // namespace arrears::kafka::testing

#endif  // ARREARS_COMMON_KAFKA_TESTING_MOCK_CLUSTER_H_
