#include "common/topics/topics.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace arrears::topics {
namespace {

TEST(TopicsTest, LoanEventsSpec) {
  const TopicSpec& spec = Spec(v1::TOPIC_LOAN_EVENTS);
  EXPECT_EQ(spec.name(), "arrears.loan.events.v1");
  EXPECT_EQ(spec.key(), "loan_id");
  EXPECT_GE(spec.partitions(), 32);
}

TEST(TopicsTest, UnspecifiedIsEmpty) { EXPECT_EQ(Spec(v1::TOPIC_UNSPECIFIED).name(), ""); }

TEST(TopicsTest, EveryTopicIsCompleteAndUnique) {
  std::set<std::string> names;
  for (const TopicSpec& spec : AllTopics()) {
    SCOPED_TRACE(spec.name());
    EXPECT_TRUE(names.insert(spec.name()).second) << "duplicate topic name";
    EXPECT_THAT(spec.name(), ::testing::StartsWith("arrears."));
    EXPECT_THAT(spec.name(), ::testing::EndsWith(".v1"));
    EXPECT_FALSE(spec.key().empty());
    EXPECT_GT(spec.partitions(), 0);
    EXPECT_GT(spec.dlq_partitions(), 0);
    EXPECT_GT(spec.retention_days(), 0);
  }
  EXPECT_EQ(AllTopics().size(), v1::Topic_descriptor()->value_count() - 1u);
}

TEST(TopicsTest, EveryValueTypeIsALinkedMessage) {
  // The value type must name a message compiled into arrears_proto, so a typo
  // in topics.proto fails here rather than at a consumer.
  for (const TopicSpec& spec : AllTopics()) {
    EXPECT_NE(google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
                  spec.value_type()),
              nullptr)
        << spec.name() << " names unknown value type " << spec.value_type();
  }
}

TEST(TopicsTest, DeadLetterName) {
  EXPECT_EQ(DeadLetterTopicName("arrears.loan.events.v1"), "arrears.loan.events.v1.dlq");
}

}  // namespace
}  // namespace arrears::topics
