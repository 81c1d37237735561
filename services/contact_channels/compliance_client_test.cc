#include "services/contact_channels/compliance_client.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/fake_compliance_service.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kPatience = absl::Seconds(10);

ComplianceClient::Options ClientOptions(std::string address, std::string address_file = "",
                                        absl::Duration deadline = absl::Seconds(5)) {
  ComplianceClient::Options options;
  options.address = std::move(address);
  options.address_file = std::move(address_file);
  options.deadline = deadline;
  return options;
}

ContactAttemptPlan SmsPlan(std::string customer_id) {
  ContactAttemptPlan plan;
  plan.check_id = "attempt-1/check-1";
  plan.attempt_id = "attempt-1";
  plan.request_id = "req-1";
  plan.customer_id = std::move(customer_id);
  plan.loan_ids = {"loan-1", "loan-2"};
  plan.channel = common::v1::CHANNEL_SMS;
  plan.contact_point.set_contact_point_id("phone-1");
  plan.contact_point.set_type(common::v1::CONTACT_POINT_TYPE_PHONE);
  plan.contact_point.set_value("13812341234");
  plan.contact_point.set_masked_value("138****1234");
  plan.counterparty = common::v1::COUNTERPARTY_DEBTOR;
  plan.purpose = common::v1::CONTACT_PURPOSE_COLLECTION;
  plan.proposed_time = absl::FromUnixSeconds(1'767'225'600);
  plan.template_id = "sms-d1";
  plan.language = "zh-CN";
  plan.message_text = "张**您好";
  plan.candidate_time_zones = {"Asia/Shanghai"};
  return plan;
}

class ComplianceClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    ASSERT_OK_AND_ASSIGN(server_, FakeComplianceServer::Start(&service_));
  }

  std::unique_ptr<ComplianceClient> ClientAt(std::string address,
                                             absl::Duration deadline = absl::Seconds(5)) {
    absl::StatusOr<std::unique_ptr<ComplianceClient>> client =
        ComplianceClient::Create(ClientOptions(std::move(address), "", deadline));
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::unique_ptr<store::TempDir> dir_;
  FakeComplianceService service_;
  std::unique_ptr<FakeComplianceServer> server_;
};

