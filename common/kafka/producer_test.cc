#include "common/kafka/producer.h"

#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::kafka {
namespace {

using ::arrears::kafka::testing::ConsumedRecord;
using ::arrears::kafka::testing::MockCluster;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::Duration kReadTimeout = absl::Seconds(10);

// Kafka's Java murmur2 (org.apache.kafka.common.utils.Utils#murmur2).
int32_t JavaMurmur2(absl::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const size_t length = data.size();
  uint32_t h = 0x9747b28c ^ static_cast<uint32_t>(length);
  const auto byte = [&data](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[i]));
  };
  for (size_t i = 0; i + 4 <= length; i += 4) {
    uint32_t k = byte(i) | byte(i + 1) << 8 | byte(i + 2) << 16 | byte(i + 3) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

// What Java's default partitioner picks for a keyed record.
int32_t JavaPartition(absl::string_view key, int32_t partitions) {
  return (JavaMurmur2(key) & 0x7fffffff) % partitions;
}

events::Event MakeEvent(std::string topic, std::string key, int n) {
  events::Event event;
  event.topic = std::move(topic);
  event.key = std::move(key);
  event.envelope.id = absl::StrCat("evt-", n);
  event.envelope.type = "arrears.loan.v1.RepaymentPosted";
  event.envelope.source = "//loan-system/core";
  event.envelope.time = absl::FromUnixMillis(1'767'225'600'000 + n);
  if (n % 2 == 0) {
    event.envelope.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  }
  event.payload = absl::StrCat("payload-", n);
  return event;
}

class ProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cluster_, MockCluster::Create());
    ASSERT_OK_AND_ASSIGN(producer_, KafkaProducer::Create(cluster_->Config("producer-test")));
  }

  std::vector<ConsumedRecord> ReadAll(const std::string& topic) {
    absl::StatusOr<std::vector<ConsumedRecord>> records =
        cluster_->ReadAll(topic, absl::Now() + kReadTimeout);
    EXPECT_OK(records);
    return records.ok() ? *std::move(records) : std::vector<ConsumedRecord>();
  }

  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<KafkaProducer> producer_;
};

