// Black-box test of the devbroker binary: another process, plain librdkafka
// clients (and kcat) talking to it only through its bootstrap address.
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tools/devbroker/kafka_probe.h"

#ifndef DEVBROKER_PATH
#error "DEVBROKER_PATH must name the devbroker binary (set by CMake)"
#endif

extern char** environ;

namespace arrears::devbroker {
namespace {

using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;
using ::testing::HasSubstr;

constexpr absl::Duration kDeadline = absl::Seconds(8);

// The file's first line (the bootstrap file holds just the address).
std::string ReadFirstLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Whether the file at `path` contains `text`.
bool FileContains(const std::filesystem::path& path, const std::string& text) {
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content.find(text) != std::string::npos;
}

// The first line of `path` that starts with "bootstrap=" (stdout and stderr
// share the file); empty if there is none yet.
std::string BootstrapLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("bootstrap=", 0) == 0) return line;
  }
  return "";
}

using KafkaHandle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

// A librdkafka client of `type`; `settings` are name/value pairs.
KafkaHandle NewClient(rd_kafka_type_t type,
                      const std::vector<std::pair<std::string, std::string>>& settings,
                      void (*delivery_report)(rd_kafka_t*, const rd_kafka_message_t*,
                                              void*) = nullptr) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : settings) {
    EXPECT_EQ(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)),
              RD_KAFKA_CONF_OK)
        << name << ": " << error;
  }
  if (delivery_report != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, delivery_report);
  KafkaHandle handle(rd_kafka_new(type, conf, error, sizeof(error)), &rd_kafka_destroy);
  EXPECT_NE(handle, nullptr) << error;
  return handle;
}

struct DeliveryReport {
  bool delivered = false;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  int32_t partition = -1;
  int64_t offset = -1;
};

void RecordDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* report = static_cast<DeliveryReport*>(message->_private);
  report->delivered = true;
  report->error = message->err;
  report->partition = message->partition;
  report->offset = message->offset;
}

std::string Header(const rd_kafka_message_t* message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return "<none>";
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "<missing>";
  }
  return std::string(static_cast<const char*>(value), size);
}

class DevbrokerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/devbroker_process_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    bootstrap_file_ = dir_ / "bootstrap";
    output_ = dir_ / "devbroker.out";
    const std::filesystem::path& output = output_;
    ASSERT_OK_AND_ASSIGN(
        process_, Subprocess::Start({DEVBROKER_PATH, "--port=0",
                                     absl::StrCat("--bootstrap_file=", bootstrap_file_.string())},
                                    output.string()));
    ASSERT_TRUE(
        WaitUntil([&] { return std::filesystem::exists(bootstrap_file_) || !process_->running(); },
                  kDeadline))
        << "no bootstrap file within the deadline";
    ASSERT_TRUE(process_->running()) << "devbroker exited during start-up";
    bootstrap_ = ReadFirstLine(bootstrap_file_);
    ASSERT_TRUE(WaitUntil([&] { return !BootstrapLine(output).empty(); }, kDeadline));
    EXPECT_EQ(BootstrapLine(output), "bootstrap=" + bootstrap_);
  }

  void TearDown() override {
    if (process_ != nullptr && process_->running()) StopAndExpectCleanExit();
    process_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StopAndExpectCleanExit() {
    process_->Kill(SIGTERM);
    std::optional<int> exit_code = process_->WaitFor(kDeadline);
    ASSERT_TRUE(exit_code.has_value()) << "devbroker did not exit after SIGTERM";
    EXPECT_EQ(*exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(bootstrap_file_));
  }

  std::filesystem::path dir_;
  std::filesystem::path bootstrap_file_;
  std::filesystem::path output_;  // its stdout and stderr
  std::unique_ptr<Subprocess> process_;
  std::string bootstrap_;
};

