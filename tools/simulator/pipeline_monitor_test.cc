#include "tools/simulator/pipeline_monitor.h"

#include "common/kafka/error.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WatchedGroupsTest, ParsesGroupsAndNamesBadEntries) {
  ASSERT_OK_AND_ASSIGN(std::vector<WatchedGroup> groups, ParseWatchedGroups("a=t1|t2; b.x = t3 ;"));
  EXPECT_THAT(groups, ElementsAre(WatchedGroup{"a", {"t1", "t2"}}, WatchedGroup{"b.x", {"t3"}}));
  EXPECT_THAT(ParseWatchedGroups("a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"a\"")));
  EXPECT_THAT(ParseWatchedGroups("a="), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ServiceOfGroup("contact-channels.case-events"), "contact-channels");
  EXPECT_EQ(ServiceOfGroup("overdue-detection"), "overdue-detection");
}

TEST(MetricsTest, ReadsOutboxBackgroundWorkAndConsumerCounters) {
  const MetricsReading reading = ParseMetrics(
      "# HELP arrears_outbox_pending Outbox events not yet published.\n"
      "# TYPE arrears_outbox_pending gauge\n"
      "arrears_outbox_pending 7\n"
      "arrears_background_work_pending 4\n"
      "arrears_kafka_consumer_events_handled_total{group=\"a\"} 120\n"
      "arrears_kafka_consumer_dead_lettered_total{group=\"a\"} 1\n"
      "arrears_kafka_consumer_lag{group=\"a\",topic=\"t\",partition=\"0\"} 3\n"
      "garbage line\n");
  EXPECT_EQ(reading.outbox_pending, 7);
  EXPECT_EQ(reading.background_pending, 4);
  EXPECT_THAT(reading.counters, ElementsAre(120, 1));
}

events::InboundEvent Inbound(const std::string& topic, int32_t partition, int64_t offset) {
  events::InboundEvent inbound;
  inbound.event.topic = topic;
  inbound.event.envelope.id = absl::StrCat(topic, "-", offset);
  inbound.position = {topic, partition, offset};
  return inbound;
}

TEST(KafkaPipelineMonitorTest, BacklogCountsWhatGroupsAndTheTapHaveNotRead) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK(cluster->CreateTopics({{"work", 1}, {"out", 1}}));
  ASSERT_OK_AND_ASSIGN(auto producer, kafka::KafkaProducer::Create(cluster->Config("producer")));
  ASSERT_OK(producer->ProduceRecords(
      {{"work", "k", "1", {}}, {"work", "k", "2", {}}, {"out", "k", "3", {}}}));
  ASSERT_OK_AND_ASSIGN(auto offsets, KafkaOffsets::Create(cluster->Config("probe"), {"work", "out"},
                                                          absl::Seconds(10)));
  RunStatistics statistics;
  TopicTap tap(&statistics, {"out"});
  MonitorOptions options;
  options.groups = {{"service", {"work"}}};
  options.tap_group = "simulator-tap";
  options.tap_topics = {"out"};
  options.quiet.settle = absl::Milliseconds(50);
  options.quiet.deadline = absl::Milliseconds(300);
  KafkaPipelineMonitor monitor(offsets.get(), &tap, options);

  ASSERT_OK_AND_ASSIGN(PipelineSample sample, monitor.Sample());
  EXPECT_EQ(sample.backlog, 3);
  EXPECT_THAT(sample.detail, HasSubstr("service: 2 on work"));
  EXPECT_THAT(sample.detail, HasSubstr("simulator: 1 on out"));
  EXPECT_THAT(monitor.AwaitQuiet(), StatusIs(absl::StatusCode::kDeadlineExceeded));

  // The service commits what it applied; the tap reads what came out.
  {
    kafka::ClientProperties client{
        .defaults = {}, .required = {{"group.id", "service"}, {"enable.auto.commit", "false"}}};
    ASSERT_OK_AND_ASSIGN(
        kafka::RdConfPtr conf,
        kafka::BuildRdKafkaConf(cluster->Config("service"), kafka::ClientRole::kConsumer, client));
    char error[256];
    kafka::RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), error, sizeof(error)));
    ASSERT_NE(rk, nullptr) << error;
    kafka::RdPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), "work", 0)->offset = 2;
    ASSERT_OK(kafka::KafkaError(rd_kafka_commit(rk.get(), list.get(), 0), "commit"));
  }
  std::vector<events::InboundEvent> batch = {Inbound("out", 0, 0)};
  tap.HandleBatch(batch);
  ASSERT_OK_AND_ASSIGN(sample, monitor.Sample());
  EXPECT_EQ(sample.backlog, 0) << sample.detail;
  EXPECT_OK(monitor.AwaitQuiet());
  EXPECT_EQ(tap.Drain().size(), 1u);
  EXPECT_TRUE(tap.Drain().empty());
  EXPECT_EQ(statistics.Snapshot().events_by_topic.at("out"), 1);
}

}  // namespace
}  // namespace arrears::simulator
