#include "services/contact_channels/dispatcher.h"

#include <cstdio>
#include <fstream>
#include <functional>
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
#include "nlohmann/json.hpp"
#include "services/contact_channels/dispatch_worker.h"
#include "services/contact_channels/fake_compliance_gate.h"
#include "services/contact_channels/simulated_provider.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kCustomer[] = "cust-1";

// Transactions that can be made to fail, as a crash would leave them: the
// `fail_at`-th Run from now on (1 = the next) fails and leaves nothing.
class CrashingTransactions final : public ContactTransactions {
 public:
  explicit CrashingTransactions(InMemoryContactTransactions* inner) : inner_(inner) {}
  absl::Status Run(Body body) override {
    if (fail_at_ > 0 && --fail_at_ == 0) return absl::InternalError("crashed before commit");
    return inner_->Run(body);
  }
  void FailRun(int n) { fail_at_ = n; }

 private:
  InMemoryContactTransactions* inner_;
  int fail_at_ = 0;
};

// A provider whose Send() first runs a hook (to act while a try is in
// flight) and can pretend to crash before it reaches the carrier.
class HookedProvider final : public ChannelProvider {
 public:
  explicit HookedProvider(ChannelProvider* inner) : inner_(inner) {}
  std::string name() const override { return inner_->name(); }
  absl::StatusOr<ProviderReceipt> Send(const Deliverable& deliverable,
                                       absl::string_view key) override {
    if (hook_) hook_();
    if (lose_next_) {
      lose_next_ = false;
      return absl::UnavailableError("the process died before the call");
    }
    return inner_->Send(deliverable, key);
  }
  absl::StatusOr<std::optional<ProviderReceipt>> Lookup(absl::string_view key) override {
    return inner_->Lookup(key);
  }
  std::function<void()> hook_;
  bool lose_next_ = false;

