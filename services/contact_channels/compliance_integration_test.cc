// The contact channel service with the compliance service in the loop over
// gRPC: the service's parts on a real SQLite store (ContactTestHarness) talk
// to an in-process ComplianceService server (FakeComplianceService applying
// quiet hours like the policy packs) through the production
// ComplianceClient. Time is simulated, so "the next allowed hour" arrives at
// once; the cross-process tests run the same scenarios in real time.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/compliance_client.h"
#include "services/contact_channels/contact_test_harness.h"
#include "services/contact_channels/fake_compliance_service.h"

namespace arrears::contact {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// 2026-01-01 14:00 UTC is 22:00 in Shanghai: quiet hours until 08:00 local,
// i.e. 2026-01-02 00:00 UTC.
const absl::Time kLateEvening = absl::FromUnixSeconds(1'767'225'600) + absl::Hours(14);
const absl::Time kNextMorning = absl::FromUnixSeconds(1'767'225'600) + absl::Hours(24);

std::vector<v1::ContactOutcome> Outcomes(const std::vector<v1::ContactEvent>& events,
                                         const std::string& request_id) {
  std::vector<v1::ContactOutcome> outcomes;
  for (const v1::ContactEvent& event : events) {
    if (event.request_id() == request_id) outcomes.push_back(event.outcome());
  }
  return outcomes;
}

class ComplianceIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    address_dir_ = std::make_unique<store::TempDir>(std::move(dir));
    compliance_.SetRule(FakeComplianceService::QuietHours(8, 21));
    StartCompliance();
    ComplianceClient::Options client;
    client.address_file = address_file();
    ASSERT_OK_AND_ASSIGN(client_, ComplianceClient::Create(client));
  }

  std::string address_file() const { return address_dir_->File("compliance.address"); }
  void StartCompliance() {
    ASSERT_OK_AND_ASSIGN(server_, FakeComplianceServer::Start(&compliance_, address_file()));
  }

  void StartService(const ChannelConfig* config = nullptr, Dispatcher::Options dispatch = {}) {
    ContactTestHarness::Options options;
    options.gate = client_.get();
    options.screener = client_.get();
    options.config = config;
    options.dispatch = dispatch;
    ASSERT_OK_AND_ASSIGN(harness_, ContactTestHarness::Create(options));
    harness_->clock().Set(kLateEvening);
  }

  void AddCustomer(const std::string& customer_id) {
    ASSERT_OK(
        harness_->DeliverCustomerEvent(TestContactDataEvent(customer_id, harness_->clock().Now()),
                                       absl::StrCat("customer-", customer_id)));
  }

  std::vector<v1::ContactEvent> Outbox() {
    absl::StatusOr<std::vector<v1::ContactEvent>> events = harness_->OutboxEvents();
    EXPECT_OK(events);
    return events.ok() ? *events : std::vector<v1::ContactEvent>{};
  }

  // Provider outbox lines per idempotency key (= attempt id).
  std::map<std::string, int> ProviderSends(const std::string& provider) {
    std::map<std::string, int> sends;
    for (const std::string& line : harness_->ProviderOutboxLines(provider)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded()) ++sends[j.value("idempotency_key", "")];
    }
    return sends;
  }

  std::unique_ptr<store::TempDir> address_dir_;
  FakeComplianceService compliance_;
  std::unique_ptr<FakeComplianceServer> server_;
  std::unique_ptr<ComplianceClient> client_;
  std::unique_ptr<ContactTestHarness> harness_;
};

