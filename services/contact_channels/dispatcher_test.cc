#include "services/contact_channels/dispatcher.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/fake_compliance_gate.h"
#include "services/contact_channels/simulated_provider.h"

namespace arrears::contact {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kCustomer[] = "cust-1";

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Build({}); }

  // (Re)builds providers and dispatcher; the store, directory, templates
  // and gate persist, as they would across a service restart.
  void Build(SimulatedProvider::Options sms_options, RetryPolicy::Options retry = {},
             int rate_per_second = 1000, int burst = 100) {
    directory_.Put(kCustomer, "张三丰",
                   {MakePoint("phone-1", common::v1::CONTACT_POINT_TYPE_PHONE, "13812341234"),
                    MakePoint("addr-1", common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS,
                              "北京市朝阳区建国路88号")});
    if (registry_ == nullptr) {
      registry_ = *TemplateRegistry::Create(&screener_, &clock_);
      v1::Template t;
      t.set_template_id("sms-d1");
      t.set_language("zh-CN");
      t.set_channel(common::v1::CHANNEL_SMS);
      t.set_body("{{surname}}您好，您的账户应还{{amount_due}}，到期日{{due_date}}。");
      ASSERT_OK(registry_->Register(t));
    }
    sms_options.name = "sms-sim";
    sms_ = *SimulatedProvider::Create(&clock_, sms_options);
    visits_ = *SimulatedProvider::Create(&clock_, {.name = "field-sim"});
    limiter_ = std::make_unique<TokenBucket>(&clock_, rate_per_second, burst);
    breaker_ = std::make_unique<CircuitBreaker>(
        &clock_, CircuitBreaker::Options{.failure_threshold = 5, .cool_down = absl::Seconds(10)});
    Dispatcher::Dependencies deps;
    deps.gate = &gate_;
    deps.store = &store_;
    deps.directory = &directory_;
    deps.templates = registry_.get();
    deps.lanes[common::v1::CHANNEL_SMS] = {sms_.get(), limiter_.get(), breaker_.get()};
    deps.lanes[common::v1::CHANNEL_FIELD_VISIT] = {visits_.get(), nullptr, nullptr};
    ASSERT_OK_AND_ASSIGN(dispatcher_,
                         Dispatcher::Create(std::move(deps), {.retry = retry, .retry_seed = 9}));
  }

  static common::v1::ContactPoint MakePoint(std::string id, common::v1::ContactPointType type,
                                            std::string value) {
    common::v1::ContactPoint point;
    point.set_contact_point_id(std::move(id));
    point.set_type(type);
    point.set_value(std::move(value));
    return point;
  }

  strategy::v1::ContactRequest SmsRequest(std::string request_id, std::string loan_id = "loan-1") {
    strategy::v1::ContactRequest request;
    request.set_request_id(std::move(request_id));
    request.set_customer_id(kCustomer);
    *request.mutable_create_time() = ToTimestamp(clock_.Now());
    strategy::v1::ContactInstruction* contact = request.mutable_contact();
    contact->add_loan_ids(std::move(loan_id));
    contact->set_channel(common::v1::CHANNEL_SMS);
    contact->set_contact_point_id("phone-1");
    contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
    contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
    contact->set_template_id("sms-d1");
    contact->set_language("zh-CN");
    (*contact->mutable_template_parameters())["amount_due"] = "1234.56 CNY";
    (*contact->mutable_template_parameters())["due_date"] = "2026-01-05";
    return request;
  }

  strategy::v1::ContactRequest CancelRequest(std::string request_id,
                                             strategy::v1::CancelPendingContacts::Reason reason) {
    strategy::v1::ContactRequest request;
    request.set_request_id(std::move(request_id));
    request.set_customer_id(kCustomer);
    request.mutable_cancel_pending()->set_reason(reason);
    return request;
  }

  // Applies effects the way the service would: collect events, persist timers.
  void Apply(const DispatchEffects& effects) {
    for (const v1::ContactEvent& event : effects.events) events_.push_back(event);
    for (const TimerRequest& timer : effects.timers) timers_[timer.request_id] = timer.fire_at;
    for (const std::string& id : effects.cancelled_timers) timers_.erase(id);
  }

  void Handle(const strategy::v1::ContactRequest& request) {
    ASSERT_OK_AND_ASSIGN(DispatchEffects effects, dispatcher_->Handle(request, clock_.Now()));
    Apply(effects);
  }

  // Fires due timers in time order, moving the clock, until none is left or
  // `limit` firings happened. Returns the number fired.
  int RunTimers(int limit = 1'000'000) {
    int fired = 0;
    while (!timers_.empty() && fired < limit) {
      auto next = timers_.begin();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second < next->second) next = it;
      }
      const std::string id = next->first;
      if (next->second > clock_.Now()) clock_.Set(next->second);
      timers_.erase(next);
      absl::StatusOr<DispatchEffects> effects = dispatcher_->OnTimer(id, clock_.Now());
      EXPECT_TRUE(effects.ok()) << effects.status();
      if (effects.ok()) Apply(*effects);
      ++fired;
    }
    return fired;
  }

  std::vector<v1::ContactOutcome> OutcomesOf(const std::string& request_id) const {
    std::vector<v1::ContactOutcome> outcomes;
    for (const v1::ContactEvent& event : events_) {
      if (event.request_id() == request_id) outcomes.push_back(event.outcome());
    }
    return outcomes;
  }

  ContactRecord RecordOf(const std::string& request_id) {
    absl::StatusOr<std::optional<ContactRecord>> record = store_.Get(request_id);
    EXPECT_TRUE(record.ok() && record->has_value());
    return record.ok() && record->has_value() ? **record : ContactRecord{};
  }

  FakeClock clock_;
  FakeComplianceGate gate_;
  InMemoryContactStore store_;
  InMemoryContactDirectory directory_;
  FakeTemplateScreener screener_;
  std::unique_ptr<TemplateRegistry> registry_;
  std::unique_ptr<SimulatedProvider> sms_;
  std::unique_ptr<SimulatedProvider> visits_;
  std::unique_ptr<TokenBucket> limiter_;
  std::unique_ptr<CircuitBreaker> breaker_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<v1::ContactEvent> events_;
  std::map<std::string, absl::Time> timers_;
};