TEST_F(ComplianceClientTest, MapsEveryVerdictAndSendsThePlan) {
  const absl::Time morning = absl::FromUnixSeconds(1'767'254'400);
  service_.SetRule([&](const compliance::v1::CheckContactRequest& request)
                       -> absl::StatusOr<compliance::v1::ContactDecision> {
    if (request.customer_id() == "defer") {
      return FakeComplianceService::Defer(request, morning, "QUIET_HOURS");
    }
    if (request.customer_id() == "deny") {
      return FakeComplianceService::Deny(request, "DISPUTE_PENDING");
    }
    return FakeComplianceService::Allow(request);
  });
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());

  ASSERT_OK_AND_ASSIGN(GateDecision allow, client->CheckContact(SmsPlan("allow")));
  EXPECT_EQ(allow.verdict, GateVerdict::kAllow);
  EXPECT_EQ(allow.decision_id, "decision-attempt-1/check-1");
  EXPECT_GT(allow.audit_index, 0u);

  ContactAttemptPlan deferred_plan = SmsPlan("defer");
  deferred_plan.check_id = "attempt-1/check-2";
  ASSERT_OK_AND_ASSIGN(GateDecision defer, client->CheckContact(deferred_plan));
  EXPECT_EQ(defer.verdict, GateVerdict::kDefer);
  EXPECT_EQ(defer.defer_until, morning);
  EXPECT_THAT(defer.reason_codes, ElementsAre("QUIET_HOURS"));

  ContactAttemptPlan denied_plan = SmsPlan("deny");
  denied_plan.check_id = "attempt-1/check-3";
  ASSERT_OK_AND_ASSIGN(GateDecision deny, client->CheckContact(denied_plan));
  EXPECT_EQ(deny.verdict, GateVerdict::kDeny);
  EXPECT_THAT(deny.reason_codes, ElementsAre("DISPUTE_PENDING"));

  ASSERT_EQ(service_.check_count(), 3);
  const compliance::v1::CheckContactRequest sent = service_.checks()[0];
  EXPECT_EQ(sent.check_id(), "attempt-1/check-1");
  EXPECT_EQ(sent.attempt_id(), "attempt-1");
  EXPECT_EQ(sent.request_id(), "req-1");
  EXPECT_THAT(sent.debt_ids(), ElementsAre("loan-1", "loan-2"));
  EXPECT_EQ(sent.channel(), common::v1::CHANNEL_SMS);
  EXPECT_EQ(sent.contact_point().value(), "13812341234");
  EXPECT_EQ(sent.message_text(), "张**您好");
  EXPECT_EQ(FromTimestamp(sent.proposed_time()), absl::FromUnixSeconds(1'767'225'600));
  EXPECT_EQ(sent.actor(), "contact-channels");
  EXPECT_THAT(sent.candidate_time_zones(), ElementsAre("Asia/Shanghai"));
  EXPECT_FALSE(sent.has_field_visit());
}

TEST_F(ComplianceClientTest, FieldVisitDetailsAreSent) {
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());
  ContactAttemptPlan plan = SmsPlan("c");
  plan.channel = common::v1::CHANNEL_FIELD_VISIT;
  plan.field_staff_count = 2;
  plan.recording_on = true;
  ASSERT_OK(client->CheckContact(plan));
  ASSERT_EQ(service_.check_count(), 1);
  EXPECT_EQ(service_.checks()[0].field_visit().staff_count(), 2);
  EXPECT_TRUE(service_.checks()[0].field_visit().recording_on());
}

TEST_F(ComplianceClientTest, AnUnclearDecisionIsNotAnAnswer) {
  service_.SetRule([](const compliance::v1::CheckContactRequest& request)
                       -> absl::StatusOr<compliance::v1::ContactDecision> {
    compliance::v1::ContactDecision decision = FakeComplianceService::Allow(request);
    if (request.customer_id() == "unspecified") {
      decision.set_verdict(compliance::v1::VERDICT_UNSPECIFIED);
    } else {
      decision.set_verdict(compliance::v1::VERDICT_DEFER);  // without defer_until
    }
    return decision;
  });
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());
  EXPECT_THAT(client->CheckContact(SmsPlan("unspecified")),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("not an answer")));
  ContactAttemptPlan plan = SmsPlan("defer");
  plan.check_id = "attempt-1/check-2";
  EXPECT_THAT(client->CheckContact(plan),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("defer_until")));
}

TEST_F(ComplianceClientTest, ServiceErrorsAreReturnedWithTheirCode) {
  service_.SetRule([](const compliance::v1::CheckContactRequest&)
                       -> absl::StatusOr<compliance::v1::ContactDecision> {
    return absl::ResourceExhaustedError("overloaded");
  });
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());
  EXPECT_THAT(client->CheckContact(SmsPlan("c")),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("CheckContact")));
}

TEST_F(ComplianceClientTest, EveryCallHasADeadline) {
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address(), absl::Milliseconds(100));
  service_.Block();
  EXPECT_THAT(client->CheckContact(SmsPlan("c")), StatusIs(absl::StatusCode::kDeadlineExceeded));
  v1::Template t;
  t.set_body("hello");
  EXPECT_THAT(client->Screen(t), StatusIs(absl::StatusCode::kDeadlineExceeded));
  service_.Unblock();
  EXPECT_OK(client->CheckContact(SmsPlan("c")));
}