TEST_F(DevbrokerProcessTest, ProducedMessageComesBackWithKeyAndHeaders) {
  const std::string topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  const std::string key = "loan-42";
  const std::string value = "payload bytes";

  DeliveryReport report;
  KafkaHandle producer =
      NewClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap_}}, &RecordDelivery);
  ASSERT_NE(producer, nullptr);
  ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                              RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_HEADER("ce_type", "arrears.loan.opened", -1),
                              RD_KAFKA_V_HEADER("ce_id", "event-1", -1),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&report),
                              RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_flush(producer.get(), static_cast<int>(absl::ToInt64Milliseconds(kDeadline))),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE(report.delivered);
  ASSERT_EQ(report.error, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(report.error);

  // assign() needs a group id, but joins no group: no ~3 s first join.
  KafkaHandle consumer = NewClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap_},
                                                       {"group.id", "devbroker-process-test"},
                                                       {"enable.auto.commit", "false"},
                                                       {"fetch.wait.max.ms", "10"}});
  ASSERT_NE(consumer, nullptr);
  rd_kafka_poll_set_consumer(consumer.get());
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>
      assignment(rd_kafka_topic_partition_list_new(1), &rd_kafka_topic_partition_list_destroy);
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), report.partition)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  ASSERT_EQ(rd_kafka_assign(consumer.get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);

  bool found = false;
  const absl::Time deadline = absl::Now() + kDeadline;
  while (!found && absl::Now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 100);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->offset == report.offset) {
      found = true;
      EXPECT_EQ(std::string(static_cast<const char*>(message->key), message->key_len), key);
      EXPECT_EQ(std::string(static_cast<const char*>(message->payload), message->len), value);
      EXPECT_EQ(Header(message, "ce_type"), "arrears.loan.opened");
      EXPECT_EQ(Header(message, "ce_id"), "event-1");
    }
    rd_kafka_message_destroy(message);
  }
  EXPECT_TRUE(found) << "message at partition " << report.partition << " offset " << report.offset
                     << " not consumed within the deadline";
  rd_kafka_consumer_close(consumer.get());
}

TEST_F(DevbrokerProcessTest, CreatesEveryRegistryTopicAndItsDeadLetterTopic) {
  ASSERT_OK_AND_ASSIGN(auto counts, TopicPartitionCounts(bootstrap_));
  const topics::TopicSpec& loan_events = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS);
  EXPECT_EQ(counts[loan_events.name()], 64);
  EXPECT_TRUE(counts.contains(topics::DeadLetterTopicName(loan_events.name())));
  for (const topics::TopicSpec& spec : topics::AllTopics()) {
    EXPECT_EQ(counts[spec.name()], spec.partitions()) << spec.name();
    EXPECT_EQ(counts[topics::DeadLetterTopicName(spec.name())], spec.dlq_partitions())
        << spec.name();
  }
}

TEST_F(DevbrokerProcessTest, KcatListsTheTopics) {
  const char* kcat = "/usr/bin/kcat";
  if (access(kcat, X_OK) != 0) GTEST_SKIP() << "kcat is not installed; nothing to check";
  const std::string command = absl::StrCat("timeout 8 ", kcat, " -b ", bootstrap_, " -L 2>&1");
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char chunk[4096];
  while (size_t n = fread(chunk, 1, sizeof(chunk), pipe.get())) output.append(chunk, n);
  const std::string loan_events = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  EXPECT_THAT(output, HasSubstr(absl::StrCat("topic \"", loan_events, "\" with 64 partitions")));
  EXPECT_THAT(output, HasSubstr(absl::StrCat("topic \"", topics::DeadLetterTopicName(loan_events),
                                             "\" with")));
}

TEST_F(DevbrokerProcessTest, SigtermStopsCleanlyAndRemovesTheBootstrapFile) {
  StopAndExpectCleanExit();
  EXPECT_FALSE(TopicPartitionCounts(bootstrap_, absl::Milliseconds(300)).ok());
}

TEST_F(DevbrokerProcessTest, Sigusr1DropsTheBrokerForTheOutageThenItServesAgain) {
  ASSERT_OK(TopicPartitionCounts(bootstrap_).status());
  process_->Kill(SIGUSR1);
  ASSERT_TRUE(WaitUntil([&] { return FileContains(output_, "outage begins"); }, kDeadline));
  // The default outage lasts 3 s: a client gets nowhere in this half second.
  EXPECT_THAT(TopicPartitionCounts(bootstrap_, absl::Milliseconds(500)),
              ::testing::Not(arrears::testing::IsOk()));
  ASSERT_TRUE(WaitUntil([&] { return FileContains(output_, "outage ends"); }, kDeadline));
  EXPECT_OK(TopicPartitionCounts(bootstrap_).status());
  EXPECT_TRUE(process_->running());
}

TEST_F(DevbrokerProcessTest, SigtermDuringAnOutageStopsCleanly) {
  process_->Kill(SIGUSR1);
  ASSERT_TRUE(WaitUntil([&] { return FileContains(output_, "outage begins"); }, kDeadline));
  StopAndExpectCleanExit();
}

}  // namespace
}  // namespace arrears::devbroker
