// The four consumed topics: each event updates the history the rules read and
// lands in the audit log, personal data encrypted and masked in clear.
#include "services/compliance_auditing/service/event_applier.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/service/testing/compliance_test_env.h"
#include "services/compliance_auditing/service/testing/test_builders.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using namespace ::arrears::compliance::service::testing;  // NOLINT: test builders

constexpr absl::string_view kCustomer = "cust-1";
constexpr absl::string_view kShanghai = "Asia/Shanghai";
// Monday 2025-06-16, 10:00 in Shanghai.
const absl::Time kMorning = Local(kShanghai, 2025, 6, 16, 10);

class EventApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, ComplianceTestEnv::Create(kMorning));
    ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, ContactData(kCustomer, "CN", kShanghai),
                              "cust-ev-1"),
                IsOk());
  }

  v1::ContactDecision Check(const v1::CheckContactRequest& request) {
    absl::StatusOr<v1::ContactDecision> decision = env_->core().CheckContact(request);
    EXPECT_THAT(decision, IsOk());
    return decision.ok() ? *decision : v1::ContactDecision();
  }

  v1::AuditEntry Entry(uint64_t index, bool reveal = false) {
    absl::StatusOr<v1::AuditEntry> entry = env_->app().audit().log().GetEntry(index, reveal);
    EXPECT_THAT(entry, IsOk());
    return entry.ok() ? *entry : v1::AuditEntry();
  }

  std::unique_ptr<ComplianceTestEnv> env_;
};

TEST_F(EventApplierTest, CustomerDataIsAuditedMaskedAndEncrypted) {
  const v1::AuditEntry entry = Entry(0);
  EXPECT_EQ(entry.record().kind(), v1::AUDIT_RECORD_KIND_CUSTOMER_EVENT);
  EXPECT_EQ(entry.record().source_id(), "cust-ev-1");
  EXPECT_TRUE(entry.record().has_personal_data());
  // Raw values appear nowhere in the hashed bytes.
  EXPECT_FALSE(absl::StrContains(entry.leaf_data(), "+8613812345678"));
  EXPECT_FALSE(absl::StrContains(entry.leaf_data(), "王小明"));
  customer::v1::CustomerEvent masked;
  ASSERT_TRUE(masked.ParseFromString(entry.record().payload()));
  const customer::v1::ContactData& data = masked.contact_data_changed().contact_data();
  EXPECT_EQ(data.name().full_name(), "王**");
  EXPECT_EQ(data.phones(0).number(), "+86 138****5678");
  EXPECT_EQ(data.residence_jurisdiction(), "CN");
  // The key holder can read the original.
  customer::v1::CustomerEvent revealed;
  ASSERT_TRUE(revealed.ParseFromString(Entry(0, true).revealed_payload()));
  EXPECT_EQ(revealed.contact_data_changed().contact_data().phones(0).number(), "+8613812345678");
}

TEST_F(EventApplierTest, ResidenceSelectsThePackAndItsZone) {
  const v1::ContactDecision early =
      Check(CallRequest(kCustomer, Local(kShanghai, 2025, 6, 16, 7, 59, 59)));
  EXPECT_EQ(early.verdict(), v1::VERDICT_DEFER);
  EXPECT_TRUE(HasCode(early, "QUIET_HOURS"));
  ASSERT_EQ(early.policies_size(), 1);
  EXPECT_EQ(early.policies(0).pack_id(), "cn-default");
  EXPECT_EQ(Check(CallRequest(kCustomer, Local(kShanghai, 2025, 6, 16, 8))).verdict(),
            v1::VERDICT_ALLOW);
}