 private:
  ChannelProvider* inner_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::remove(sms_outbox_.c_str());
    std::remove(agency_outbox_.c_str());
    Build({});
  }

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
    sms_options.outbox_path = sms_outbox_;
    sms_ = *SimulatedProvider::Create(&clock_, sms_options);
    hooked_sms_ = std::make_unique<HookedProvider>(sms_.get());
    visits_ = *SimulatedProvider::Create(&clock_, {.name = "field-sim"});
    agency_ = *SimulatedProvider::Create(&clock_, {.name = "agency-sim",
                                                   .failure_rate = agency_failure_rate_,
                                                   .outbox_path = agency_outbox_});
    hooked_agency_ = std::make_unique<HookedProvider>(agency_.get());
    limiter_ = std::make_unique<TokenBucket>(&clock_, rate_per_second, burst);
    breaker_ = std::make_unique<CircuitBreaker>(
        &clock_, CircuitBreaker::Options{.failure_threshold = 5, .cool_down = absl::Seconds(10)});
    Dispatcher::Dependencies deps;
    deps.gate = &gate_;
    deps.directory = &directory_;
    deps.templates = registry_.get();
    deps.clock = &clock_;
    deps.lanes[common::v1::CHANNEL_SMS] = {hooked_sms_.get(), limiter_.get(), breaker_.get()};
    deps.lanes[common::v1::CHANNEL_FIELD_VISIT] = {visits_.get(), nullptr, nullptr};
    deps.lanes[common::v1::CHANNEL_AGENCY_PLACEMENT] = {
        hooked_agency_.get(), nullptr, nullptr, false,
        AgencyBatchPolicy{.max_placements = 3, .window = absl::Hours(1)}};
    Dispatcher::Options options;
    options.retry = retry;
    options.retry_seed = 9;
    ASSERT_OK_AND_ASSIGN(dispatcher_, Dispatcher::Create(std::move(deps), options));
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

  strategy::v1::ContactRequest PlacementRequest(
      std::string request_id, std::string agency_id = "AG-1",
      strategy::v1::AgencyPlacementOrder::Action action =
          strategy::v1::AgencyPlacementOrder::ACTION_PLACE) {
    strategy::v1::ContactRequest request;
    request.set_request_id(request_id);
    request.set_customer_id(kCustomer);
    *request.mutable_create_time() = ToTimestamp(clock_.Now());
    strategy::v1::ContactInstruction* contact = request.mutable_contact();
    contact->add_loan_ids("loan-1");
    contact->set_channel(common::v1::CHANNEL_AGENCY_PLACEMENT);
    contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
    contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
    contact->set_agency_id(agency_id);
    strategy::v1::AgencyPlacementOrder* placement = contact->mutable_agency_placement();
    placement->set_action(action);
    placement->set_agency_id(agency_id);
    placement->set_placement_id("pl-" + request_id);
    (*contact->mutable_template_parameters())["total_overdue"] = "1234.56 CNY";
    (*contact->mutable_template_parameters())["documents"] = "contract,statement";
    return request;
  }

  // The lines the agency provider wrote, parsed.
  std::vector<nlohmann::json> AgencyOutbox() const {
    std::vector<nlohmann::json> lines;
    std::ifstream in(agency_outbox_);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  strategy::v1::ContactRequest CancelRequest(std::string request_id,
                                             strategy::v1::CancelPendingContacts::Reason reason) {
    strategy::v1::ContactRequest request;
    request.set_request_id(std::move(request_id));
    request.set_customer_id(kCustomer);
    *request.mutable_create_time() = ToTimestamp(clock_.Now());
    request.mutable_cancel_pending()->set_reason(reason);
    return request;
  }

  DispatchEffects Admit(const strategy::v1::ContactRequest& request) {
    DispatchEffects result;
    EXPECT_OK(txns_.Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
      absl::StatusOr<DispatchEffects> effects = dispatcher_->Admit(store, request);
      if (effects.ok()) result = *effects;
      return effects;
    }));
    return result;
  }

  // Admits the request and runs its first try, as the service does at once.
  void Handle(const strategy::v1::ContactRequest& request) {
    Admit(request);
    if (!request.has_contact()) return;
    EXPECT_OK(dispatcher_->RunDue(txns_, request.request_id()));
  }

  // Runs due requests one at a time in due order, moving the clock to the
  // next timer when none is due, until no timer is left or `limit` tries
  // ran. Returns the number of tries.
  int RunTimers(int limit = 1'000'000) {
    int fired = 0;
    while (fired < limit) {
      absl::StatusOr<DueTimers> due = txns_.store().ListDue(clock_.Now(), 1);
      EXPECT_OK(due);
      if (!due.ok()) break;
      if (due->request_ids.empty()) {
        if (due->next_due == absl::InfiniteFuture()) break;
        clock_.Set(due->next_due);
        continue;
      }
      EXPECT_OK(dispatcher_->RunDue(txns_, due->request_ids[0]));
      ++fired;
    }
    return fired;
  }

  std::vector<v1::ContactEvent> events() const { return txns_.events(); }

  std::vector<v1::ContactOutcome> OutcomesOf(const std::string& request_id) const {
    std::vector<v1::ContactOutcome> outcomes;
    for (const v1::ContactEvent& event : events()) {
      if (event.request_id() == request_id) outcomes.push_back(event.outcome());
    }
    return outcomes;
  }

  ContactRecord RecordOf(const std::string& request_id) {
    absl::StatusOr<std::optional<ContactRecord>> record = txns_.store().Get(request_id);
    EXPECT_TRUE(record.ok() && record->has_value());
    return record.ok() && record->has_value() ? **record : ContactRecord{};
  }

  bool HasTimers() {
    absl::StatusOr<DueTimers> due = txns_.store().ListDue(absl::InfiniteFuture(), 1);
    return !due.ok() || !due->request_ids.empty();
  }

  FakeClock clock_;
  FakeComplianceGate gate_;
  InMemoryContactTransactions txns_;
  InMemoryContactDirectory directory_;
  FakeTemplateScreener screener_;
  std::string sms_outbox_ = ::testing::TempDir() + "/dispatcher_test_" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                            ".jsonl";
  std::unique_ptr<TemplateRegistry> registry_;
  std::unique_ptr<SimulatedProvider> sms_;
  std::unique_ptr<HookedProvider> hooked_sms_;
  std::unique_ptr<SimulatedProvider> visits_;
  std::string agency_outbox_ = sms_outbox_ + ".agency";
  double agency_failure_rate_ = 0.0;
  std::unique_ptr<SimulatedProvider> agency_;
  std::unique_ptr<HookedProvider> hooked_agency_;
  std::unique_ptr<TokenBucket> limiter_;
  std::unique_ptr<CircuitBreaker> breaker_;
  std::unique_ptr<Dispatcher> dispatcher_;

  void TearDown() override {
    std::remove(sms_outbox_.c_str());
    std::remove(agency_outbox_.c_str());
  }
};

