// Three processes in real time: the devbroker, the real compliance service
// (compliance_auditing, applying its cn-default policy pack) and
// contact_channels, which finds it through the address file compliance
// publishes (--grpc_address_file / --compliance_address_file).
//
// Scenarios, each decided by the real rules:
//  - a contact at a forbidden hour (03:00 in the debtor's zone, outside the
//    08:00-22:00 window) is deferred to the next time the rules allow it
//    (the start of a contact time the debtor agreed, a few seconds ahead),
//    and then sent; the service is SIGKILLed while that timer is pending and
//    the restarted process sends it, once;
//  - a contact about a disputed debt is denied and never sent;
//  - with the SMS provider failing half of its calls, every allowed request
//    is delivered exactly once.
// The configured template passes the real content screening on the way.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/runtime/published_file.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/contact_channels/contact_process_fixture.h"
#include "services/contact_channels/contact_test_harness.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;
using compliance::v1::ComplianceService;

constexpr int kDayRequests = 10;
// How far ahead the agreed contact time starts.
constexpr absl::Duration kAgreedTimeAhead = absl::Seconds(8);

// An IANA zone ("Etc/GMT-5" is UTC+5) where the local hour is `hour` now.
std::string ZoneWithLocalHour(int hour) {
  const int utc_hour = absl::ToCivilHour(absl::Now(), absl::UTCTimeZone()).hour();
  int offset = ((hour - utc_hour) % 24 + 24) % 24;
  if (offset > 14) offset -= 24;
  if (offset == 0) return "Etc/GMT";
  return offset > 0 ? absl::StrCat("Etc/GMT-", offset) : absl::StrCat("Etc/GMT+", -offset);
}

common::v1::TimeOfDay TimeOfDay(absl::CivilSecond local) {
  common::v1::TimeOfDay time;
  time.set_hours(local.hour());
  time.set_minutes(local.minute());
  time.set_seconds(local.second());
  return time;
}

class ContactComplianceProcessTest : public ContactProcessFixture {
 protected:
  void SetUp() override {
    ContactProcessFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(
        compliance_process_,
        Subprocess::Start(
            {COMPLIANCE_AUDITING_PATH, "--service_name=compliance-auditing",
             "--data_dir=" + dir_->File("compliance"), "--kafka_bootstrap_file=" + bootstrap_file_,
             "--grpc_address=127.0.0.1:0", "--grpc_address_file=" + compliance_file(),
             "--http_address=127.0.0.1:0", "--log_level=warning", "--drain_timeout=10s"},
            dir_->File("compliance.log")));
    ASSERT_TRUE(WaitUntil(
        [&] {
          return runtime::ReadPublishedFile(compliance_file()).ok() ||
                 !compliance_process_->running();
        },
        absl::Seconds(30)));
    ASSERT_TRUE(compliance_process_->running())
        << "compliance_auditing exited at start-up: " << LogTail("compliance.log");
    ASSERT_OK_AND_ASSIGN(std::string address, runtime::ReadPublishedFile(compliance_file()));
    compliance_ = ComplianceService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (compliance_process_ != nullptr && compliance_process_->running()) {
      compliance_process_->Kill(SIGTERM);
      EXPECT_EQ(compliance_process_->Wait(), 0);
    }
  }