TEST_F(DispatcherTest, AllowedContactIsSentOnceWithMaskedEvents) {
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_THAT(timers_, IsEmpty());
  EXPECT_EQ(sms_->unique_sends(), 1);
  EXPECT_EQ(sms_->calls(), 1);
  const v1::ContactEvent& sent = events_[0];
  EXPECT_EQ(sent.provider(), "sms-sim");
  EXPECT_EQ(sent.customer_id(), kCustomer);
  EXPECT_THAT(sent.loan_ids(), ElementsAre("loan-1"));
  EXPECT_EQ(sent.contact_point().contact_point_id(), "phone-1");
  EXPECT_EQ(sent.contact_point().masked_value(), "138****1234");
  EXPECT_TRUE(sent.contact_point().value().empty());
  EXPECT_FALSE(sent.compliance_decision().decision_id().empty());
  EXPECT_EQ(sent.attempt_id(), events_[1].attempt_id());
  // The gate saw the rendered, masked text.
  ASSERT_EQ(gate_.checks().size(), 1u);
  EXPECT_EQ(gate_.checks()[0].message_text,
            "张**您好，您的账户应还1,234.56元，到期日2026年1月5日。");
  EXPECT_EQ(gate_.checks()[0].check_id, sent.attempt_id() + "/check-1");
}

TEST_F(DispatcherTest, DuplicateRequestIdIsNotSentAgain) {
  Handle(SmsRequest("req-1"));
  ASSERT_OK_AND_ASSIGN(DispatchEffects again,
                       dispatcher_->Handle(SmsRequest("req-1"), clock_.Now()));
  EXPECT_TRUE(again.duplicate);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_THAT(again.timers, IsEmpty());
  EXPECT_EQ(sms_->calls(), 1);
  EXPECT_EQ(gate_.checks().size(), 1u);
}

