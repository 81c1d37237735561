#include "tools/devbroker/dev_broker.h"

#include <string>
#include <vector>

#include "common/status/status_matchers.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/devbroker/kafka_probe.h"

namespace arrears::devbroker {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

topics::TopicSpec MakeSpec(const std::string& name, int partitions, int dlq_partitions) {
  topics::TopicSpec spec;
  spec.set_name(name);
  spec.set_partitions(partitions);
  spec.set_dlq_partitions(dlq_partitions);
  return spec;
}

TEST(DevTopicsTest, EachTopicIsFollowedByItsDeadLetterTopic) {
  EXPECT_THAT(DevTopics({MakeSpec("a.v1", 64, 4), MakeSpec("b.v1", 16, 2)}, 0),
              IsOkAndHolds(ElementsAre(DevTopic{"a.v1", 64}, DevTopic{"a.v1.dlq", 4},
                                       DevTopic{"b.v1", 16}, DevTopic{"b.v1.dlq", 2})));
}

TEST(DevTopicsTest, OverrideChangesOnlyTheNonDeadLetterTopics) {
  EXPECT_THAT(DevTopics({MakeSpec("a.v1", 64, 4), MakeSpec("b.v1", 16, 2)}, 8),
              IsOkAndHolds(ElementsAre(DevTopic{"a.v1", 8}, DevTopic{"a.v1.dlq", 4},
                                       DevTopic{"b.v1", 8}, DevTopic{"b.v1.dlq", 2})));
}

TEST(DevTopicsTest, RejectsBadSpecsAndOverrides) {
  EXPECT_THAT(DevTopics({MakeSpec("a.v1", 64, 4)}, -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("override")));
  EXPECT_THAT(DevTopics({MakeSpec("a.v1", 64, 0)}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a.v1")));
  EXPECT_THAT(DevTopics({MakeSpec("", 64, 4)}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no name")));
}

TEST(DevTopicsTest, TheRegistryIsValid) {
  ASSERT_OK_AND_ASSIGN(std::vector<DevTopic> dev_topics, DevTopics(topics::AllTopics(), 0));
  EXPECT_EQ(dev_topics.size(), 2 * topics::AllTopics().size());
  EXPECT_FALSE(dev_topics.empty());
}

TEST(DevBrokerTest, RejectsBadOptions) {
  EXPECT_THAT(DevBroker::Create({.brokers = 0, .port = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("brokers")));
  EXPECT_THAT(DevBroker::Create({.port = 0, .partitions_override = -3}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("override")));
}

TEST(DevBrokerTest, ServesTheRegistryTopicsThroughTheBootstrapPort) {
  ASSERT_OK_AND_ASSIGN(auto broker,
                       DevBroker::Create({.brokers = 2, .port = 0, .partitions_override = 8}));
  EXPECT_THAT(broker->bootstrap(), MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
  ASSERT_OK_AND_ASSIGN(auto counts, TopicPartitionCounts(broker->bootstrap()));
  const topics::TopicSpec& loan_events = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS);
  EXPECT_EQ(counts[loan_events.name()], 8);
  EXPECT_EQ(counts[topics::DeadLetterTopicName(loan_events.name())], loan_events.dlq_partitions());
  for (const DevTopic& topic : broker->topics()) {
    EXPECT_EQ(counts[topic.name], topic.partitions) << topic.name;
  }
  const std::string bootstrap = broker->bootstrap();
  broker->Stop();
  EXPECT_THAT(TopicPartitionCounts(bootstrap, absl::Milliseconds(300)),
              ::testing::Not(arrears::testing::IsOk()));
}

}  // namespace
}  // namespace arrears::devbroker