TEST_F(EventApplierTest, OneCallPerAttemptAcrossItsEvents) {
  // Two events of one attempt: rang, then a conversation.
  ASSERT_THAT(
      env_->Consume(ContactTopic(), kCustomer,
                    Call(kCustomer, "att-1", kMorning, contact::v1::CONTACT_OUTCOME_ANSWERED, true),
                    "ev-1"),
      IsOk());
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer,
                            Call(kCustomer, "att-1", kMorning + absl::Minutes(1),
                                 contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY, true, true),
                            "ev-2"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto history, env_->app().history().Load(kCustomer, {"loan-1"},
                                                                absl::InfinitePast(), kMorning));
  int calls = 0;
  history->ForEachCall(kCustomer, absl::InfinitePast(), absl::InfiniteFuture(),
                       [&](const policy::CallRecord& call) {
                         ++calls;
                         EXPECT_EQ(call.outcome, policy::CallOutcome::kConversation);
                         EXPECT_EQ(call.time, kMorning);
                       });
  EXPECT_EQ(calls, 1);
  // Both events are in the log.
  EXPECT_EQ(Entry(1).record().kind(), v1::AUDIT_RECORD_KIND_CONTACT_EVENT);
  EXPECT_EQ(Entry(2).record().source_id(), "ev-2");
  EXPECT_EQ(Entry(2).record().loan_ids(0), "loan-1");
}

TEST_F(EventApplierTest, ConnectedCallsOfTheBankAndAgenciesAddUp) {
  const char* agencies[] = {"", "ACME", "ZETA"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer,
                              Call(kCustomer, absl::StrCat("att-", i), kMorning + absl::Minutes(i),
                                   contact::v1::CONTACT_OUTCOME_ANSWERED, true, false, {"loan-1"},
                                   agencies[i]),
                              absl::StrCat("ev-", i)),
                IsOk());
  }
  v1::CheckContactRequest request = CallRequest(kCustomer, kMorning + absl::Hours(1));
  request.set_agency_id("OTHER");
  const v1::ContactDecision decision = Check(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_DEFER);
  EXPECT_TRUE(HasCode(decision, "CONNECTED_CALL_CAP"));
  // Counters reset at local midnight.
  EXPECT_EQ(FromTimestamp(decision.defer_until()), Local(kShanghai, 2025, 6, 17, 8));
}

TEST_F(EventApplierTest, ConsentsBecomeOptOutsAndAreReplacedAsAWhole) {
  customer::v1::CustomerEvent consents;
  consents.set_customer_id(std::string(kCustomer));
  customer::v1::ChannelConsent& revoked =
      *consents.mutable_consent_changed()->mutable_consents()->add_channel_consents();
  revoked.set_channel(common::v1::CHANNEL_VOICE_CALL);
  revoked.set_contact_point_id("phone-1");
  revoked.set_status(customer::v1::ChannelConsent::STATUS_REVOKED);
  revoked.set_consent_record_id("crm-77");
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, consents, "cust-ev-2"), IsOk());
  v1::ContactDecision decision = Check(CallRequest(kCustomer, kMorning));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(decision, "OPTED_OUT:crm-77"));

  consents.mutable_consent_changed()->mutable_consents()->clear_channel_consents();
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, consents, "cust-ev-3"), IsOk());
  EXPECT_EQ(Check(CallRequest(kCustomer, kMorning)).verdict(), v1::VERDICT_ALLOW);
}

TEST_F(EventApplierTest, AgreedContactTimeFromTheCrmAllowsAnEarlyCall) {
  customer::v1::CustomerEvent consents;
  consents.set_customer_id(std::string(kCustomer));
  customer::v1::AgreedContactTime& agreed =
      *consents.mutable_consent_changed()->mutable_consents()->add_agreed_contact_times();
  agreed.set_consent_record_id("crm-agreed-1");
  agreed.mutable_window()->mutable_start()->set_hours(7);
  agreed.mutable_window()->mutable_end()->set_hours(8);
  agreed.set_time_zone(std::string(kShanghai));
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, consents, "cust-ev-2"), IsOk());
  const v1::ContactDecision decision =
      Check(CallRequest(kCustomer, Local(kShanghai, 2025, 6, 16, 7, 30)));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_ALLOW);
  EXPECT_EQ(decision.consent_record_id(), "crm-agreed-1");

  // An agreed time that cannot be read is a bad event, not a silent no-op.
  agreed.mutable_window()->mutable_end()->set_hours(6);
  EXPECT_THAT(env_->Consume(CustomerTopic(), kCustomer, consents, "cust-ev-3"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("agreed_contact_times[0].window.end")));
}