TEST_F(DispatcherTest, DeferredContactIsSentWhenItsTimerFiresEvenAfterRestart) {
  const absl::Time allowed_from = clock_.Now() + absl::Hours(9);
  gate_.SetRule([&](const ContactAttemptPlan& plan) -> absl::StatusOr<GateDecision> {
    if (plan.proposed_time < allowed_from) {
      return GateDecision::Defer("d-" + plan.check_id, allowed_from, {"QUIET_HOURS"});
    }
    return GateDecision::Allow("a-" + plan.check_id);
  });
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_DEFERRED));
  EXPECT_EQ(FromTimestamp(events_[0].compliance_decision().defer_until()), allowed_from);
  EXPECT_THAT(events_[0].compliance_decision().reason_codes(), ElementsAre("QUIET_HOURS"));
  ASSERT_EQ(timers_.count("req-1"), 1u);
  EXPECT_EQ(timers_["req-1"], allowed_from);
  EXPECT_EQ(sms_->calls(), 0);

  // Fired early: keeps waiting, nothing sent.
  ASSERT_OK_AND_ASSIGN(DispatchEffects early,
                       dispatcher_->OnTimer("req-1", allowed_from - absl::Minutes(1)));
  EXPECT_THAT(early.events, IsEmpty());
  ASSERT_EQ(early.timers.size(), 1u);
  EXPECT_EQ(early.timers[0].fire_at, allowed_from);

  // A restart: new providers and dispatcher over the same store and timers.
  Build({});
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_EQ(clock_.Now(), allowed_from);
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_DEFERRED, v1::CONTACT_OUTCOME_SENT,
                          v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_EQ(sms_->unique_sends(), 1);
  // The re-check used a new check id.
  ASSERT_EQ(gate_.checks().size(), 2u);
  EXPECT_NE(gate_.checks()[0].check_id, gate_.checks()[1].check_id);
}

TEST_F(DispatcherTest, DeniedContactIsBlockedAndNeverSent) {
  gate_.SetRule([](const ContactAttemptPlan& plan) -> absl::StatusOr<GateDecision> {
    return GateDecision::Deny("deny-1", {"DISPUTE_PENDING", "FREQUENCY_CAP"});
  });
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_BLOCKED));
  EXPECT_EQ(events_[0].compliance_decision().decision_id(), "deny-1");
  EXPECT_THAT(events_[0].compliance_decision().reason_codes(),
              ElementsAre("DISPUTE_PENDING", "FREQUENCY_CAP"));
  EXPECT_THAT(timers_, IsEmpty());
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kBlocked);
  // A stray timer does nothing.
  ASSERT_OK_AND_ASSIGN(DispatchEffects stray,
                       dispatcher_->OnTimer("req-1", clock_.Now() + absl::Hours(1)));
  EXPECT_THAT(stray.events, IsEmpty());
  EXPECT_EQ(sms_->calls(), 0);
}

TEST_F(DispatcherTest, UnreachableGateMakesTheContactWaitNeverSendUnchecked) {
  gate_.SetRule([](const ContactAttemptPlan&) -> absl::StatusOr<GateDecision> {
    return absl::UnavailableError("compliance: connection refused");
  });
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(events_, IsEmpty());
  ASSERT_EQ(timers_.count("req-1"), 1u);
  EXPECT_EQ(RunTimers(/*limit=*/20), 20);
  EXPECT_EQ(sms_->calls(), 0);
  EXPECT_THAT(events_, IsEmpty());
  EXPECT_EQ(gate_.checks().size(), 21u);

  gate_.SetRule(nullptr);  // compliance is back
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_EQ(sms_->unique_sends(), 1);
}

TEST_F(DispatcherTest, FlakyProviderDeliversEveryRequestExactlyOnceWithinBudget) {
  constexpr int kRequests = 1000;
  const RetryPolicy::Options retry{.max_attempts = 20,
                                   .initial_backoff = absl::Seconds(1),
                                   .max_backoff = absl::Minutes(1),
                                   .multiplier = 2};
  Build({.failure_rate = 0.5, .seed = 2026}, retry, /*rate_per_second=*/50, /*burst=*/10);
  for (int i = 0; i < kRequests; ++i) Handle(SmsRequest(absl::StrCat("req-", i)));
  RunTimers();
  EXPECT_THAT(timers_, IsEmpty());

  int delivered = 0;
  int max_failed_tries = 0;
  absl::flat_hash_map<std::string, int> delivered_per_request;
  for (const v1::ContactEvent& event : events_) {
    EXPECT_NE(event.outcome(), v1::CONTACT_OUTCOME_FAILED) << event.request_id();
    if (event.outcome() == v1::CONTACT_OUTCOME_DELIVERED) {
      ++delivered;
      ++delivered_per_request[event.request_id()];
    }
  }
  EXPECT_EQ(delivered, kRequests);
  for (int i = 0; i < kRequests; ++i) {
    const std::string id = absl::StrCat("req-", i);
    EXPECT_EQ(delivered_per_request[id], 1) << id;
    const ContactRecord record = RecordOf(id);
    EXPECT_EQ(record.state, ContactState::kDelivered) << id;
    EXPECT_EQ(sms_->accepted(record.attempt_id), 1) << id;
    EXPECT_LT(record.failed_tries, retry.max_attempts) << id;
    max_failed_tries = std::max(max_failed_tries, record.failed_tries);
  }
  EXPECT_EQ(sms_->unique_sends(), kRequests);
  EXPECT_GT(sms_->calls(), kRequests + kRequests / 2);  // the provider did fail
  EXPECT_GT(max_failed_tries, 2);
}