  std::string compliance_file() const { return dir_->File("compliance.address"); }
  std::string LogTail(const std::string& name) const {
    std::ifstream in(dir_->File(name));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (ComplianceService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    Response response;
    const grpc::Status status = (compliance_.get()->*method)(&context, request, &response);
    if (!status.ok()) return runtime::FromGrpcStatus(status);
    return response;
  }

  // Whether compliance has the customer's data (jurisdiction, time zone):
  // a check names no missing input.
  bool ComplianceKnows(const std::string& customer_id) {
    compliance::v1::CheckContactRequest probe;
    probe.set_check_id(absl::StrCat("probe-", customer_id, "-", ++probes_));
    probe.set_customer_id(customer_id);
    probe.add_debt_ids("loan-1");
    probe.set_channel(common::v1::CHANNEL_SMS);
    probe.mutable_contact_point()->set_contact_point_id("phone-1");
    probe.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
    probe.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
    *probe.mutable_proposed_time() = ToTimestamp(absl::Now());
    probe.set_template_id("sms-d1-reminder");
    probe.set_actor("contact-process-test");
    absl::StatusOr<compliance::v1::ContactDecision> decision =
        Call(&ComplianceService::Stub::CheckContact, probe);
    if (!decision.ok()) return false;
    return std::none_of(decision->reason_codes().begin(), decision->reason_codes().end(),
                        [](const std::string& code) {
                          return absl::StartsWith(code, "UNKNOWN_INPUT") ||
                                 absl::StartsWith(code, "NO_APPLICABLE_PACK");
                        });
  }

  std::unique_ptr<Subprocess> compliance_process_;
  std::unique_ptr<ComplianceService::Stub> compliance_;
  int probes_ = 0;
};

TEST_F(ContactComplianceProcessTest, TheRealRulesDeferDenyAndAllow) {
  std::unique_ptr<Subprocess> service = StartContactChannels("contact", compliance_file());
  ASSERT_TRUE(service);

  // 03:00 for the night owl, noon for the others.
  const std::string night_zone = ZoneWithLocalHour(3);
  const std::string day_zone = ZoneWithLocalHour(12);
  ASSERT_OK(Publish(topics::v1::TOPIC_CUSTOMER_EVENTS, "night-owl",
                    TestContactDataEvent("night-owl", absl::Now(), night_zone), "customer-night"));
  ASSERT_OK(Publish(topics::v1::TOPIC_CUSTOMER_EVENTS, "disputing",
                    TestContactDataEvent("disputing", absl::Now(), day_zone), "customer-dispute"));
  ASSERT_OK(Publish(topics::v1::TOPIC_CUSTOMER_EVENTS, "day",
                    TestContactDataEvent("day", absl::Now(), day_zone), "customer-day"));
  for (const std::string customer : {"night-owl", "disputing", "day"}) {
    ASSERT_TRUE(WaitUntil([&] { return ComplianceKnows(customer); }, absl::Seconds(60)))
        << "compliance never learned " << customer << "'s contact data";
  }

  // The debtor disputes loan-1; the night owl agreed to be called from a few
  // seconds from now (03:00-ish local), which lifts the quiet hours then.
  compliance::v1::RegisterDisputeRequest dispute;
  dispute.set_request_id("dispute-1");
  dispute.mutable_dispute()->set_customer_id("disputing");
  dispute.mutable_dispute()->add_debt_ids("loan-1");
  dispute.mutable_dispute()->set_dispute_type("AMOUNT");
  dispute.mutable_dispute()->set_received_via(common::v1::CHANNEL_VOICE_CALL);
  *dispute.mutable_dispute()->mutable_receive_time() = ToTimestamp(absl::Now());
  dispute.mutable_dispute()->set_registered_by("contact-process-test");
  ASSERT_OK(Call(&ComplianceService::Stub::RegisterDispute, dispute));

  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(night_zone, &zone));
  const absl::CivilSecond agreed_start = absl::ToCivilSecond(absl::Now() + kAgreedTimeAhead, zone);
  const absl::Time agreed_from = absl::FromCivil(agreed_start, zone);
  compliance::v1::RecordPreferenceRequest agreed;
  agreed.set_request_id("agreed-1");
  compliance::v1::Preference* preference = agreed.mutable_preference();
  preference->set_customer_id("night-owl");
  preference->set_type(compliance::v1::Preference::TYPE_AGREED_CONTACT_TIME);
  *preference->mutable_window()->mutable_start() = TimeOfDay(agreed_start);
  *preference->mutable_window()->mutable_end() = TimeOfDay(agreed_start + 3600);
  preference->set_time_zone(night_zone);
  preference->set_source("CALL");
  preference->set_recorded_by("contact-process-test");
  ASSERT_OK(Call(&ComplianceService::Stub::RecordPreference, agreed));

