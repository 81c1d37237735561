#include "services/contact_channels/contact_process_fixture.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/ids/id_generator.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "common/topics/topics.h"
#include "nlohmann/json.hpp"

namespace arrears::contact {

using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;

void ContactProcessFixture::SetUp() {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  dir_ = std::make_unique<store::TempDir>(std::move(dir));
  std::filesystem::create_directories(contact_dir());
  bootstrap_file_ = dir_->File("bootstrap");
  ASSERT_OK_AND_ASSIGN(broker_, Subprocess::Start({DEVBROKER_PATH, "--port=0", "--partitions=4",
                                                   "--bootstrap_file=" + bootstrap_file_},
                                                  dir_->File("devbroker.log")));
  ASSERT_TRUE(
      WaitUntil([&] { return kafka::ReadBootstrapFile(bootstrap_file_).ok(); }, absl::Seconds(30)))
      << "devbroker did not publish its address";
  ASSERT_OK_AND_ASSIGN(std::string bootstrap, kafka::ReadBootstrapFile(bootstrap_file_));
  kafka_.bootstrap_servers = bootstrap;
  kafka_.client_id = "contact-process-test";
  kafka_.profile = kafka::Profile::kDev;
  ASSERT_OK_AND_ASSIGN(producer_, kafka::KafkaProducer::Create(kafka_));
}

std::unique_ptr<Subprocess> ContactProcessFixture::StartContactChannels(
    const std::string& name, const std::string& compliance_file) {
  const std::string config = dir_->File("channels.yaml");
  std::ofstream(config) << absl::StrCat(R"yaml(
templates:
  - template_id: sms-d1-reminder
    language: zh-CN
    channel: SMS
    purposes: [COLLECTION]
    body: "【示例银行】{{surname}}您好，您的贷款应还{{amount_due}}，还款日{{due_date}}，请按时还款。如已还款请忽略。退订回T"
providers:
  - name: sms-sim
    channels: [SMS]
    failure_rate: )yaml",
                                        sms_failure_rate_, R"yaml(
    outcomes: {DELIVERED: 1}
    rate_per_second: 100000
    burst: 10000
    failure_threshold: 100000
    seed: 11
)yaml");
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {CONTACT_CHANNELS_PATH, "--service_name=contact-channels", "--data_dir=" + contact_dir(),
       "--kafka_bootstrap_file=" + bootstrap_file_, "--grpc_address=127.0.0.1:0",
       "--http_address=127.0.0.1:0", "--log_level=warning", "--drain_timeout=10s",
       "--compliance_address_file=" + compliance_file, "--channel_config=" + config,
       "--retry_max_attempts=30", "--retry_initial_backoff=10ms", "--retry_max_backoff=100ms",
       "--recheck_interval=200ms", "--timer_idle_wait=100ms", "--claim_lease=2s"},
      dir_->File(name + ".log"));
  EXPECT_TRUE(process.ok()) << process.status();
  return process.ok() ? *std::move(process) : nullptr;
}

absl::Status ContactProcessFixture::Publish(topics::v1::Topic topic, const std::string& key,
                                            const google::protobuf::Message& payload,
                                            const std::string& id) {
  events::Event event;
  event.topic = topics::Spec(topic).name();
  event.key = key;
  event.envelope.id = id;
  event.envelope.type = std::string(payload.GetDescriptor()->full_name());
  event.envelope.source = "//arrears/contact-process-test";
  event.envelope.time = absl::Now();
  payload.SerializeToString(&event.payload);
  return producer_->Publish({&event, 1});
}

std::map<std::string, std::vector<absl::Time>> ContactProcessFixture::ProviderSends() const {
  std::map<std::string, std::vector<absl::Time>> sends;
  std::ifstream in(contact_dir() + "/provider-outbox/sms-sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) continue;
    absl::Time at = absl::InfinitePast();
    std::string error;
    absl::ParseTime(absl::RFC3339_full, j.value("accepted_at", ""), &at, &error);
    sends[j.value("idempotency_key", "")].push_back(at);
  }
  return sends;
}

int64_t ContactProcessFixture::StateOf(const std::string& request_id) const {
  return QuerySqliteInt(
      contact_dir() + "/contact-channels.db",
      absl::StrCat("SELECT state FROM contact_attempts WHERE request_id = '", request_id, "'"));
}

int64_t ContactProcessFixture::OutboxDepth() const {
  return QuerySqliteInt(contact_dir() + "/contact-channels.db", "SELECT COUNT(*) FROM outbox");
}

std::string ContactProcessFixture::AttemptOf(const std::string& request_id) const {
  return ids::DeriveTimeOrderedId(request_id, "attempt-1", created_);
}

std::map<std::string, v1::ContactEvent> ContactProcessFixture::ContactEventsById() {
  std::map<std::string, v1::ContactEvent> by_id;
  absl::StatusOr<std::vector<kafka::testing::ConsumedRecord>> records =
      kafka::testing::ReadTopic(kafka_, topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(),
                                absl::Now() + absl::Seconds(30));
  EXPECT_OK(records);
  if (!records.ok()) return by_id;
  for (const kafka::testing::ConsumedRecord& record : *records) {
    v1::ContactEvent event;
    EXPECT_TRUE(event.ParseFromString(record.record.value));
    const std::string* ce_id = record.FindHeader("ce_id");
    EXPECT_TRUE(ce_id != nullptr && *ce_id == event.event_id());
    EXPECT_EQ(record.record.key, event.customer_id());
    by_id[event.event_id()] = event;
  }
  return by_id;
}

std::map<std::string, std::vector<v1::ContactOutcome>> ContactProcessFixture::OutcomesByRequest(
    const std::map<std::string, v1::ContactEvent>& events) {
  std::map<std::string, std::vector<v1::ContactOutcome>> outcomes;
  for (const auto& [id, event] : events) outcomes[event.request_id()].push_back(event.outcome());
  return outcomes;
}

}  // namespace arrears::contact