TEST_F(EventApplierTest, ADisputeOnACallPausesCollectionOnThatDebt) {
  contact::v1::ContactEvent dispute =
      Call(kCustomer, "att-9", kMorning, contact::v1::CONTACT_OUTCOME_DISPUTE, true, true);
  dispute.set_outcome_reason("AMOUNT");
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer, dispute, "ev-9"), IsOk());
  const v1::ContactDecision decision = Check(CallRequest(kCustomer, kMorning + absl::Hours(1)));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(decision, "DISPUTE_PENDING"));
  // A redelivered report does not open a second dispute.
  const uint64_t size = env_->core().audit_size();
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer, dispute, "ev-9-again"), IsOk());
  EXPECT_EQ(env_->core().audit_size(), size + 1) << "only the contact event itself";
}

TEST_F(EventApplierTest, AComplaintOnACallGetsItsSlaDueTime) {
  contact::v1::ContactEvent complaint =
      Call(kCustomer, "att-5", kMorning, contact::v1::CONTACT_OUTCOME_COMPLAINT, true, true);
  complaint.set_outcome_reason("HARASSMENT");
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer, complaint, "ev-5"), IsOk());
  ASSERT_OK_AND_ASSIGN(v1::ListComplaintsResponse listed,
                       env_->core().ListComplaints(v1::ListComplaintsRequest()));
  ASSERT_EQ(listed.complaints_size(), 1);
  EXPECT_EQ(listed.complaints(0).category(), "HARASSMENT");
  EXPECT_EQ(FromTimestamp(listed.complaints(0).sla_due_time()), kMorning + absl::Hours(24 * 15));
}

TEST_F(EventApplierTest, LostContactAndThirdParties) {
  contact::v1::ContactEvent lost =
      Call(kCustomer, "att-1", kMorning, contact::v1::CONTACT_OUTCOME_LOST_CONTACT);
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer, lost, "ev-1"), IsOk());
  v1::CheckContactRequest locate = CallRequest(kCustomer, kMorning + absl::Hours(1));
  locate.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  locate.set_related_contact_id("rel-1");
  locate.set_purpose(common::v1::CONTACT_PURPOSE_LOCATE_DEBTOR);
  locate.clear_debt_ids();
  EXPECT_EQ(Check(locate).verdict(), v1::VERDICT_ALLOW);

  contact::v1::ContactEvent refused = Call(kCustomer, "att-2", kMorning + absl::Hours(2),
                                           contact::v1::CONTACT_OUTCOME_REFUSED, true);
  refused.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  refused.set_related_contact_id("rel-1");
  ASSERT_THAT(env_->Consume(ContactTopic(), kCustomer, refused, "ev-2"), IsOk());
  const v1::ContactDecision again = Check(locate);
  EXPECT_EQ(again.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(again, "THIRD_PARTY_REFUSED"));
}

TEST_F(EventApplierTest, DeceasedAndBankruptcyNoticesReachTheRules) {
  const v1::CheckContactRequest call = CallRequest(kCustomer, kMorning);
  v1::CheckContactRequest legal = call;
  legal.set_purpose(common::v1::CONTACT_PURPOSE_LEGAL_NOTICE);
  ASSERT_EQ(Check(call).verdict(), v1::VERDICT_ALLOW);  // and cached

  customer::v1::CustomerEvent bankruptcy;
  bankruptcy.set_customer_id(std::string(kCustomer));
  bankruptcy.mutable_bankruptcy_notified()->set_case_number("2025-bk-1");
  // A notice without the stage of the proceedings fails closed.
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, bankruptcy, "cust-ev-2"), IsOk());
  EXPECT_TRUE(HasCode(Check(call), "UNKNOWN_INPUT:bankruptcy_status"));
  EXPECT_EQ(Check(legal).verdict(), v1::VERDICT_ALLOW);
  bankruptcy.mutable_bankruptcy_notified()->set_status(
      customer::v1::BankruptcyNotified::STATUS_FILED);
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, bankruptcy, "cust-ev-3"), IsOk());
  v1::ContactDecision held = Check(call);
  EXPECT_EQ(held.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(held, "BANKRUPTCY_HOLD"));
  bankruptcy.mutable_bankruptcy_notified()->set_status(
      customer::v1::BankruptcyNotified::STATUS_DISMISSED);
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, bankruptcy, "cust-ev-4"), IsOk());
  EXPECT_EQ(Check(call).verdict(), v1::VERDICT_ALLOW);

  customer::v1::CustomerEvent deceased;
  deceased.set_customer_id(std::string(kCustomer));
  deceased.mutable_deceased_notified()->set_source("registry");
  ASSERT_THAT(env_->Consume(CustomerTopic(), kCustomer, deceased, "cust-ev-5"), IsOk());
  const v1::ContactDecision denied = Check(legal);  // the debtor's own number
  EXPECT_EQ(denied.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(denied, "DEBTOR_DECEASED"));
}

