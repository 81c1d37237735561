// KafkaOffsets: end offsets of topics and committed offsets of other
// applications' consumer groups, read without joining any group.
//
// Why: the simulator must know when the services have consumed everything it
// published (and everything they published to each other). A group's
// committed offset against the partition's end offset says exactly that, for
// any consumer, without its cooperation: OffsetFetch needs no membership.
// Works against the dev broker (librdkafka's mock) and a real cluster.
//
// Each call is one request: ListOffsets (latest) for every partition, or one
// OffsetFetch per group. Thread-compatible: one caller at a time.
#ifndef ARREARS_TOOLS_SIMULATOR_KAFKA_OFFSETS_H_
#define ARREARS_TOOLS_SIMULATOR_KAFKA_OFFSETS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kafka/config.h"
#include "common/kafka/rdkafka_handles.h"

namespace arrears::simulator {

using TopicPartition = std::pair<std::string, int32_t>;
// Offset by partition; a committed offset is -1 when the group has none.
using PartitionOffsets = std::map<TopicPartition, int64_t>;

class KafkaOffsets {
 public:
  // Looks up the partitions of `topics` (they must exist). Errors name the
  // topic.
  static absl::StatusOr<std::unique_ptr<KafkaOffsets>> Create(const kafka::KafkaConfig& config,
                                                              std::vector<std::string> topics,
                                                              absl::Duration timeout);

  const std::vector<TopicPartition>& partitions() const { return partitions_; }

  // The end (high watermark) offset of every partition.
  absl::StatusOr<PartitionOffsets> EndOffsets();

  // `group`'s committed offset of every partition of `topics` (a subset of
  // those given to Create).
  absl::StatusOr<PartitionOffsets> Committed(const std::string& group,
                                             const std::vector<std::string>& topics);

 private:
  KafkaOffsets(kafka::KafkaConfig config, kafka::RdKafkaPtr reader,
               std::vector<TopicPartition> partitions, absl::Duration timeout)
      : config_(std::move(config)),
        reader_(std::move(reader)),
        partitions_(std::move(partitions)),
        timeout_(timeout) {}
  absl::StatusOr<rd_kafka_t*> GroupHandle(const std::string& group);

  const kafka::KafkaConfig config_;
  kafka::RdKafkaPtr reader_;
  const std::vector<TopicPartition> partitions_;
  const absl::Duration timeout_;
  std::map<std::string, kafka::RdKafkaPtr> group_handles_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_KAFKA_OFFSETS_H_
