// The compliance service as a process: the devbroker process, the
// compliance_auditing binary, CheckContact over gRPC, contact and customer
// events consumed from Kafka — then a SIGKILL and a restart, after which the
// log still verifies against a checkpoint taken before the crash, every
// event was applied exactly once, and the published checkpoints are signed
// and consistent.
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/published_file.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/checkpoint.h"
#include "services/compliance_auditing/audit/ed25519.h"
#include "tests/support/subprocess.h"

namespace arrears::compliance {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;

constexpr absl::string_view kCustomer = "cust-proc-1";
constexpr char kLogId[] = "arrears-compliance";

absl::Time Shanghai(int hour, int minute = 0) {
  absl::TimeZone zone;
  absl::LoadTimeZone("Asia/Shanghai", &zone);
  return absl::FromCivil(absl::CivilSecond(2025, 6, 16, hour, minute, 0), zone);
}

template <typename Message>
events::Event MakeEvent(topics::v1::Topic topic, absl::string_view key, absl::string_view id,
                        const Message& payload) {
  events::Event event;
  event.topic = topics::Spec(topic).name();
  event.key = std::string(key);
  event.envelope.id = std::string(id);
  event.envelope.type = std::string(Message::descriptor()->full_name());
  event.envelope.source = "//test/process";
  event.envelope.time = absl::Now();
  payload.SerializeToString(&event.payload);
  return event;
}

events::Event ConnectedCall(int attempt) {
  contact::v1::ContactEvent call;
  call.set_attempt_id(absl::StrCat("att-", attempt));
  call.set_customer_id(std::string(kCustomer));
  call.add_loan_ids("loan-1");
  call.set_channel(common::v1::CHANNEL_VOICE_CALL);
  call.mutable_contact_point()->set_contact_point_id("phone-1");
  call.set_outcome(contact::v1::CONTACT_OUTCOME_ANSWERED);
  call.set_direction(contact::v1::CONTACT_DIRECTION_OUTBOUND);
  call.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  call.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  call.set_connected(true);
  *call.mutable_occurred_at() = ToTimestamp(Shanghai(9, attempt));
  return MakeEvent(topics::v1::TOPIC_CONTACT_EVENTS, kCustomer,
                   absl::StrCat("contact-ev-", attempt), call);
}

v1::CheckContactRequest CallCheck(absl::string_view check_id) {
  v1::CheckContactRequest request;
  request.set_check_id(std::string(check_id));
  request.set_customer_id(std::string(kCustomer));
  request.add_debt_ids("loan-1");
  request.set_channel(common::v1::CHANNEL_VOICE_CALL);
  request.mutable_contact_point()->set_contact_point_id("phone-1");
  request.mutable_contact_point()->set_value("+8613812345678");
  request.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  request.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  *request.mutable_proposed_time() = ToTimestamp(Shanghai(10));
  request.set_call_recording_on(true);
  return request;
}

bool HasCode(const v1::ContactDecision& decision, absl::string_view code) {
  for (const std::string& c : decision.reason_codes()) {
    if (c == code) return true;
  }
  return false;
}

class ComplianceProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    bootstrap_file_ = dir_->File("bootstrap");
    ASSERT_OK_AND_ASSIGN(broker_, Subprocess::Start({DEVBROKER_PATH, "--port=0",
                                                     "--bootstrap_file=" + bootstrap_file_},
                                                    dir_->File("devbroker.log")));
    ASSERT_TRUE(WaitUntil([&] { return kafka::ReadBootstrapFile(bootstrap_file_).ok(); },
                          absl::Seconds(30)))
        << "devbroker did not publish its address";
    ASSERT_OK_AND_ASSIGN(const std::string bootstrap, kafka::ReadBootstrapFile(bootstrap_file_));
    kafka_.bootstrap_servers = bootstrap;
    kafka_.client_id = "compliance-process-test";
    kafka_.profile = kafka::Profile::kDev;
    ASSERT_OK_AND_ASSIGN(producer_, kafka::KafkaProducer::Create(kafka_));
  }

  void StartService(const std::string& name) {
    ::unlink(address_file().c_str());
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {COMPLIANCE_PATH, "--service_name=compliance-auditing", "--data_dir=" + dir_->path(),
         "--kafka_bootstrap_file=" + bootstrap_file_, "--grpc_address=127.0.0.1:0",
         "--grpc_address_file=" + address_file(), "--http_address=127.0.0.1:0",
         "--log_level=warning", "--drain_timeout=10s", "--checkpoint_interval=300ms"},
        dir_->File(name + ".log"));
    ASSERT_THAT(process, IsOk());
    service_ = *std::move(process);
    std::string address;
    ASSERT_TRUE(WaitUntil(
        [&] {
          absl::StatusOr<std::string> published = runtime::ReadPublishedFile(address_file());
          if (published.ok()) address = *published;
          return published.ok();
        },
        absl::Seconds(30)))
        << "the service did not publish its gRPC address";
    stub_ = v1::ComplianceService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  std::string address_file() const { return dir_->File("grpc.addr"); }

  absl::StatusOr<v1::ContactDecision> Check(absl::string_view check_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::ContactDecision decision;
    const grpc::Status status = stub_->CheckContact(&context, CallCheck(check_id), &decision);
    if (!status.ok()) return absl::UnavailableError(status.error_message());
    return decision;
  }

  template <typename Request, typename Response>
  Response Call(grpc::Status (v1::ComplianceService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    Response response;
    const grpc::Status status = ((*stub_).*method)(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  int CountContactEventsInLog() {
    v1::QueryAuditRequest query;
    query.set_customer_id(std::string(kCustomer));
    query.add_kinds(v1::AUDIT_RECORD_KIND_CONTACT_EVENT);
    query.set_page_size(1000);
    return Call(&v1::ComplianceService::Stub::QueryAudit, query).entries_size();
  }

  std::unique_ptr<store::TempDir> dir_;
  std::string bootstrap_file_;
  kafka::KafkaConfig kafka_;
  std::unique_ptr<Subprocess> broker_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<Subprocess> service_;
  std::unique_ptr<v1::ComplianceService::Stub> stub_;
};

TEST_F(ComplianceProcessTest, SurvivesSigkillWithAVerifiableLogAndExactlyOnceHistory) {
  StartService("compliance-1");
  // The debtor lives in China; three connected calls today (bank and agency).
  customer::v1::CustomerEvent profile;
  profile.set_customer_id(std::string(kCustomer));
  customer::v1::ContactData& data = *profile.mutable_contact_data_changed()->mutable_contact_data();
  data.set_residence_jurisdiction("CN");
  data.set_time_zone("Asia/Shanghai");
  data.mutable_name()->set_full_name("王小明");
  std::vector<events::Event> batch = {
      MakeEvent(topics::v1::TOPIC_CUSTOMER_EVENTS, kCustomer, "customer-ev-1", profile)};
  for (int attempt = 1; attempt <= 3; ++attempt) batch.push_back(ConnectedCall(attempt));
  ASSERT_THAT(producer_->Publish(batch), IsOk());

  // The fourth call of the day is deferred once the events are consumed.
  std::vector<std::string> decision_ids;
  int polls = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<v1::ContactDecision> decision = Check(absl::StrCat("poll-", ++polls));
        if (!decision.ok()) return false;
        decision_ids.push_back(decision->decision_id());
        return decision->verdict() == v1::VERDICT_DEFER && HasCode(*decision, "CONNECTED_CALL_CAP");
      },
      absl::Seconds(60)))
      << "contact events were not consumed";

  v1::GetCheckpointRequest sign_now;
  sign_now.set_sign_now(true);
  const v1::SignedCheckpoint trusted = Call(&v1::ComplianceService::Stub::GetCheckpoint, sign_now);
  ASSERT_GT(trusted.size(), 4u);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<v1::ContactDecision> decision = Check(absl::StrCat("after-", i));
    ASSERT_THAT(decision, IsOk());
    decision_ids.push_back(decision->decision_id());
  }

  service_->Kill(SIGKILL);
  EXPECT_EQ(service_->Wait(), 128 + SIGKILL);
  ASSERT_THAT(producer_->Publish({ConnectedCall(4)}), IsOk());
  StartService("compliance-2");

  // The call published while the service was down is consumed too, and no
  // event is applied twice (the decision is still a DEFER, not a double count).
  ASSERT_TRUE(WaitUntil([&] { return CountContactEventsInLog() == 4; }, absl::Seconds(60)))
      << CountContactEventsInLog() << " contact events in the log";
  // A check answered before the crash is answered the same after it.
  absl::StatusOr<v1::ContactDecision> replay = Check("after-0");
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->decision_id(), decision_ids[decision_ids.size() - 10]);

  v1::VerifyLogRequest verify;
  *verify.mutable_trusted_checkpoint() = trusted;
  const v1::VerifyLogResponse report = Call(&v1::ComplianceService::Stub::VerifyLog, verify);
  EXPECT_TRUE(report.ok()) << report.problem();
  EXPECT_TRUE(report.checkpoint_matches());
  EXPECT_GE(report.entries_verified(), trusted.size() + 10);

  // The log after the restart extends the trusted checkpoint, as an outside
  // verifier holding only the public key sees it.
  const v1::SignedCheckpoint latest = Call(&v1::ComplianceService::Stub::GetCheckpoint, sign_now);
  v1::GetConsistencyProofRequest consistency;
  consistency.set_first_size(trusted.size());
  consistency.set_second_size(latest.size());
  const v1::ConsistencyProof proof =
      Call(&v1::ComplianceService::Stub::GetConsistencyProof, consistency);
  ASSERT_OK_AND_ASSIGN(const audit::Ed25519PrivateKey key,
                       audit::Ed25519PrivateKey::LoadPemFile(dir_->File("audit-signing-key.pem")));
  ASSERT_OK_AND_ASSIGN(const audit::CheckpointVerifier verifier,
                       audit::CheckpointVerifier::Create(kLogId, key.public_key()));
  EXPECT_THAT(verifier.VerifyExtends(trusted, latest, proof), IsOk());

  service_->Kill(SIGTERM);
  EXPECT_EQ(service_->Wait(), 0);

  // Outside the service: every decision made is on the decisions topic, and
  // the periodic checkpoints are validly signed and never shrink.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  ASSERT_OK_AND_ASSIGN(
      const auto decisions,
      kafka::testing::ReadTopic(kafka_, topics::Spec(topics::v1::TOPIC_COMPLIANCE_DECISIONS).name(),
                                deadline));
  std::set<std::string> published_ids;
  for (const auto& record : decisions) {
    v1::ComplianceDecisionEvent event;
    ASSERT_TRUE(event.ParseFromString(record.record.value));
    EXPECT_TRUE(event.request().contact_point().value().empty()) << "no personal data published";
    published_ids.insert(event.decision().decision_id());
  }
  for (const std::string& id : decision_ids) EXPECT_TRUE(published_ids.contains(id)) << id;
  ASSERT_OK_AND_ASSIGN(
      const auto checkpoints,
      kafka::testing::ReadTopic(kafka_, topics::Spec(topics::v1::TOPIC_AUDIT_CHECKPOINTS).name(),
                                deadline));
  ASSERT_FALSE(checkpoints.empty());
  uint64_t previous = 0;
  for (const auto& record : checkpoints) {
    v1::SignedCheckpoint checkpoint;
    ASSERT_TRUE(checkpoint.ParseFromString(record.record.value));
    EXPECT_THAT(verifier.VerifySignature(checkpoint), IsOk());
    EXPECT_GE(checkpoint.size(), previous);
    previous = checkpoint.size();
  }
  EXPECT_GE(previous, trusted.size());
}

}  // namespace
}  // namespace arrears::compliance
