#include "tools/simulator/kafka_offsets.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/kafka/error.h"
#include "common/status/status_macros.h"

namespace arrears::simulator {
namespace {

absl::StatusOr<kafka::RdKafkaPtr> NewConsumerHandle(const kafka::KafkaConfig& config,
                                                    const std::string& group) {
  // A consumer handle that never subscribes: it only asks questions.
  kafka::ClientProperties client{
      .defaults = {}, .required = {{"group.id", group}, {"enable.auto.commit", "false"}}};
  ARREARS_ASSIGN_OR_RETURN(kafka::RdConfPtr conf,
                           kafka::BuildRdKafkaConf(config, kafka::ClientRole::kConsumer, client));
  char error[512];
  kafka::RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error)));
  if (rk == nullptr) return absl::InternalError(absl::StrCat("offset reader: ", error));
  conf.release();  // owned by rk now
  return rk;
}

int Milliseconds(absl::Duration d) {
  return static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaOffsets>> KafkaOffsets::Create(const kafka::KafkaConfig& config,
                                                                   std::vector<std::string> topics,
                                                                   absl::Duration timeout) {
  ARREARS_ASSIGN_OR_RETURN(kafka::RdKafkaPtr reader,
                           NewConsumerHandle(config, "arrears-simulator-offset-reader"));
  std::vector<TopicPartition> partitions;
  for (const std::string& topic : topics) {
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_topic_t* handle = rd_kafka_topic_new(reader.get(), topic.c_str(), nullptr);
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(reader.get(), 0, handle, &raw, Milliseconds(timeout));
    rd_kafka_topic_destroy(handle);
    ARREARS_RETURN_IF_ERROR(kafka::KafkaError(err, absl::StrCat("metadata of \"", topic, "\"")));
    kafka::RdMetadataPtr metadata(raw);
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        metadata->topics[0].partition_cnt == 0) {
      return absl::NotFoundError(absl::StrCat("topic \"", topic, "\": not found"));
    }
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
      partitions.emplace_back(topic, metadata->topics[0].partitions[i].id);
    }
  }
  std::sort(partitions.begin(), partitions.end());
  return std::unique_ptr<KafkaOffsets>(
      new KafkaOffsets(config, std::move(reader), std::move(partitions), timeout));
}

absl::StatusOr<PartitionOffsets> KafkaOffsets::EndOffsets() {
  // One ListOffsets request for every partition: offsets_for_times with
  // RD_KAFKA_OFFSET_END asks for the latest offsets, which the dev broker
  // answers too (measured: ~0.1 ms for 64 partitions, where one
  // query_watermark_offsets per partition took ~6 ms).
  kafka::RdPartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size())));
  for (const auto& [topic, partition] : partitions_) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset =
        RD_KAFKA_OFFSET_END;
  }
  ARREARS_RETURN_IF_ERROR(kafka::KafkaError(
      rd_kafka_offsets_for_times(reader_.get(), list.get(), Milliseconds(timeout_)),
      "end offsets"));
  PartitionOffsets ends;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = list->elems[i];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka::KafkaError(entry.err,
                               absl::StrCat("end offset of ", entry.topic, "/", entry.partition));
    }
    ends[{entry.topic, entry.partition}] = entry.offset;
  }
  return ends;
}

absl::StatusOr<rd_kafka_t*> KafkaOffsets::GroupHandle(const std::string& group) {
  auto it = group_handles_.find(group);
  if (it != group_handles_.end()) return it->second.get();
  ARREARS_ASSIGN_OR_RETURN(kafka::RdKafkaPtr handle, NewConsumerHandle(config_, group));
  rd_kafka_t* raw = handle.get();
  group_handles_.emplace(group, std::move(handle));
  return raw;
}

absl::StatusOr<PartitionOffsets> KafkaOffsets::Committed(const std::string& group,
                                                         const std::vector<std::string>& topics) {
  ARREARS_ASSIGN_OR_RETURN(rd_kafka_t * handle, GroupHandle(group));
  kafka::RdPartitionListPtr list(rd_kafka_topic_partition_list_new(0));
  for (const auto& [topic, partition] : partitions_) {
    if (std::find(topics.begin(), topics.end(), topic) != topics.end()) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    }
  }
  ARREARS_RETURN_IF_ERROR(
      kafka::KafkaError(rd_kafka_committed(handle, list.get(), Milliseconds(timeout_)),
                        absl::StrCat("committed offsets of group \"", group, "\"")));
  PartitionOffsets committed;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = list->elems[i];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka::KafkaError(
          entry.err, absl::StrCat("committed offset of group \"", group, "\" on ", entry.topic, "/",
                                  entry.partition));
    }
    committed[{entry.topic, entry.partition}] = entry.offset < 0 ? -1 : entry.offset;
  }
  return committed;
}

}  // namespace arrears::simulator