  // The configured template was screened and registered by the real service.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return QuerySqliteInt(contact_dir() + "/contact-channels.db",
                              "SELECT COUNT(*) FROM templates") == 1;
      },
      absl::Seconds(30)))
      << "the template was not registered; see contact.log";

  std::vector<std::string> day_requests;
  for (int i = 0; i < kDayRequests; ++i) {
    const std::string id = absl::StrCat("req-day-", i);
    day_requests.push_back(id);
    ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, "day",
                      TestSmsRequest(id, "day", created_), absl::StrCat("ce-", id)));
  }
  ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, "night-owl",
                    TestSmsRequest("req-night", "night-owl", created_), "ce-req-night"));
  ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, "disputing",
                    TestSmsRequest("req-dispute", "disputing", created_), "ce-req-dispute"));

  // Deferred to the start of the agreed time; killed while the timer waits.
  ASSERT_TRUE(WaitUntil([&] { return StateOf("req-night") == 1; }, absl::Seconds(60)))
      << "the contact at 03:00 was not deferred; state " << StateOf("req-night");
  EXPECT_EQ(QuerySqliteInt(contact_dir() + "/contact-channels.db",
                           "SELECT timer_at FROM contact_attempts WHERE request_id = 'req-night'"),
            absl::ToUnixMicros(agreed_from));
  ASSERT_LT(absl::Now(), agreed_from) << "too slow to kill before the timer fires";
  service->Kill(SIGKILL);
  EXPECT_EQ(service->Wait(), 128 + SIGKILL);
  service = StartContactChannels("contact-restarted", compliance_file());
  ASSERT_TRUE(service);

  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto sends = ProviderSends();
        return sends.count(AttemptOf("req-night")) > 0 &&
               std::all_of(day_requests.begin(), day_requests.end(),
                           [&](const std::string& id) { return sends.count(AttemptOf(id)) > 0; });
      },
      absl::Seconds(60)))
      << ProviderSends().size() << " of " << kDayRequests + 1 << " sent";
  const auto sends = ProviderSends();
  for (const auto& [key, times] : sends) EXPECT_EQ(times.size(), 1u) << key << " sent twice";
  EXPECT_EQ(sends.size(), static_cast<size_t>(kDayRequests + 1));
  EXPECT_GE(sends.at(AttemptOf("req-night"))[0], agreed_from);
  EXPECT_EQ(sends.count(AttemptOf("req-dispute")), 0u);
  ASSERT_TRUE(WaitUntil([&] { return StateOf("req-dispute") == 7; }, absl::Seconds(30)));

  ASSERT_TRUE(WaitUntil([&] { return OutboxDepth() == 0; }, absl::Seconds(30)))
      << "outbox not drained";
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(), 0);
  const std::map<std::string, v1::ContactEvent> events = ContactEventsById();
  auto outcomes = OutcomesByRequest(events);
  auto count = [&](const std::string& id, v1::ContactOutcome outcome) {
    return std::count(outcomes[id].begin(), outcomes[id].end(), outcome);
  };
  for (const std::string& id : day_requests) {
    EXPECT_EQ(count(id, v1::CONTACT_OUTCOME_SENT), 1) << id;
  }
  EXPECT_EQ(count("req-night", v1::CONTACT_OUTCOME_SENT), 1);
  EXPECT_GE(count("req-night", v1::CONTACT_OUTCOME_DEFERRED), 1);
  EXPECT_THAT(outcomes["req-dispute"], ::testing::ElementsAre(v1::CONTACT_OUTCOME_BLOCKED));
  for (const auto& [id, event] : events) {
    if (event.outcome() == v1::CONTACT_OUTCOME_BLOCKED) {
      EXPECT_THAT(event.compliance_decision().reason_codes(),
                  ::testing::Contains("DISPUTE_PENDING"));
    }
    if (event.outcome() == v1::CONTACT_OUTCOME_DEFERRED) {
      EXPECT_EQ(FromTimestamp(event.compliance_decision().defer_until()), agreed_from);
    }
    if (event.outcome() == v1::CONTACT_OUTCOME_SENT) {
      EXPECT_FALSE(event.compliance_decision().decision_id().empty());
    }
  }
}

}  // namespace
}  // namespace arrears::contact
