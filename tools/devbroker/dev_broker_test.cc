#include "tools/devbroker/dev_broker.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/kafka/rdkafka_handles.h"
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

// A producer that counts what the brokers acknowledged and whether it was
// told that every broker went down.
class CountingProducer {
 public:
  explicit CountingProducer(const std::string& bootstrap) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [key, value] :
         std::vector<std::pair<const char*, std::string>>{{"bootstrap.servers", bootstrap},
                                                          {"reconnect.backoff.ms", "20"},
                                                          {"reconnect.backoff.max.ms", "200"},
                                                          {"message.timeout.ms", "60000"},
                                                          {"linger.ms", "0"}}) {
      EXPECT_EQ(rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof(error)), RD_KAFKA_CONF_OK)
          << key << ": " << error;
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf,
                                [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
                                  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                                    static_cast<CountingProducer*>(opaque)->delivered_.fetch_add(1);
                                  }
                                });
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char*, void* opaque) {
      if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        static_cast<CountingProducer*>(opaque)->all_brokers_down_.store(true);
      }
    });
    handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error)));
    EXPECT_NE(handle_, nullptr) << error;
  }

  void Produce(const std::string& topic, const std::string& value) {
    ASSERT_EQ(rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // Serves callbacks until `done` holds or `timeout` passes; returns `done()`.
  bool PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!done() && absl::Now() < deadline) rd_kafka_poll(handle_.get(), 20);
    return done();
  }

  int delivered() const { return delivered_.load(); }
  bool all_brokers_down() const { return all_brokers_down_.load(); }

 private:
  std::atomic<int> delivered_{0};
  std::atomic<bool> all_brokers_down_{false};
  kafka::RdKafkaPtr handle_;
};

TEST(DevBrokerTest, AnOutageDropsClientsWhoReconnectAndCarryOnAfterIt) {
  ASSERT_OK_AND_ASSIGN(auto broker, DevBroker::Create({.brokers = 2, .port = 0}));
  const std::string topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  CountingProducer producer(broker->bootstrap());
  producer.Produce(topic, "before");
  ASSERT_TRUE(producer.PollUntil([&] { return producer.delivered() == 1; }, absl::Seconds(10)));

  ASSERT_OK(broker->SetReachable(false));
  // The connected client sees every broker go, and a new client gets nowhere.
  EXPECT_TRUE(producer.PollUntil([&] { return producer.all_brokers_down(); }, absl::Seconds(10)));
  EXPECT_THAT(TopicPartitionCounts(broker->bootstrap(), absl::Milliseconds(500)),
              ::testing::Not(arrears::testing::IsOk()));
  producer.Produce(topic, "during");
  EXPECT_FALSE(
      producer.PollUntil([&] { return producer.delivered() > 1; }, absl::Milliseconds(500)))
      << "a message was acknowledged while every broker was down";

  ASSERT_OK(broker->SetReachable(true));
  // The same client reconnects: the message held back is delivered, and so is
  // a new one; the data from before the outage is still there.
  producer.Produce(topic, "after");
  EXPECT_TRUE(producer.PollUntil([&] { return producer.delivered() == 3; }, absl::Seconds(15)))
      << "delivered " << producer.delivered() << " of 3";
  ASSERT_OK_AND_ASSIGN(auto counts, TopicPartitionCounts(broker->bootstrap()));
  EXPECT_EQ(counts[topic], topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).partitions());
}

TEST(DevBrokerTest, SetReachableFailsOnceStopped) {
  ASSERT_OK_AND_ASSIGN(auto broker, DevBroker::Create({.brokers = 1, .port = 0}));
  broker->Stop();
  EXPECT_THAT(broker->SetReachable(false),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("stopped")));
}

}  // namespace
}  // namespace arrears::devbroker
