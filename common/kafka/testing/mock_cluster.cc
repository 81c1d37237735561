#include "common/kafka/testing/mock_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/kafka/error.h"
#include "common/kafka/headers.h"
#include "common/runtime/address.h"
#include "common/status/status_macros.h"

namespace arrears::kafka::testing {
namespace {

// librdkafka 2.0.2's mock thread serves queued API calls (e.g. topic creation)
// and only then drains its wake-up pipe, so a call made
// in between loses its wake-up and waits for the thread's 1 s poll timeout:
// creating the 18 topics took anywhere from 0.1 to 9 s. A connection to a
// broker's listener wakes the thread too, so while a burst of calls runs we
// open (and at once close) one every few milliseconds.
void WithMockWakeups(absl::string_view bootstrap_servers, absl::FunctionRef<void()> calls) {
  const absl::StatusOr<runtime::HostPort> broker = runtime::ParseHostPort(
      std::pair<absl::string_view, absl::string_view>(absl::StrSplit(bootstrap_servers, ','))
          .first);
  if (!broker.ok()) {
    calls();  // Not an address we can poke: slower, still correct.
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(broker->port));
  if (inet_pton(AF_INET, broker->host.c_str(), &address.sin_addr) != 1) {
    calls();  // Not an address we can poke: slower, still correct.
    return;
  }
  absl::Notification done;
  std::thread waker([&] {
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(5))) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
      close(fd);
    }
  });
  calls();
  done.Notify();
  waker.join();
}

}  // namespace

namespace {

int RemainingMs(absl::Time deadline) {
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
}

}  // namespace

const std::string* ConsumedRecord::FindHeader(absl::string_view name) const {
  const std::string* found = nullptr;
  for (const auto& [key, value] : record.headers) {
    if (key == name) found = &value;
  }
  return found;
}

absl::StatusOr<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  RdConfPtr conf(rd_kafka_conf_new());
  char error[512];
  // The owner never connects anywhere; keep its "no bootstrap servers" warning quiet.
  if (rd_kafka_conf_set(conf.get(), "log_level", "3", error, sizeof(error)) != RD_KAFKA_CONF_OK) {
    return absl::InternalError(error);
  }
  RdKafkaPtr owner(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error)));
  if (owner == nullptr) return absl::InternalError(absl::StrCat("mock cluster owner: ", error));
  conf.release();
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(owner.get(), brokers);
  if (mock == nullptr) return absl::InternalError("rd_kafka_mock_cluster_new failed");
  return std::unique_ptr<MockCluster>(new MockCluster(std::move(owner), mock));
}

MockCluster::MockCluster(RdKafkaPtr owner, rd_kafka_mock_cluster_t* mock)
    : owner_(std::move(owner)),
      mock_(mock),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(mock)) {}

MockCluster::~MockCluster() { rd_kafka_mock_cluster_destroy(mock_); }

KafkaConfig MockCluster::Config(std::string client_id) const {
  KafkaConfig config;
  config.bootstrap_servers = bootstrap_servers_;
  config.client_id = std::move(client_id);
  config.profile = Profile::kDev;
  return config;
}

absl::Status MockCluster::CreateTopic(const std::string& name, int partitions) {
  return CreateTopics({{name, partitions}});
}

absl::Status MockCluster::CreateTopics(
    const std::vector<std::pair<std::string, int>>& names_and_partitions) {
  absl::Status status;
  WithMockWakeups(bootstrap_servers_, [&] {
    for (const auto& [name, partitions] : names_and_partitions) {
      status = KafkaError(rd_kafka_mock_topic_create(mock_, name.c_str(), partitions,
                                                     /*replication_factor=*/1),
                          absl::StrCat("creating topic \"", name, "\""));
      if (!status.ok()) return;
    }
  });
  return status;
}

absl::StatusOr<std::vector<ConsumedRecord>> MockCluster::ReadAll(const std::string& topic,
                                                                 absl::Time deadline) const {
  return ReadTopic(Config("mock-cluster-reader"), topic, deadline);
}

absl::StatusOr<std::vector<ConsumedRecord>> ReadTopic(const KafkaConfig& config,
                                                      const std::string& topic,
                                                      absl::Time deadline) {
  // assign() needs a group id but joins no group; a fresh one per call keeps
  // readers independent.
  static std::atomic<int> reader_count{0};
  ClientProperties client{
      .defaults = {},
      .required = {{"group.id", absl::StrCat("mock-cluster-reader-", reader_count++)},
                   {"enable.auto.commit", "false"}},
  };
  ARREARS_ASSIGN_OR_RETURN(RdConfPtr conf, BuildRdKafkaConf(config, ClientRole::kConsumer, client));
  char error[512];
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error)));
  if (rk == nullptr) return absl::InternalError(absl::StrCat("reader: ", error));
  conf.release();
  rd_kafka_poll_set_consumer(rk.get());

  const rd_kafka_metadata_t* raw_metadata = nullptr;
  {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk.get(), 0, handle, &raw_metadata, RemainingMs(deadline));
    rd_kafka_topic_destroy(handle);
    ARREARS_RETURN_IF_ERROR(KafkaError(err, absl::StrCat("metadata of \"", topic, "\"")));
  }
  RdMetadataPtr metadata(raw_metadata);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::vector<ConsumedRecord>();  // Unknown topic: nothing to read.
  }

  RdPartitionListPtr assignment(rd_kafka_topic_partition_list_new(0));
  std::map<int32_t, int64_t> end_offsets;  // partitions still being read
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
    int32_t partition = metadata->topics[0].partitions[i].id;
    int64_t low = 0;
    int64_t high = 0;
    ARREARS_RETURN_IF_ERROR(
        KafkaError(rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), partition, &low, &high,
                                                    RemainingMs(deadline)),
                   absl::StrCat("watermarks of ", topic, "/", partition)));
    if (high <= low) continue;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = low;
    end_offsets[partition] = high;
  }
  std::vector<ConsumedRecord> records;
  if (end_offsets.empty()) return records;
  ARREARS_RETURN_IF_ERROR(KafkaError(rd_kafka_assign(rk.get(), assignment.get()), "assign"));

  while (!end_offsets.empty()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "reading \"", topic, "\": ", end_offsets.size(), " partitions not read to the end"));
    }
    RdMessagePtr message(rd_kafka_consumer_poll(rk.get(), std::min(100, RemainingMs(deadline))));
    if (message == nullptr) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      return KafkaError(message->err, absl::StrCat("reading \"", topic, "\""));
    }
    auto end = end_offsets.find(message->partition);
    if (end == end_offsets.end() || message->offset >= end->second) continue;
    ConsumedRecord& consumed = records.emplace_back();
    consumed.partition = message->partition;
    consumed.offset = message->offset;
    consumed.record.topic = topic;
    if (message->key != nullptr) {
      consumed.record.key.assign(static_cast<const char*>(message->key), message->key_len);
    }
    if (message->payload != nullptr) {
      consumed.record.value.assign(static_cast<const char*>(message->payload), message->len);
    }
    ReadHeaders(*message, &consumed.record.headers);
    if (message->offset + 1 >= end->second) end_offsets.erase(end);
  }
  rd_kafka_consumer_close(rk.get());
  std::sort(records.begin(), records.end(), [](const ConsumedRecord& a, const ConsumedRecord& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  return records;
}

}  // namespace arrears::kafka::testing