TEST_F(ComplianceClientTest, UnreachableServiceIsUnavailable) {
  const std::string address = server_->address();
  server_->Stop();
  std::unique_ptr<ComplianceClient> client = ClientAt(address);
  EXPECT_THAT(client->CheckContact(SmsPlan("c")), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ComplianceClientTest, FollowsThePublishedAddressFile) {
  const std::string file = dir_->File("compliance.address");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ComplianceClient> client,
                       ComplianceClient::Create(ClientOptions("", file)));
  // Not published yet: no answer, naming the file.
  EXPECT_THAT(client->CheckContact(SmsPlan("c")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(file)));

  server_->Stop();
  FakeComplianceService first;
  ASSERT_OK_AND_ASSIGN(auto first_server, FakeComplianceServer::Start(&first, file));
  EXPECT_OK(client->CheckContact(SmsPlan("c")));
  EXPECT_EQ(client->current_address(), first_server->address());
  EXPECT_EQ(first.check_count(), 1);

  // The service restarts on another port: after one failed call the client
  // reads the file again.
  first_server->Stop();
  FakeComplianceService second;
  ASSERT_OK_AND_ASSIGN(auto second_server, FakeComplianceServer::Start(&second, file));
  const absl::Time deadline = absl::Now() + kPatience;
  while (!client->CheckContact(SmsPlan("c")).ok()) {
    ASSERT_LT(absl::Now(), deadline) << "the client did not follow the address file";
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(client->current_address(), second_server->address());
  EXPECT_EQ(second.check_count(), 1);
}

TEST_F(ComplianceClientTest, ScreensTemplatesAndNamesTheField) {
  service_.Ban("法院", "cn.impersonation.court.1");
  service_.Ban("jail", "en.threat.1");
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());

  v1::Template clean;
  clean.set_template_id("sms-1");
  clean.set_language("zh-CN");
  clean.set_channel(common::v1::CHANNEL_SMS);
  clean.add_purposes(common::v1::CONTACT_PURPOSE_COLLECTION);
  clean.set_body("{{surname}}您好，请按时还款。");
  ASSERT_OK_AND_ASSIGN(ScreeningResult passed, client->Screen(clean));
  EXPECT_TRUE(passed.passed);
  EXPECT_FALSE(passed.screening_id.empty());

  v1::Template threat = clean;
  threat.set_subject("Final notice");
  threat.set_body("Pay or go to jail");
  threat.set_third_party_readable(true);
  ASSERT_OK_AND_ASSIGN(ScreeningResult body, client->Screen(threat));
  EXPECT_FALSE(body.passed);
  EXPECT_EQ(body.field, "message_template.body");
  EXPECT_THAT(body.matched_rule_ids, ElementsAre("en.threat.1"));

  threat.set_subject("法院通知");
  threat.set_body("请还款");
  ASSERT_OK_AND_ASSIGN(ScreeningResult subject, client->Screen(threat));
  EXPECT_EQ(subject.field, "message_template.subject");

  const auto screenings = service_.screenings();
  ASSERT_EQ(screenings.size(), 3u);
  EXPECT_EQ(screenings[1].text(), "Final notice\nPay or go to jail");
  EXPECT_EQ(screenings[1].counterparty(), common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  EXPECT_EQ(screenings[0].counterparty(), common::v1::COUNTERPARTY_DEBTOR);
  EXPECT_EQ(screenings[0].template_id(), "sms-1");
  EXPECT_EQ(screenings[0].channel(), common::v1::CHANNEL_SMS);
}

TEST_F(ComplianceClientTest, RegistryRefusesWhatComplianceRejects) {
  service_.Ban("jail", "en.threat.1");
  std::unique_ptr<ComplianceClient> client = ClientAt(server_->address());
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto registry, TemplateRegistry::Create(client.get(), &clock));
  v1::Template t;
  t.set_template_id("sms-1");
  t.set_language("en");
  t.set_channel(common::v1::CHANNEL_SMS);
  t.set_body("Dear {{surname}}, pay or go to jail.");
  EXPECT_THAT(registry->Register(t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("message_template.body"), HasSubstr("en.threat.1"))));
  EXPECT_THAT(registry->Get("sms-1", "en"), StatusIs(absl::StatusCode::kNotFound));
  t.set_body("Dear {{surname}}, please pay.");
  ASSERT_OK_AND_ASSIGN(v1::Template stored, registry->Register(t));
  EXPECT_EQ(stored.screening_id(), "screening-2");

  // Compliance down: nothing is registered unscreened.
  server_->Stop();
  t.set_template_id("sms-2");
  EXPECT_THAT(registry->Register(t), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(registry->Get("sms-2", "en"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ComplianceClientCreateTest, NeedsExactlyOneAddressAndADeadline) {
  EXPECT_THAT(ComplianceClient::Create({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("compliance_address")));
  EXPECT_THAT(ComplianceClient::Create(ClientOptions("a:1", "/f")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ComplianceClient::Create(ClientOptions("a:1", "", absl::ZeroDuration())),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deadline")));
}

}  // namespace
}  // namespace arrears::contact