TEST_F(ComplianceIntegrationTest, AForbiddenHourIsDeferredToTheNextAllowedTimeAndThenSent) {
  StartService();
  ASSERT_OK_AND_ASSIGN(int missing, harness_->channels().SeedTemplates());
  ASSERT_EQ(missing, 0);
  AddCustomer("cust-1");
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-1", "cust-1", kLateEvening)));
  ASSERT_OK(harness_->RunDue());

  std::vector<v1::ContactEvent> events = Outbox();
  ASSERT_THAT(Outcomes(events, "req-1"), ElementsAre(v1::CONTACT_OUTCOME_DEFERRED));
  EXPECT_EQ(FromTimestamp(events[0].compliance_decision().defer_until()), kNextMorning);
  EXPECT_THAT(events[0].compliance_decision().reason_codes(), ElementsAre("QUIET_HOURS"));
  EXPECT_THAT(ProviderSends("sms-sim"), IsEmpty());

  ASSERT_OK(harness_->RunTimers());
  EXPECT_EQ(harness_->clock().Now(), kNextMorning);
  events = Outbox();
  EXPECT_EQ(Outcomes(events, "req-1")[1], v1::CONTACT_OUTCOME_SENT);
  EXPECT_THAT(ProviderSends("sms-sim"), ElementsAre(::testing::Pair(events[0].attempt_id(), 1)));
  // Both tries were checked, each under its own check id, the second at 08:00.
  const std::vector<compliance::v1::CheckContactRequest> checks = compliance_.checks();
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_NE(checks[0].check_id(), checks[1].check_id());
  EXPECT_EQ(FromTimestamp(checks[1].proposed_time()), kNextMorning);
  EXPECT_THAT(checks[1].candidate_time_zones(), ElementsAre("Asia/Shanghai"));
}

TEST_F(ComplianceIntegrationTest, ADeniedAttemptIsNeverSent) {
  compliance_.SetRule([](const compliance::v1::CheckContactRequest& request)
                          -> absl::StatusOr<compliance::v1::ContactDecision> {
    if (request.customer_id() == "disputing") {
      return FakeComplianceService::Deny(request, "DISPUTE_PENDING");
    }
    return FakeComplianceService::Allow(request);
  });
  StartService();
  ASSERT_OK(harness_->channels().SeedTemplates());
  AddCustomer("disputing");
  AddCustomer("paying");
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-1", "disputing", kLateEvening)));
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-2", "paying", kLateEvening)));
  ASSERT_OK(harness_->RunTimers());
  harness_->clock().Advance(absl::Hours(48));
  ASSERT_OK_AND_ASSIGN(int later, harness_->RunTimers());
  EXPECT_EQ(later, 0);

  const std::vector<v1::ContactEvent> events = Outbox();
  ASSERT_THAT(Outcomes(events, "req-1"), ElementsAre(v1::CONTACT_OUTCOME_BLOCKED));
  for (const v1::ContactEvent& event : events) {
    if (event.request_id() != "req-1") continue;
    EXPECT_THAT(event.compliance_decision().reason_codes(), ElementsAre("DISPUTE_PENDING"));
    EXPECT_GT(event.compliance_decision().audit_index(), 0u);
  }
  const std::map<std::string, int> sends = ProviderSends("sms-sim");
  ASSERT_THAT(sends, SizeIs(1));  // only the other customer's
  EXPECT_EQ(Outcomes(events, "req-2")[0], v1::CONTACT_OUTCOME_SENT);
}

