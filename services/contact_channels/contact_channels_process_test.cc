// The contact_channels binary across processes, in real time: the devbroker
// process, the service process, and a ComplianceService answering over gRPC
// from this test process (FakeComplianceService; the address travels in the
// file the service reads with --compliance_address_file). Requests go in
// through the broker; what the service would send is read from its
// simulated provider's outbox file, its events from the contact events
// topic, its state from its SQLite store.
//
// Scenarios: a contact at a forbidden hour is deferred to the next allowed
// time and then sent; a denied contact is never sent; a provider failing
// half the time delivers every request exactly once within its retry
// budget; the service is SIGKILLed while the deferred contact's timer is
// pending and the restarted process sends it, once.
#include <signal.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/contact_process_fixture.h"
#include "services/contact_channels/contact_test_harness.h"
#include "services/contact_channels/fake_compliance_service.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;

constexpr int kCustomers = 5;
constexpr int kRequestsPerCustomer = 10;
constexpr absl::Duration kQuietHoursLeft = absl::Seconds(4);

class ContactChannelsProcessTest : public ContactProcessFixture {
 protected:
  void SetUp() override {
    ContactProcessFixture::SetUp();
    if (HasFatalFailure()) return;
    compliance_.SetRule([this](const compliance::v1::CheckContactRequest& request)
                            -> absl::StatusOr<compliance::v1::ContactDecision> {
      if (request.customer_id() == "disputing") {
        return FakeComplianceService::Deny(request, "DISPUTE_PENDING");
      }
      if (request.customer_id() == "night-owl") {
        absl::MutexLock lock(&mu_);
        // Quiet hours end kQuietHoursLeft after the first check.
        if (quiet_until_ == absl::InfinitePast()) quiet_until_ = absl::Now() + kQuietHoursLeft;
        if (FromTimestamp(request.proposed_time()) < quiet_until_) {
          return FakeComplianceService::Defer(request, quiet_until_, "QUIET_HOURS");
        }
      }
      return FakeComplianceService::Allow(request);
    });
    ASSERT_OK_AND_ASSIGN(compliance_server_,
                         FakeComplianceServer::Start(&compliance_, compliance_file()));
  }

  std::string compliance_file() const { return dir_->File("compliance.address"); }
  absl::Time quiet_until() {
    absl::MutexLock lock(&mu_);
    return quiet_until_;
  }

  FakeComplianceService compliance_;
  std::unique_ptr<FakeComplianceServer> compliance_server_;
  absl::Mutex mu_;
  absl::Time quiet_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

TEST_F(ContactChannelsProcessTest, DefersDeniesRetriesAndSurvivesAKill) {
  std::unique_ptr<Subprocess> service = StartContactChannels("contact", compliance_file());
  ASSERT_TRUE(service);

  std::vector<std::string> customers = {"night-owl", "disputing"};
  for (int c = 0; c < kCustomers; ++c) customers.push_back(absl::StrCat("cust-", c));
  for (const std::string& customer : customers) {
    ASSERT_OK(Publish(topics::v1::TOPIC_CUSTOMER_EVENTS, customer,
                      TestContactDataEvent(customer, absl::Now()),
                      absl::StrCat("customer-", customer)));
  }
  std::vector<std::string> normal;
  for (int c = 0; c < kCustomers; ++c) {
    for (int i = 0; i < kRequestsPerCustomer; ++i) {
      const std::string customer = absl::StrCat("cust-", c);
      const std::string id = absl::StrCat("req-", c, "-", i);
      normal.push_back(id);
      ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, customer,
                        TestSmsRequest(id, customer, created_), absl::StrCat("ce-", id)));
    }
  }
  ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, "night-owl",
                    TestSmsRequest("req-night", "night-owl", created_), "ce-req-night"));
  ASSERT_OK(Publish(topics::v1::TOPIC_CONTACT_REQUESTS, "disputing",
                    TestSmsRequest("req-dispute", "disputing", created_), "ce-req-dispute"));

  // The night owl's contact is deferred; kill the service with its timer
  // pending, before quiet hours end.
  ASSERT_TRUE(WaitUntil([&] { return StateOf("req-night") == 1; }, absl::Seconds(60)))
      << "the contact at a forbidden hour was not deferred; state " << StateOf("req-night");
  ASSERT_LT(absl::Now(), quiet_until()) << "too slow to kill before the timer fires";
  service->Kill(SIGKILL);
  EXPECT_EQ(service->Wait(), 128 + SIGKILL);
  EXPECT_EQ(ProviderSends().count(AttemptOf("req-night")), 0u);
  service = StartContactChannels("contact-restarted", compliance_file());
  ASSERT_TRUE(service);

  // Every normal request delivered despite the flaky provider, the deferred
  // one once quiet hours ended, the denied one never.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto sends = ProviderSends();
        if (!sends.count(AttemptOf("req-night"))) return false;
        return std::all_of(normal.begin(), normal.end(),
                           [&](const std::string& id) { return sends.count(AttemptOf(id)) > 0; });
      },
      absl::Seconds(60)))
      << ProviderSends().size() << " of " << normal.size() + 1 << " sent";
  const auto sends = ProviderSends();
  for (const auto& [key, times] : sends) EXPECT_EQ(times.size(), 1u) << key << " sent twice";
  EXPECT_EQ(sends.size(), normal.size() + 1);
  EXPECT_GE(sends.at(AttemptOf("req-night"))[0], quiet_until());
  EXPECT_EQ(sends.count(AttemptOf("req-dispute")), 0u);
  EXPECT_EQ(StateOf("req-dispute"), 7);  // blocked
  // Half the provider's calls failed; every call was checked first.
  EXPECT_GT(compliance_.check_count(), static_cast<int64_t>(normal.size() * 3 / 2));

  // The events: exactly one SENT per delivered request, BLOCKED for the
  // denied one.
  ASSERT_TRUE(WaitUntil([&] { return OutboxDepth() == 0; }, absl::Seconds(30)))
      << "outbox not drained";
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(), 0);
  auto outcomes = OutcomesByRequest(ContactEventsById());
  auto count = [&](const std::string& id, v1::ContactOutcome outcome) {
    return std::count(outcomes[id].begin(), outcomes[id].end(), outcome);
  };
  for (const std::string& id : normal) EXPECT_EQ(count(id, v1::CONTACT_OUTCOME_SENT), 1) << id;
  EXPECT_EQ(count("req-night", v1::CONTACT_OUTCOME_SENT), 1);
  EXPECT_GE(count("req-night", v1::CONTACT_OUTCOME_DEFERRED), 1);
  EXPECT_THAT(outcomes["req-dispute"], ::testing::ElementsAre(v1::CONTACT_OUTCOME_BLOCKED));
}

}  // namespace
}  // namespace arrears::contact