TEST(JavaMurmur2Test, MatchesKafkaUtilsTestVectors) {
  // From Kafka's UtilsTest#testMurmur2.
  EXPECT_EQ(JavaMurmur2("21"), -973932308);
  EXPECT_EQ(JavaMurmur2("foobar"), -790332482);
  EXPECT_EQ(JavaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(JavaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(JavaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(JavaMurmur2("abc"), 479470107);
}

TEST_F(ProducerTest, PublishesEventsWithHeadersAndKeepsAKeyOnOnePartition) {
  ASSERT_OK(cluster_->CreateTopic("loans", 4));
  std::vector<events::Event> events;
  for (int i = 0; i < 40; ++i)
    events.push_back(MakeEvent("loans", absl::StrCat("loan-", i % 7), i));
  ASSERT_OK(producer_->Publish(events));

  std::vector<ConsumedRecord> records = ReadAll("loans");
  ASSERT_THAT(records, SizeIs(events.size()));
  std::map<std::string, const ConsumedRecord*> by_id;
  std::map<std::string, std::set<int32_t>> partitions_by_key;
  for (const ConsumedRecord& record : records) {
    by_id[*record.FindHeader(events::kHeaderId)] = &record;
    partitions_by_key[record.record.key].insert(record.partition);
  }
  for (const events::Event& event : events) {
    const ConsumedRecord* record = by_id[event.envelope.id];
    ASSERT_NE(record, nullptr) << event.envelope.id;
    EXPECT_EQ(record->record.key, event.key);
    EXPECT_EQ(record->record.value, event.payload);
    EXPECT_EQ(record->record.headers, events::ToHeaders(event.envelope));
  }
  EXPECT_THAT(partitions_by_key, SizeIs(7));
  for (const auto& [key, partitions] : partitions_by_key) {
    EXPECT_THAT(partitions, SizeIs(1)) << key;
  }
}

TEST_F(ProducerTest, PartitionsKeysLikeJavaClients) {
  constexpr int kPartitions = 64;
  ASSERT_OK(cluster_->CreateTopic("murmur", kPartitions));
  std::vector<events::Event> events;
  for (const std::string key : {"21", "foobar", "abc", "loan-0001", "loan-0002", "customer-42",
                                "a-little-bit-longer-string", "LN-2026-000123"}) {
    events.push_back(MakeEvent("murmur", key, static_cast<int>(events.size())));
  }
  ASSERT_OK(producer_->Publish(events));

  std::vector<ConsumedRecord> records = ReadAll("murmur");
  ASSERT_THAT(records, SizeIs(events.size()));
  std::set<int32_t> partitions;
  for (const ConsumedRecord& record : records) {
    EXPECT_EQ(record.partition, JavaPartition(record.record.key, kPartitions)) << record.record.key;
    partitions.insert(record.partition);
  }
  EXPECT_GT(partitions.size(), 1u);  // the keys do spread
}

TEST_F(ProducerTest, ProducesRawRecordsWithoutHeadersOrKey) {
  ASSERT_OK(cluster_->CreateTopic("raw", 1));
  ASSERT_OK(producer_->ProduceRecords(
      {Record{.topic = "raw", .key = "", .value = "not-protobuf", .headers = {}},
       Record{.topic = "raw", .key = "k", .value = "v", .headers = {{"custom", "1"}}}}));

  std::vector<ConsumedRecord> records = ReadAll("raw");
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(records[0].record.key, "");
  EXPECT_EQ(records[0].record.value, "not-protobuf");
  EXPECT_THAT(records[0].record.headers, IsEmpty());
  EXPECT_EQ(records[1].record.headers, (events::Headers{{"custom", "1"}}));
}

TEST_F(ProducerTest, ConcurrentPublishersEachGetTheirOwnDeliveries) {
  ASSERT_OK(cluster_->CreateTopic("concurrent", 8));
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 250;
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEventsPerThread; i += 10) {
        std::vector<events::Event> batch;
        for (int j = i; j < i + 10; ++j) {
          int n = t * kEventsPerThread + j;
          batch.push_back(MakeEvent("concurrent", absl::StrCat("loan-", n % 31), n));
        }
        results[t] = producer_->Publish(batch);
        if (!results[t].ok()) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& result : results) EXPECT_OK(result);
  EXPECT_THAT(ReadAll("concurrent"), SizeIs(kThreads * kEventsPerThread));
}

TEST_F(ProducerTest, WaitsOutAFullLocalQueue) {
  ASSERT_OK(cluster_->CreateTopic("bursty", 2));
  KafkaConfig config = cluster_->Config("tiny-queue-producer");
  config.properties = {{"queue.buffering.max.messages", "5"}};
  ASSERT_OK_AND_ASSIGN(auto producer, KafkaProducer::Create(config));
  std::vector<events::Event> events;
  for (int i = 0; i < 100; ++i)
    events.push_back(MakeEvent("bursty", absl::StrCat("loan-", i % 3), i));
  ASSERT_OK(producer->Publish(events));
  EXPECT_THAT(ReadAll("bursty"), SizeIs(events.size()));
}

TEST_F(ProducerTest, FailedDeliveryReportFailsTheCall) {
  ASSERT_OK(cluster_->CreateTopic("refused", 1));
  // The broker refuses every produce attempt of this call (the error is not
  // retriable, so the delivery report carries it).
  rd_kafka_mock_push_request_errors(cluster_->mock(), /*ApiKey=Produce*/ 0, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_THAT(producer_->Publish({MakeEvent("refused", "loan-1", 1)}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("\"refused\"")));
}

TEST_F(ProducerTest, RecordTooLargeToEnqueueFailsTheCall) {
  KafkaConfig config = cluster_->Config("small-producer");
  config.properties = {{"message.max.bytes", "1000"}};
  ASSERT_OK_AND_ASSIGN(auto producer, KafkaProducer::Create(config));
  events::Event event = MakeEvent("big", "loan-1", 1);
  event.payload.assign(5000, 'x');
  EXPECT_THAT(producer->Publish({event}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"big\"")));
}

}  // namespace
}  // namespace arrears::kafka