TEST_F(EventApplierTest, DelinquencyAndCaseEventsAreAuditedPerLoan) {
  delinquency::v1::DelinquencyEvent delinquency;
  delinquency.set_loan_id("loan-1");
  delinquency.set_customer_id(std::string(kCustomer));
  delinquency.set_kind(delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED);
  delinquency.set_loan_sequence(1);
  *delinquency.mutable_snapshot()->mutable_oldest_overdue_due_date() =
      ToProto(absl::CivilDay(2025, 6, 1));
  ASSERT_THAT(env_->Consume(DelinquencyTopic(), "loan-1", delinquency, "del-1"), IsOk());
  strategy::v1::CaseEvent case_event;
  case_event.set_case_id("case-1");
  case_event.set_customer_id(std::string(kCustomer));
  case_event.mutable_case_snapshot()->add_loans()->set_loan_id("loan-1");
  case_event.mutable_promise_recorded()->mutable_promise()->set_promise_id("prom-1");
  ASSERT_THAT(env_->Consume(CaseTopic(), kCustomer, case_event, "case-ev-1"), IsOk());

  v1::QueryAuditRequest query;
  query.set_loan_id("loan-1");
  ASSERT_OK_AND_ASSIGN(const v1::QueryAuditResponse found, env_->core().QueryAudit(query));
  ASSERT_EQ(found.entries_size(), 2);
  EXPECT_EQ(found.entries(0).record().kind(), v1::AUDIT_RECORD_KIND_DELINQUENCY_EVENT);
  EXPECT_EQ(found.entries(1).record().kind(), v1::AUDIT_RECORD_KIND_CASE_EVENT);
}

TEST_F(EventApplierTest, StructurallyBadEventsAreRejectedNamingTheFieldAndLeaveNoTrace) {
  const uint64_t size = env_->core().audit_size();
  contact::v1::ContactEvent call =
      Call(kCustomer, "att-1", kMorning, contact::v1::CONTACT_OUTCOME_ANSWERED, true);
  EXPECT_THAT(env_->Consume(ContactTopic(), "someone-else", call, "bad-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  call.clear_attempt_id();
  EXPECT_THAT(env_->Consume(ContactTopic(), kCustomer, call, "bad-2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("attempt_id")));
  call.set_attempt_id("att-1");
  call.clear_occurred_at();
  EXPECT_THAT(env_->Consume(ContactTopic(), kCustomer, call, "bad-3"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("occurred_at")));
  customer::v1::CustomerEvent empty;
  empty.set_customer_id(std::string(kCustomer));
  EXPECT_THAT(env_->Consume(CustomerTopic(), kCustomer, empty, "bad-4"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event")));
  delinquency::v1::DelinquencyEvent no_customer;
  no_customer.set_loan_id("loan-1");
  EXPECT_THAT(env_->Consume(DelinquencyTopic(), "loan-1", no_customer, "bad-5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  events::InboundEvent garbage;
  garbage.event.topic = ContactTopic();
  garbage.event.key = std::string(kCustomer);
  garbage.event.payload = "\xff\xff\xff";
  EXPECT_THAT(env_->runner()([&](store::Transaction& txn, store::OutboxWriter& outbox) {
    return env_->app().applier().Apply(garbage, txn, outbox);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload")));
  EXPECT_EQ(env_->core().audit_size(), size);
  // The log continues at the next index and verifies.
  ASSERT_THAT(
      env_->Consume(ContactTopic(), kCustomer,
                    Call(kCustomer, "att-1", kMorning, contact::v1::CONTACT_OUTCOME_ANSWERED, true),
                    "good"),
      IsOk());
  EXPECT_EQ(env_->core().audit_size(), size + 1);
  ASSERT_OK_AND_ASSIGN(const v1::VerifyLogResponse verify,
                       env_->core().VerifyLog(v1::VerifyLogRequest()));
  EXPECT_TRUE(verify.ok()) << verify.problem();
}

}  // namespace
}  // namespace arrears::compliance::service