TEST_F(ComplianceIntegrationTest, AProviderFailingHalfTheTimeDeliversEveryRequestExactlyOnce) {
  constexpr int kRequests = 200;
  compliance_.SetRule(nullptr);  // allow everything
  ASSERT_OK_AND_ASSIGN(ChannelConfig config, LoadChannelConfigFile(DefaultChannelConfigPath()));
  for (ProviderConfig& provider : config.providers) {
    provider.simulated.failure_rate = provider.simulated.name == "sms-sim" ? 0.5 : 0.0;
    provider.simulated.seed = 7;
    provider.rate_per_second = 10'000;
    provider.burst = 10'000;
    provider.breaker.failure_threshold = 1'000;
  }
  Dispatcher::Options dispatch;
  dispatch.retry = {.max_attempts = 20,
                    .initial_backoff = absl::Seconds(1),
                    .max_backoff = absl::Minutes(1),
                    .multiplier = 2};
  StartService(&config, dispatch);
  ASSERT_OK(harness_->channels().SeedTemplates());
  AddCustomer("cust-1");
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_OK(harness_->DeliverContactRequest(
        TestSmsRequest(absl::StrCat("req-", i), "cust-1", harness_->clock().Now())));
  }
  ASSERT_OK(harness_->RunTimers());

  const std::vector<v1::ContactEvent> events = Outbox();
  std::map<std::string, int> sent;  // request id -> SENT events
  std::map<std::string, std::string> attempt_of;
  for (const v1::ContactEvent& event : events) {
    EXPECT_NE(event.failure_code(), "RETRY_BUDGET_EXHAUSTED") << event.request_id();
    if (event.outcome() == v1::CONTACT_OUTCOME_SENT) {
      ++sent[event.request_id()];
      attempt_of[event.request_id()] = event.attempt_id();
    }
  }
  ASSERT_THAT(sent, SizeIs(kRequests));
  const std::map<std::string, int> sends = ProviderSends("sms-sim");
  EXPECT_THAT(sends, SizeIs(kRequests));
  for (const auto& [request_id, count] : sent) {
    EXPECT_EQ(count, 1) << request_id;
    EXPECT_EQ(sends.count(attempt_of[request_id]) == 1 ? sends.at(attempt_of[request_id]) : 0, 1)
        << request_id;
  }
  // The provider did fail about half the time, and every try was checked.
  SimulatedProvider* sms = harness_->channels().provider("sms-sim");
  EXPECT_GT(sms->calls(), kRequests * 3 / 2);
  EXPECT_EQ(compliance_.check_count(), sms->calls());
}

TEST_F(ComplianceIntegrationTest, ARestartLosesNoPendingTimer) {
  StartService();
  ASSERT_OK(harness_->channels().SeedTemplates());
  AddCustomer("cust-1");
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-1", "cust-1", kLateEvening)));
  ASSERT_OK(harness_->RunDue());
  ASSERT_THAT(Outcomes(Outbox(), "req-1"), ElementsAre(v1::CONTACT_OUTCOME_DEFERRED));

  ASSERT_OK(harness_->Reopen());
  ASSERT_OK_AND_ASSIGN(int tries, harness_->RunTimers());
  EXPECT_EQ(tries, 1);
  EXPECT_EQ(harness_->clock().Now(), kNextMorning);
  EXPECT_THAT(
      Outcomes(Outbox(), "req-1"),
      ElementsAre(v1::CONTACT_OUTCOME_DEFERRED, v1::CONTACT_OUTCOME_SENT,
                  ::testing::AnyOf(v1::CONTACT_OUTCOME_DELIVERED, v1::CONTACT_OUTCOME_FAILED)));
  EXPECT_THAT(ProviderSends("sms-sim"), SizeIs(1));
}

TEST_F(ComplianceIntegrationTest, WhileComplianceIsDownNothingIsScreenedOrSent) {
  ASSERT_OK_AND_ASSIGN(const ChannelConfig defaults,
                       LoadChannelConfigFile(DefaultChannelConfigPath()));
  const int default_templates = static_cast<int>(defaults.templates.size());
  server_->Stop();
  StartService();
  harness_->clock().Set(kNextMorning);
  ASSERT_OK_AND_ASSIGN(int missing, harness_->channels().SeedTemplates());
  EXPECT_EQ(missing, default_templates);
  AddCustomer("cust-1");
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-1", "cust-1", kNextMorning)));
  // The template waits for screening, then the check waits for an answer.
  ASSERT_OK_AND_ASSIGN(int tries, harness_->RunTimers(/*limit=*/5));
  EXPECT_EQ(tries, 5);
  EXPECT_TRUE(Outbox().empty());
  EXPECT_THAT(ProviderSends("sms-sim"), IsEmpty());

  // Compliance comes back on another port; the client follows its file.
  StartCompliance();
  ASSERT_OK_AND_ASSIGN(missing, harness_->channels().SeedTemplates());
  EXPECT_EQ(missing, 0);
  ASSERT_OK(harness_->RunTimers());
  EXPECT_EQ(Outcomes(Outbox(), "req-1")[0], v1::CONTACT_OUTCOME_SENT);
  EXPECT_THAT(ProviderSends("sms-sim"), SizeIs(1));
  EXPECT_EQ(compliance_.screenings().size(), static_cast<size_t>(default_templates));
}

}  // namespace
}  // namespace arrears::contact