TEST_F(DispatcherTest, AllowedContactIsSentOnceWithMaskedEvents) {
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_FALSE(HasTimers());
  EXPECT_EQ(sms_->unique_sends(), 1);
  EXPECT_EQ(sms_->calls(), 1);
  const v1::ContactEvent sent = events()[0];
  EXPECT_EQ(sent.provider(), "sms-sim");
  EXPECT_EQ(sent.customer_id(), kCustomer);
  EXPECT_THAT(sent.loan_ids(), ElementsAre("loan-1"));
  EXPECT_EQ(sent.contact_point().contact_point_id(), "phone-1");
  EXPECT_EQ(sent.contact_point().masked_value(), "138****1234");
  EXPECT_TRUE(sent.contact_point().value().empty());
  EXPECT_FALSE(sent.compliance_decision().decision_id().empty());
  EXPECT_EQ(sent.attempt_id(), events()[1].attempt_id());
  EXPECT_FALSE(sent.event_id().empty());
  EXPECT_NE(sent.event_id(), events()[1].event_id());
  // The gate saw the rendered, masked text.
  ASSERT_EQ(gate_.checks().size(), 1u);
  EXPECT_EQ(gate_.checks()[0].message_text,
            "张**您好，您的账户应还1,234.56元，到期日2026年1月5日。");
  EXPECT_EQ(gate_.checks()[0].check_id, sent.attempt_id() + "/check-1");
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kDelivered);
}

TEST_F(DispatcherTest, AdmittingOnlyRecordsATimer) {
  const DispatchEffects effects = Admit(SmsRequest("req-1"));
  EXPECT_THAT(effects.events, IsEmpty());
  EXPECT_THAT(gate_.checks(), IsEmpty());
  EXPECT_EQ(sms_->calls(), 0);
  const ContactRecord record = RecordOf("req-1");
  EXPECT_EQ(record.state, ContactState::kWaiting);
  EXPECT_EQ(record.timer_at, clock_.Now());
}

TEST_F(DispatcherTest, DuplicateRequestIdIsNotSentAgain) {
  Handle(SmsRequest("req-1"));
  const DispatchEffects again = Admit(SmsRequest("req-1"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
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
  EXPECT_EQ(FromTimestamp(events()[0].compliance_decision().defer_until()), allowed_from);
  EXPECT_THAT(events()[0].compliance_decision().reason_codes(), ElementsAre("QUIET_HOURS"));
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kDeferred);
  EXPECT_EQ(RecordOf("req-1").timer_at, allowed_from);
  EXPECT_EQ(sms_->calls(), 0);

  // Not due yet: nothing happens, not even a check.
  clock_.Set(allowed_from - absl::Minutes(1));
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  EXPECT_EQ(events().size(), 1u);
  EXPECT_EQ(gate_.checks().size(), 1u);
  EXPECT_EQ(RecordOf("req-1").timer_at, allowed_from);

  // A restart: new providers and dispatcher over the same store.
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
  EXPECT_EQ(events()[0].compliance_decision().decision_id(), "deny-1");
  EXPECT_THAT(events()[0].compliance_decision().reason_codes(),
              ElementsAre("DISPUTE_PENDING", "FREQUENCY_CAP"));
  EXPECT_FALSE(HasTimers());
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kBlocked);
  clock_.Advance(absl::Hours(1));
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  EXPECT_EQ(events().size(), 1u);
  EXPECT_EQ(sms_->calls(), 0);
}