TEST_F(DispatcherTest, RateLimitSpacesSends) {
  Build({}, {}, /*rate_per_second=*/10, /*burst=*/2);
  const absl::Time start = clock_.Now();
  for (int i = 0; i < 5; ++i) Handle(SmsRequest(absl::StrCat("req-", i)));
  EXPECT_EQ(sms_->calls(), 2);
  RunTimers();
  EXPECT_EQ(sms_->unique_sends(), 5);
  EXPECT_EQ(clock_.Now(), start + absl::Milliseconds(300));
}

TEST_F(DispatcherTest, CureCancelsEveryContactNotYetSent) {
  // req-sent goes out now; the rest wait: deferred (quiet hours), not before
  // its earliest time, and one on a loan the cure does not cover, one kept
  // as a service notice.
  Handle(SmsRequest("req-sent"));
  const absl::Time morning = clock_.Now() + absl::Hours(8);
  gate_.SetRule([&](const ContactAttemptPlan& plan) -> absl::StatusOr<GateDecision> {
    if (plan.proposed_time < morning) return GateDecision::Defer("d", morning, {"QUIET_HOURS"});
    return GateDecision::Allow("a");
  });
  Handle(SmsRequest("req-deferred"));
  strategy::v1::ContactRequest later = SmsRequest("req-later");
  *later.mutable_contact()->mutable_earliest_time() = ToTimestamp(clock_.Now() + absl::Hours(2));
  Handle(later);
  Handle(SmsRequest("req-other-loan", "loan-2"));
  strategy::v1::ContactRequest notice = SmsRequest("req-notice");
  notice.mutable_contact()->set_purpose(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  Handle(notice);
  ASSERT_EQ(timers_.size(), 4u);

  strategy::v1::ContactRequest cure =
      CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED);
  cure.mutable_cancel_pending()->add_loan_ids("loan-1");
  cure.mutable_cancel_pending()->add_keep_purposes(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  ASSERT_OK_AND_ASSIGN(DispatchEffects cancelled, dispatcher_->Handle(cure, clock_.Now()));
  std::vector<std::string> cancelled_ids;
  for (const v1::ContactEvent& event : cancelled.events) {
    EXPECT_EQ(event.outcome(), v1::CONTACT_OUTCOME_CANCELLED);
    EXPECT_EQ(event.outcome_reason(), "CURED");
    cancelled_ids.push_back(event.request_id());
  }
  std::sort(cancelled_ids.begin(), cancelled_ids.end());
  EXPECT_THAT(cancelled_ids, ElementsAre("req-deferred", "req-later"));
  Apply(cancelled);
  EXPECT_EQ(timers_.size(), 2u);

  // Even a timer the caller failed to drop sends nothing.
  ASSERT_OK_AND_ASSIGN(DispatchEffects stale, dispatcher_->OnTimer("req-deferred", morning));
  EXPECT_THAT(stale.events, IsEmpty());
  RunTimers();
  EXPECT_EQ(OutcomesOf("req-deferred").back(), v1::CONTACT_OUTCOME_CANCELLED);
  EXPECT_EQ(OutcomesOf("req-later").back(), v1::CONTACT_OUTCOME_CANCELLED);
  EXPECT_EQ(OutcomesOf("req-other-loan").back(), v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(OutcomesOf("req-notice").back(), v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(sms_->unique_sends(), 3);  // sent, other loan, notice

  // A hold on everything now finds nothing pending.
  ASSERT_OK_AND_ASSIGN(
      DispatchEffects hold,
      dispatcher_->Handle(
          CancelRequest("hold-1", strategy::v1::CancelPendingContacts::REASON_HOLD_PLACED),
          clock_.Now()));
  EXPECT_THAT(hold.events, IsEmpty());
}

TEST_F(DispatcherTest, ExpiredRequestIsCancelled) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  *request.mutable_contact()->mutable_latest_time() = ToTimestamp(clock_.Now() - absl::Seconds(1));
  Handle(request);
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(events_[0].outcome_reason(), "EXPIRED");
  EXPECT_EQ(sms_->calls(), 0);
}

TEST_F(DispatcherTest, FieldVisitBecomesAWorkOrder) {
  strategy::v1::ContactRequest request;
  request.set_request_id("visit-req");
  request.set_customer_id(kCustomer);
  strategy::v1::ContactInstruction* contact = request.mutable_contact();
  contact->add_loan_ids("loan-1");
  contact->set_channel(common::v1::CHANNEL_FIELD_VISIT);
  contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  strategy::v1::FieldVisitOrder* visit = contact->mutable_field_visit();
  visit->set_field_visit_id("fv-1");
  visit->set_address_contact_point_id("addr-1");
  visit->add_staff_ids("staff-1");
  visit->add_staff_ids("staff-2");
  visit->set_recording_on(true);
  Handle(request);
  EXPECT_THAT(OutcomesOf("visit-req"), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  EXPECT_EQ(events_[0].field_visit_id(), "fv-1");
  EXPECT_EQ(events_[0].contact_point().masked_value(), "北京市朝阳区***");
  EXPECT_THAT(events_[0].staff_ids(), ElementsAre("staff-1", "staff-2"));
  EXPECT_EQ(visits_->unique_sends(), 1);
  ASSERT_EQ(gate_.checks().size(), 1u);
  EXPECT_EQ(gate_.checks()[0].field_staff_count, 2);
  EXPECT_TRUE(gate_.checks()[0].recording_on);
  EXPECT_EQ(RecordOf("visit-req").state, ContactState::kSent);
}

TEST_F(DispatcherTest, RetryBudgetExhaustedFailsTheAttempt) {
  Build({.failure_rate = 1.0}, {.max_attempts = 3});
  Handle(SmsRequest("req-1"));
  RunTimers();
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  EXPECT_EQ(events_[0].failure_code(), "RETRY_BUDGET_EXHAUSTED");
  EXPECT_EQ(sms_->calls(), 3);
  EXPECT_EQ(sms_->unique_sends(), 0);
}

TEST_F(DispatcherTest, OpenBreakerHoldsTriesWithoutSpendingTheBudget) {
  // Five failures open the breaker (threshold 5); the sixth try waits for
  // the cool-down instead of calling the provider.
  Build({.failure_rate = 1.0}, {.max_attempts = 50,
                                .initial_backoff = absl::Milliseconds(1),
                                .max_backoff = absl::Milliseconds(1)});
  Handle(SmsRequest("req-1"));
  const absl::Time start = clock_.Now();
  RunTimers(/*limit=*/5);
  EXPECT_EQ(sms_->calls(), 5);
  EXPECT_EQ(breaker_->state(), CircuitBreaker::State::kOpen);
  EXPECT_EQ(RecordOf("req-1").failed_tries, 5);
  ASSERT_EQ(timers_.count("req-1"), 1u);
  EXPECT_GE(timers_["req-1"], start + absl::Seconds(10));
  // After the cool-down the half-open probe goes out (and fails again).
  RunTimers(/*limit=*/1);
  EXPECT_EQ(sms_->calls(), 6);
  EXPECT_EQ(RecordOf("req-1").failed_tries, 6);
}

TEST_F(DispatcherTest, ThirdPartyNeverGetsADebtTemplate) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  request.mutable_contact()->set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  Handle(request);
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  EXPECT_EQ(events_[0].failure_code(), "TEMPLATE_NOT_THIRD_PARTY_READABLE");
  EXPECT_EQ(sms_->calls(), 0);
}

TEST_F(DispatcherTest, MalformedRequestsAreRejected) {
  strategy::v1::ContactRequest request;
  EXPECT_FALSE(dispatcher_->Handle(request, clock_.Now()).ok());
  request.set_request_id("r");
  request.set_customer_id(kCustomer);
  EXPECT_FALSE(dispatcher_->Handle(request, clock_.Now()).ok());
}

}  // namespace
}  // namespace arrears::contact
