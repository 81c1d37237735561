#include "tools/simulator/kafka_offsets.h"

#include "common/kafka/error.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

// Commits `offset` on partition 0 of `topic` for `group`, as a consumer of
// that group would.
absl::Status Commit(const kafka::KafkaConfig& config, const std::string& group,
                    const std::string& topic, int32_t partition, int64_t offset) {
  kafka::ClientProperties client{
      .defaults = {}, .required = {{"group.id", group}, {"enable.auto.commit", "false"}}};
  ARREARS_ASSIGN_OR_RETURN(kafka::RdConfPtr conf,
                           kafka::BuildRdKafkaConf(config, kafka::ClientRole::kConsumer, client));
  char error[256];
  kafka::RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), error, sizeof(error)));
  if (rk == nullptr) return absl::InternalError(error);
  kafka::RdPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  return kafka::KafkaError(rd_kafka_commit(rk.get(), list.get(), /*async=*/0), "commit");
}

TEST(KafkaOffsetsTest, ReadsEndOffsetsAndAnotherGroupsCommittedOffsets) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK(cluster->CreateTopics({{"loans", 2}, {"cases", 1}}));
  ASSERT_OK_AND_ASSIGN(auto producer, kafka::KafkaProducer::Create(cluster->Config("producer")));
  std::vector<kafka::Record> records;
  for (int i = 0; i < 5; ++i) records.push_back({"cases", "k", "v", {}});
  ASSERT_OK(producer->ProduceRecords(records));

  ASSERT_OK_AND_ASSIGN(auto offsets, KafkaOffsets::Create(cluster->Config("probe"),
                                                          {"loans", "cases"}, absl::Seconds(10)));
  EXPECT_EQ(offsets->partitions().size(), 3u);
  ASSERT_OK_AND_ASSIGN(PartitionOffsets ends, offsets->EndOffsets());
  EXPECT_EQ(ends.at({"cases", 0}), 5);
  EXPECT_EQ(ends.at({"loans", 0}) + ends.at({"loans", 1}), 0);

  ASSERT_OK_AND_ASSIGN(PartitionOffsets before, offsets->Committed("service-a", {"cases"}));
  EXPECT_EQ(before.at({"cases", 0}), -1);
  EXPECT_FALSE(before.contains({"loans", 0}));

  ASSERT_OK(Commit(cluster->Config("service"), "service-a", "cases", 0, 3));
  ASSERT_OK_AND_ASSIGN(PartitionOffsets after, offsets->Committed("service-a", {"cases"}));
  EXPECT_EQ(after.at({"cases", 0}), 3);
  ASSERT_OK_AND_ASSIGN(PartitionOffsets other, offsets->Committed("service-b", {"cases"}));
  EXPECT_EQ(other.at({"cases", 0}), -1);
}

}  // namespace
}  // namespace arrears::simulator