TEST_F(DispatcherTest, UnreachableGateMakesTheContactWaitNeverSendUnchecked) {
  gate_.SetRule([](const ContactAttemptPlan&) -> absl::StatusOr<GateDecision> {
    return absl::UnavailableError("compliance: connection refused");
  });
  Handle(SmsRequest("req-1"));
  EXPECT_THAT(events(), IsEmpty());
  EXPECT_TRUE(HasTimers());
  EXPECT_EQ(RunTimers(/*limit=*/20), 20);
  EXPECT_EQ(sms_->calls(), 0);
  EXPECT_THAT(events(), IsEmpty());
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
  EXPECT_FALSE(HasTimers());

  int delivered = 0;
  int max_failed_tries = 0;
  absl::flat_hash_map<std::string, int> delivered_per_request;
  for (const v1::ContactEvent& event : events()) {
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
    ASSERT_OK_AND_ASSIGN(std::optional<ProviderReceipt> receipt, sms_->Lookup(record.attempt_id));
    EXPECT_TRUE(receipt.has_value()) << id;
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

  strategy::v1::ContactRequest cure =
      CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED);
  cure.mutable_cancel_pending()->add_loan_ids("loan-1");
  cure.mutable_cancel_pending()->add_keep_purposes(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  const DispatchEffects cancelled = Admit(cure);
  std::vector<std::string> cancelled_ids;
  for (const v1::ContactEvent& event : cancelled.events) {
    EXPECT_EQ(event.outcome(), v1::CONTACT_OUTCOME_CANCELLED);
    EXPECT_EQ(event.outcome_reason(), "CURED");
    cancelled_ids.push_back(event.request_id());
  }
  std::sort(cancelled_ids.begin(), cancelled_ids.end());
  EXPECT_THAT(cancelled_ids, ElementsAre("req-deferred", "req-later"));
  EXPECT_EQ(RecordOf("req-deferred").state, ContactState::kCancelled);

  // Even when asked directly, a cancelled request sends nothing.
  clock_.Set(morning);
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-deferred"));
  RunTimers();
  EXPECT_EQ(OutcomesOf("req-deferred").back(), v1::CONTACT_OUTCOME_CANCELLED);
  EXPECT_EQ(OutcomesOf("req-later").back(), v1::CONTACT_OUTCOME_CANCELLED);
  EXPECT_EQ(OutcomesOf("req-other-loan").back(), v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(OutcomesOf("req-notice").back(), v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(sms_->unique_sends(), 3);  // sent, other loan, notice

  // A hold on everything now finds nothing pending.
  const DispatchEffects hold =
      Admit(CancelRequest("hold-1", strategy::v1::CancelPendingContacts::REASON_HOLD_PLACED));
  EXPECT_THAT(hold.events, IsEmpty());
}

TEST_F(DispatcherTest, RequestCreatedBeforeACureButReceivedAfterIsCancelledOnArrival) {
  strategy::v1::ContactRequest overtaken = SmsRequest("req-old");
  clock_.Advance(absl::Minutes(5));
  Admit(CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED));
  Handle(overtaken);
  EXPECT_THAT(OutcomesOf("req-old"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(events().back().outcome_reason(), "CURED");
  // A request created after the cure is made.
  Handle(SmsRequest("req-new"));
  EXPECT_THAT(OutcomesOf("req-new"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_EQ(sms_->unique_sends(), 1);
}

TEST_F(DispatcherTest, ExpiredRequestIsCancelled) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  *request.mutable_contact()->mutable_latest_time() = ToTimestamp(clock_.Now() - absl::Seconds(1));
  Handle(request);
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(events()[0].outcome_reason(), "EXPIRED");
  EXPECT_EQ(sms_->calls(), 0);
}

strategy::v1::ContactRequest VisitRequest(std::string request_id, std::string visit_id) {
  strategy::v1::ContactRequest request;
  request.set_request_id(std::move(request_id));
  request.set_customer_id(kCustomer);
  strategy::v1::ContactInstruction* contact = request.mutable_contact();
  contact->add_loan_ids("loan-1");
  contact->set_channel(common::v1::CHANNEL_FIELD_VISIT);
  contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  strategy::v1::FieldVisitOrder* visit = contact->mutable_field_visit();
  visit->set_field_visit_id(std::move(visit_id));
  visit->set_address_contact_point_id("addr-1");
  visit->add_staff_ids("staff-1");
  visit->add_staff_ids("staff-2");
  visit->set_recording_on(true);
  visit->set_time_zone("Asia/Shanghai");
  return request;
}

TEST_F(DispatcherTest, FieldVisitBecomesAnAssignedWorkOrder) {
  Admit(VisitRequest("visit-req", "fv-1"));
  ASSERT_OK_AND_ASSIGN(std::optional<v1::FieldVisit> planned, txns_.store().GetFieldVisit("fv-1"));
  ASSERT_TRUE(planned.has_value());
  EXPECT_EQ(planned->state(), v1::FieldVisit::STATE_PLANNED);
  EXPECT_EQ(planned->name(), "fieldVisits/fv-1");

  EXPECT_OK(dispatcher_->RunDue(txns_, "visit-req"));
  EXPECT_THAT(OutcomesOf("visit-req"), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  EXPECT_EQ(events()[0].field_visit_id(), "fv-1");
  EXPECT_EQ(events()[0].contact_point().masked_value(), "北京市朝阳区***");
  EXPECT_THAT(events()[0].staff_ids(), ElementsAre("staff-1", "staff-2"));
  EXPECT_EQ(visits_->unique_sends(), 1);
  ASSERT_EQ(gate_.checks().size(), 1u);
  EXPECT_EQ(gate_.checks()[0].field_staff_count, 2);
  EXPECT_TRUE(gate_.checks()[0].recording_on);
  EXPECT_THAT(gate_.checks()[0].candidate_time_zones, ElementsAre("Asia/Shanghai"));
  EXPECT_EQ(RecordOf("visit-req").state, ContactState::kSent);
  ASSERT_OK_AND_ASSIGN(std::optional<v1::FieldVisit> assigned, txns_.store().GetFieldVisit("fv-1"));
  EXPECT_EQ(assigned->state(), v1::FieldVisit::STATE_ASSIGNED);
  EXPECT_EQ(assigned->decision_id(), events()[0].compliance_decision().decision_id());
  EXPECT_EQ(assigned->address().masked_value(), "北京市朝阳区***");
  EXPECT_TRUE(assigned->address().value().empty());
}

TEST_F(DispatcherTest, ACureCancelsAnAssignedVisitNotYetStarted) {
  Handle(VisitRequest("visit-req", "fv-1"));
  ASSERT_EQ(RecordOf("visit-req").state, ContactState::kSent);
  const DispatchEffects cure =
      Admit(CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED));
  ASSERT_EQ(cure.events.size(), 1u);
  EXPECT_EQ(cure.events[0].outcome(), v1::CONTACT_OUTCOME_CANCELLED);
  EXPECT_EQ(cure.events[0].field_visit_id(), "fv-1");
  ASSERT_OK_AND_ASSIGN(std::optional<v1::FieldVisit> visit, txns_.store().GetFieldVisit("fv-1"));
  EXPECT_EQ(visit->state(), v1::FieldVisit::STATE_CANCELLED);
  EXPECT_EQ(visit->outcome_reason(), "CURED");
}

TEST_F(DispatcherTest, DeniedVisitIsCancelled) {
  gate_.SetRule([](const ContactAttemptPlan&) -> absl::StatusOr<GateDecision> {
    return GateDecision::Deny("deny", {"FIELD_STAFF_MINIMUM"});
  });
  Handle(VisitRequest("visit-req", "fv-1"));
  EXPECT_THAT(OutcomesOf("visit-req"), ElementsAre(v1::CONTACT_OUTCOME_BLOCKED));
  ASSERT_OK_AND_ASSIGN(std::optional<v1::FieldVisit> visit, txns_.store().GetFieldVisit("fv-1"));
  EXPECT_EQ(visit->state(), v1::FieldVisit::STATE_CANCELLED);
  EXPECT_EQ(visits_->calls(), 0);
}

TEST_F(DispatcherTest, RetryBudgetExhaustedFailsTheAttempt) {
  Build({.failure_rate = 1.0}, {.max_attempts = 3});
  Handle(SmsRequest("req-1"));
  RunTimers();
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  EXPECT_EQ(events()[0].failure_code(), "RETRY_BUDGET_EXHAUSTED");
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
  RunTimers(/*limit=*/4);
  EXPECT_EQ(sms_->calls(), 5);
  EXPECT_EQ(breaker_->state(), CircuitBreaker::State::kOpen);
  EXPECT_EQ(RecordOf("req-1").failed_tries, 5);
  RunTimers(/*limit=*/1);  // refused by the open breaker: waits
  EXPECT_EQ(sms_->calls(), 5);
  EXPECT_GE(RecordOf("req-1").timer_at, start + absl::Seconds(10));
  // After the cool-down the half-open probe goes out (and fails again).
  RunTimers(/*limit=*/1);
  EXPECT_EQ(sms_->calls(), 6);
  EXPECT_EQ(RecordOf("req-1").failed_tries, 6);
}

TEST_F(DispatcherTest, AContactForACustomerWithoutDataYetWaitsForIt) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  request.set_customer_id("cust-2");
  Handle(request);
  EXPECT_THAT(events(), IsEmpty());
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kWaiting);
  directory_.Put("cust-2", "李四",
                 {MakePoint("phone-1", common::v1::CONTACT_POINT_TYPE_PHONE, "13900001111")});
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
}

TEST_F(DispatcherTest, AnUnknownContactPointFailsTheAttempt) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  request.mutable_contact()->set_contact_point_id("phone-9");
  Handle(request);
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  EXPECT_EQ(events()[0].failure_code(), "CONTACT_POINT_UNKNOWN");
}

TEST_F(DispatcherTest, ThirdPartyNeverGetsADebtTemplate) {
  strategy::v1::ContactRequest request = SmsRequest("req-1");
  request.mutable_contact()->set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  Handle(request);
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  EXPECT_EQ(events()[0].failure_code(), "TEMPLATE_NOT_THIRD_PARTY_READABLE");
  EXPECT_EQ(sms_->calls(), 0);
}

TEST_F(DispatcherTest, CrashAfterTheProviderCallIsRecoveredWithoutASecondSend) {
  CrashingTransactions crashing(&txns_);
  Admit(SmsRequest("req-1"));
  // Claim, decide (intent), then the result's commit is lost.
  crashing.FailRun(3);
  EXPECT_THAT(dispatcher_->RunDue(crashing, "req-1"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kSending);
  EXPECT_EQ(sms_->unique_sends(), 1);
  EXPECT_THAT(events(), IsEmpty());

  // The restarted process (new provider over the same outbox file) finds the
  // intent when the lease runs out and asks the provider instead of sending.
  Build({});
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_EQ(sms_->calls(), 0);
  EXPECT_EQ(sms_->unique_sends(), 1);
  EXPECT_EQ(gate_.checks().size(), 1u);
}

TEST_F(DispatcherTest, CrashBeforeTheProviderCallTriesAgainWithANewCheck) {
  CrashingTransactions crashing(&txns_);
  Admit(SmsRequest("req-1"));
  hooked_sms_->lose_next_ = true;  // the process dies on its way to the carrier
  crashing.FailRun(3);
  EXPECT_FALSE(dispatcher_->RunDue(crashing, "req-1").ok());
  EXPECT_EQ(RecordOf("req-1").state, ContactState::kSending);
  EXPECT_EQ(sms_->unique_sends(), 0);

  EXPECT_EQ(RunTimers(), 2);  // recovery (not sent), then a new try
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
  EXPECT_EQ(sms_->unique_sends(), 1);
  ASSERT_EQ(gate_.checks().size(), 2u);  // never sent on a stale check
}

TEST_F(DispatcherTest, ACureWhileATryIsInFlightCancelsItIfTheTryFails) {
  Build({.failure_rate = 1.0});
  Admit(SmsRequest("req-1"));
  Admit(SmsRequest("req-2"));
  hooked_sms_->hook_ = [&] {
    hooked_sms_->hook_ = nullptr;
    Admit(CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED));
  };
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  // The failed try is not repeated: the cure stands.
  EXPECT_THAT(OutcomesOf("req-1"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_THAT(OutcomesOf("req-2"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_FALSE(HasTimers());
  EXPECT_EQ(sms_->unique_sends(), 0);
}

TEST_F(DispatcherTest, ACureTooLateForATryInFlightLetsItBeSent) {
  Admit(SmsRequest("req-1"));
  hooked_sms_->hook_ = [&] {
    hooked_sms_->hook_ = nullptr;
    Admit(CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED));
  };
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  EXPECT_THAT(OutcomesOf("req-1"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_DELIVERED));
}

TEST_F(DispatcherTest, ConcurrentRunsOfOneRequestClaimItOnce) {
  Admit(SmsRequest("req-1"));
  // A second worker asks while the first one's provider call is in flight.
  hooked_sms_->hook_ = [&] {
    hooked_sms_->hook_ = nullptr;
    EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  };
  EXPECT_OK(dispatcher_->RunDue(txns_, "req-1"));
  EXPECT_EQ(sms_->calls(), 1);
  EXPECT_EQ(gate_.checks().size(), 1u);
}

TEST_F(DispatcherTest, MalformedRequestsAreRejected) {
  strategy::v1::ContactRequest request;
  EXPECT_OK(txns_.Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
    EXPECT_THAT(dispatcher_->Admit(store, request),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("request_id")));
    request.set_request_id("r");
    request.set_customer_id(kCustomer);
    EXPECT_THAT(dispatcher_->Admit(store, request),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("action")));
    request.mutable_contact();
    EXPECT_THAT(dispatcher_->Admit(store, request),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("channel")));
    return DispatchEffects{};
  }));
  EXPECT_THAT(dispatcher_->RunDue(txns_, "unknown"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(DispatcherTest, WorkerRunsEveryDueRequest) {
  ASSERT_OK_AND_ASSIGN(auto worker, DispatchWorker::Create(dispatcher_.get(), &txns_, &clock_, {}));
  for (int i = 0; i < 5; ++i) Admit(SmsRequest(absl::StrCat("req-", i)));
  ASSERT_OK_AND_ASSIGN(int tries, worker->RunDueNow());
  EXPECT_EQ(tries, 5);
  EXPECT_EQ(sms_->unique_sends(), 5);
  ASSERT_OK_AND_ASSIGN(int none, worker->RunDueNow());
  EXPECT_EQ(none, 0);
}

TEST_F(DispatcherTest, WorkerPendingCountsDueRequestsUntilTheyAreWorked) {
  ASSERT_OK_AND_ASSIGN(auto worker, DispatchWorker::Create(dispatcher_.get(), &txns_, &clock_, {}));
  EXPECT_THAT(worker->Pending(), IsOkAndHolds(0));
  for (int i = 0; i < 3; ++i) Admit(SmsRequest(absl::StrCat("req-", i)));
  // Due later: not pending until the clock reaches it.
  strategy::v1::ContactRequest later = SmsRequest("req-later");
  *later.mutable_contact()->mutable_earliest_time() = ToTimestamp(clock_.Now() + absl::Hours(2));
  Admit(later);
  EXPECT_THAT(worker->Pending(), IsOkAndHolds(3));
  ASSERT_OK(worker->RunDueNow());
  EXPECT_THAT(worker->Pending(), IsOkAndHolds(0));
  clock_.Advance(absl::Hours(2));
  EXPECT_THAT(worker->Pending(), IsOkAndHolds(1)) << "its timer fired";
  ASSERT_OK(worker->RunDueNow());
  EXPECT_THAT(worker->Pending(), IsOkAndHolds(0));
  EXPECT_EQ(sms_->unique_sends(), 4);
}

// Agency placements (batch hand-over, dispatcher.h).

TEST_F(DispatcherTest, PlacementsOfOneAgencyAreHandedOverAsOneBatch) {
  const absl::Time start = clock_.Now();
  Handle(PlacementRequest("p-1"));
  Handle(PlacementRequest("p-2"));
  Handle(PlacementRequest("r-1", "AG-1", strategy::v1::AgencyPlacementOrder::ACTION_RECALL));
  Handle(PlacementRequest("p-3", "AG-2"));
  EXPECT_EQ(RecordOf("p-1").state, ContactState::kBatched);
  EXPECT_EQ(RecordOf("p-1").batch_id, RecordOf("p-2").batch_id);
  EXPECT_NE(RecordOf("p-1").batch_id, RecordOf("r-1").batch_id) << "recalls go apart";
  EXPECT_NE(RecordOf("p-1").batch_id, RecordOf("p-3").batch_id) << "one batch per agency";
  EXPECT_THAT(events(), IsEmpty()) << "nothing is sent before the batch closes";
  EXPECT_EQ(agency_->calls(), 0);
  EXPECT_EQ(gate_.checks().size(), 4u) << "each placement is checked on its own";

  EXPECT_EQ(RunTimers(), 3);  // the three batches close at the window's end
  EXPECT_EQ(clock_.Now(), BatchWindowAt({.window = absl::Hours(1)}, start).end);
  EXPECT_EQ(agency_->unique_sends(), 3);
  const std::string batch_id = RecordOf("p-1").batch_id;
  for (const std::string id : {"p-1", "p-2"}) {
    EXPECT_EQ(RecordOf(id).state, ContactState::kSent);
    ASSERT_THAT(OutcomesOf(id), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  }
  int in_batch = 0;
  for (const v1::ContactEvent& event : events()) {
    EXPECT_FALSE(event.batch_id().empty());
    EXPECT_EQ(event.agency_id(), event.request_id() == "p-3" ? "AG-2" : "AG-1");
    in_batch += event.batch_id() == batch_id;
  }
  EXPECT_EQ(in_batch, 2);

  // The manifest: one work order with an item per placement, masked data.
  const std::vector<nlohmann::json> lines = AgencyOutbox();
  ASSERT_EQ(lines.size(), 3u);
  const nlohmann::json* manifest = nullptr;
  for (const nlohmann::json& line : lines) {
    if (line["order_id"] == batch_id) manifest = &line;
  }
  ASSERT_NE(manifest, nullptr);
  EXPECT_EQ((*manifest)["agency_id"], "AG-1");
  ASSERT_EQ((*manifest)["items"].size(), 2u);
  const nlohmann::json& item = (*manifest)["items"][0];
  EXPECT_EQ(item["order_id"], "pl-p-1");
  EXPECT_EQ(item["customer_id"], kCustomer);
  EXPECT_EQ(item["details"]["total_overdue"], "1234.56 CNY");
  EXPECT_EQ(item["details"]["documents"], "contract,statement");
  EXPECT_EQ(item["details"]["action"], "PLACE");
  EXPECT_EQ(item["to"], "138****1234");
  EXPECT_EQ(manifest->dump().find("13812341234"), std::string::npos) << "raw phone leaked";
  EXPECT_EQ(manifest->dump().find("张三丰"), std::string::npos) << "full name leaked";
}

TEST_F(DispatcherTest, AFullBatchIsHandedOverAtOnceAndTheNextOpens) {
  const absl::Time start = clock_.Now();
  for (const std::string id : {"p-1", "p-2", "p-3", "p-4"}) Handle(PlacementRequest(id));
  const std::string first = RecordOf("p-1").batch_id;
  EXPECT_EQ(RecordOf("p-3").batch_id, first);
  EXPECT_NE(RecordOf("p-4").batch_id, first) << "max_placements is 3";
  // The full batch is due now, not at the window's end.
  EXPECT_OK(dispatcher_->RunDue(txns_, first));
  EXPECT_EQ(clock_.Now(), start);
  EXPECT_EQ(agency_->unique_sends(), 1);
  for (const std::string id : {"p-1", "p-2", "p-3"}) {
    EXPECT_THAT(OutcomesOf(id), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  }
  EXPECT_EQ(RecordOf("p-4").state, ContactState::kBatched);
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("p-4"), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  EXPECT_EQ(agency_->unique_sends(), 2);
}

TEST_F(DispatcherTest, ACrashDuringTheHandOverLosesNothingAndSendsOnce) {
  for (const std::string id : {"p-1", "p-2", "p-3"}) Handle(PlacementRequest(id));
  const std::string batch_id = RecordOf("p-1").batch_id;
  // Claim, close, the agency accepts, then the result's commit is lost.
  CrashingTransactions crashing(&txns_);
  crashing.FailRun(3);
  EXPECT_THAT(dispatcher_->RunDue(crashing, batch_id), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(RecordOf(batch_id).state, ContactState::kBatchHandingOver);
  EXPECT_EQ(agency_->unique_sends(), 1);
  EXPECT_THAT(events(), IsEmpty());

  // A placement arriving now does not join the closed batch.
  Handle(PlacementRequest("p-4"));
  EXPECT_NE(RecordOf("p-4").batch_id, batch_id);

  // Restart: new providers over the same outbox; the lease runs out and the
  // hand-over runs again with the same members and key.
  Build({});
  EXPECT_EQ(RunTimers(), 2);
  for (const std::string id : {"p-1", "p-2", "p-3", "p-4"}) {
    EXPECT_THAT(OutcomesOf(id), ElementsAre(v1::CONTACT_OUTCOME_SENT)) << id;
  }
  const std::vector<nlohmann::json> lines = AgencyOutbox();
  ASSERT_EQ(lines.size(), 2u) << "the first batch went to the agency once";
  EXPECT_EQ(lines[0]["order_id"], batch_id);
  EXPECT_EQ(lines[0]["items"].size(), 3u);
  EXPECT_EQ(RecordOf(batch_id).state, ContactState::kSent);
}

TEST_F(DispatcherTest, ACrashBeforeTheAgencyCallRetriesTheSameBatch) {
  Handle(PlacementRequest("p-1"));
  const std::string batch_id = RecordOf("p-1").batch_id;
  clock_.Advance(absl::Hours(1));
  hooked_agency_->lose_next_ = true;
  CrashingTransactions crashing(&txns_);
  crashing.FailRun(3);
  EXPECT_FALSE(dispatcher_->RunDue(crashing, batch_id).ok());
  EXPECT_EQ(agency_->unique_sends(), 0);
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("p-1"), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  EXPECT_EQ(agency_->unique_sends(), 1);
}

TEST_F(DispatcherTest, ACancelledPlacementLeavesItsOpenBatch) {
  Handle(PlacementRequest("p-1"));
  Handle(PlacementRequest("p-2"));
  strategy::v1::ContactRequest cancel =
      CancelRequest("cure-1", strategy::v1::CancelPendingContacts::REASON_CURED);
  cancel.mutable_cancel_pending()->add_request_ids("p-1");
  Admit(cancel);
  EXPECT_THAT(OutcomesOf("p-1"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_THAT(OutcomesOf("p-2"), ElementsAre(v1::CONTACT_OUTCOME_SENT));
  const std::vector<nlohmann::json> lines = AgencyOutbox();
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["items"].size(), 1u);
  EXPECT_EQ(lines[0]["items"][0]["order_id"], "pl-p-2");

  // Every placement of a batch cancelled: the batch ends without a call.
  Handle(PlacementRequest("p-5"));
  Admit(CancelRequest("cure-2", strategy::v1::CancelPendingContacts::REASON_CURED));
  EXPECT_THAT(OutcomesOf("p-5"), ElementsAre(v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(RunTimers(), 1);
  EXPECT_EQ(RecordOf(RecordOf("p-5").batch_id).state, ContactState::kCancelled);
  EXPECT_EQ(agency_->calls(), 1);
}

TEST_F(DispatcherTest, AFailingAgencyFailsEveryPlacementOfTheBatchAfterItsRetries) {
  agency_failure_rate_ = 1.0;
  Build({}, RetryPolicy::Options{.max_attempts = 2});
  Handle(PlacementRequest("p-1"));
  Handle(PlacementRequest("p-2"));
  EXPECT_EQ(RunTimers(), 2);  // the window's end, one retry
  for (const std::string id : {"p-1", "p-2"}) {
    ASSERT_THAT(OutcomesOf(id), ElementsAre(v1::CONTACT_OUTCOME_FAILED));
  }
  EXPECT_EQ(events()[0].failure_code(), "RETRY_BUDGET_EXHAUSTED");
  EXPECT_FALSE(events()[0].batch_id().empty());
}

}  // namespace
}  // namespace arrears::contact
