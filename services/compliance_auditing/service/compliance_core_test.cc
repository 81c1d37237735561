// ComplianceCore: the API's operations on the app (SQLite, fake clock, the
// shipped packs), without gRPC.
#include "services/compliance_auditing/service/compliance_core.h"

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "arrears/compliance/v1/audit_payloads.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/audit_export.h"
#include "services/compliance_auditing/audit/sha256.h"
#include "services/compliance_auditing/service/testing/compliance_test_env.h"
#include "services/compliance_auditing/service/testing/test_builders.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using namespace ::arrears::compliance::service::testing;  // NOLINT: test builders

constexpr absl::string_view kCn = "cust-cn";
constexpr absl::string_view kUs = "cust-us";
constexpr absl::string_view kShanghai = "Asia/Shanghai";
constexpr absl::string_view kNewYork = "America/New_York";
// Monday 2025-06-16, 10:00 in Shanghai (Sunday 22:00 in New York).
const absl::Time kStart = Local(kShanghai, 2025, 6, 16, 10);

class ComplianceCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, ComplianceTestEnv::Create(kStart));
    ASSERT_THAT(env_->Consume(CustomerTopic(), kCn, ContactData(kCn, "CN", kShanghai), "c-1"),
                IsOk());
    ASSERT_THAT(env_->Consume(CustomerTopic(), kUs, ContactData(kUs, "US-NY", kNewYork), "c-2"),
                IsOk());
  }

  ComplianceCore& core() { return env_->core(); }

  v1::ContactDecision Check(const v1::CheckContactRequest& request) {
    absl::StatusOr<v1::ContactDecision> decision = core().CheckContact(request);
    EXPECT_THAT(decision, IsOk());
    return decision.ok() ? *decision : v1::ContactDecision();
  }

  v1::Preference Record(v1::Preference preference, std::string request_id = "") {
    v1::RecordPreferenceRequest request;
    *request.mutable_preference() = std::move(preference);
    request.set_request_id(std::move(request_id));
    absl::StatusOr<v1::Preference> recorded = core().RecordPreference(request);
    EXPECT_THAT(recorded, IsOk());
    return recorded.ok() ? *recorded : v1::Preference();
  }

  // The request record stored under `key` (empty when none).
  v1::ContactDecision StoredAnswer(absl::string_view key) {
    const RequestRecords records(&env_->db());
    v1::ContactDecision stored;
    EXPECT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(const bool found, records.Find(txn, key, stored));
      EXPECT_TRUE(found) << key;
      return absl::OkStatus();
    }),
                IsOk());
    return stored;
  }
  void PutAnswer(absl::string_view key, const v1::ContactDecision& answer) {
    const RequestRecords records(&env_->db());
    EXPECT_THAT(env_->db().InTransaction(
                    [&](store::Transaction& txn) { return records.Put(txn, key, answer); }),
                IsOk());
  }

  std::unique_ptr<ComplianceTestEnv> env_;
};

TEST_F(ComplianceCoreTest, ADecisionIsLoggedPublishedAndAnswered) {
  v1::CheckContactRequest request = CallRequest(kCn, kStart, "check-1");
  request.set_channel(common::v1::CHANNEL_SMS);
  request.set_message_text("王先生您好，您的账单已逾期，请尽快还款。回复TD退订");
  const v1::ContactDecision decision = Check(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_ALLOW);
  EXPECT_FALSE(decision.decision_id().empty());
  EXPECT_EQ(decision.check_id(), "check-1");

  // The audit entry at the answered index is this decision; personal data
  // only encrypted.
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry,
                       env_->app().audit().log().GetEntry(decision.audit_index(), true));
  EXPECT_EQ(entry.record().kind(), v1::AUDIT_RECORD_KIND_DECISION);
  EXPECT_EQ(entry.record().source_id(), decision.decision_id());
  EXPECT_FALSE(absl::StrContains(entry.leaf_data(), "+8613812345678"));
  EXPECT_FALSE(absl::StrContains(entry.leaf_data(), "王先生"));
  // Only the personal fields are sealed; revealed, they complete the clear
  // payload into the whole event.
  EXPECT_TRUE(entry.record().personal_data_completes_payload());
  v1::ComplianceDecisionEvent revealed;
  ASSERT_TRUE(revealed.ParseFromString(entry.revealed_payload()));
  EXPECT_EQ(revealed.request().message_text(), request.message_text());
  EXPECT_EQ(revealed.request().contact_point().value(), request.contact_point().value());
  EXPECT_EQ(revealed.request().contact_point().contact_point_id(),
            request.contact_point().contact_point_id());
  EXPECT_EQ(revealed.request().debt_ids_size(), request.debt_ids_size()) << "merged, not repeated";
  EXPECT_EQ(revealed.decision().decision_id(), decision.decision_id());

  // One event on the decisions topic, without personal data.
  const std::vector<events::Event> published = env_->Outbox(DecisionTopic());
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].key, kCn);
  EXPECT_EQ(published[0].envelope.id, decision.decision_id());
  v1::ComplianceDecisionEvent event;
  ASSERT_TRUE(event.ParseFromString(published[0].payload));
  EXPECT_TRUE(event.request().message_text().empty());
  EXPECT_TRUE(event.request().contact_point().value().empty());
  EXPECT_EQ(event.decision().audit_index(), decision.audit_index());
  EXPECT_EQ(event.decision().verdict(), v1::VERDICT_ALLOW);
}

TEST_F(ComplianceCoreTest, ARetryWithTheSameCheckIdReturnsTheRecordedDecision) {
  const v1::ContactDecision first = Check(CallRequest(kCn, kStart, "check-7"));
  const uint64_t size = core().audit_size();
  env_->clock().Advance(absl::Hours(13));  // the rules would now say DEFER
  const v1::ContactDecision again = Check(CallRequest(kCn, kStart + absl::Hours(13), "check-7"));
  EXPECT_EQ(again.decision_id(), first.decision_id());
  EXPECT_EQ(again.verdict(), first.verdict());
  EXPECT_EQ(again.audit_index(), first.audit_index());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString()) << "the whole decision";
  EXPECT_EQ(core().audit_size(), size);
  EXPECT_EQ(env_->Outbox(DecisionTopic()).size(), 1u);
  // What the check_id keeps is only a pointer to the audit entry.
  v1::ContactDecision stored = StoredAnswer("check:check-7");
  EXPECT_TRUE(stored.decision_id().empty());
  EXPECT_EQ(stored.audit_index(), first.audit_index());
}

TEST_F(ComplianceCoreTest, ARecordHoldingTheWholeDecisionStillAnswersARetry) {
  // As written before the records became pointers.
  v1::ContactDecision legacy;
  legacy.set_decision_id("decision-legacy");
  legacy.set_check_id("legacy-1");
  legacy.set_verdict(v1::VERDICT_DEFER);
  legacy.set_audit_index(41);
  PutAnswer("check:legacy-1", legacy);
  const uint64_t size = core().audit_size();
  const v1::ContactDecision again = Check(CallRequest(kCn, kStart, "legacy-1"));
  EXPECT_EQ(again.SerializeAsString(), legacy.SerializeAsString());
  EXPECT_EQ(core().audit_size(), size);
}

TEST_F(ComplianceCoreTest, APointerToAnEntryThatIsNoDecisionIsDataLoss) {
  Check(CallRequest(kCn, kStart, "check-1"));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry first, env_->app().audit().log().GetEntry(0));
  ASSERT_NE(first.record().kind(), v1::AUDIT_RECORD_KIND_DECISION);
  PutAnswer("check:broken", v1::ContactDecision());  // points at entry 0
  EXPECT_THAT(core().CheckContact(CallRequest(kCn, kStart, "broken")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("check:broken")));
  // The next check is unaffected.
  EXPECT_EQ(Check(CallRequest(kCn, kStart, "check-2")).verdict(), v1::VERDICT_ALLOW);
}

TEST_F(ComplianceCoreTest, TheSameCheckIdInFlightManyTimesIsDecidedOnce) {
  constexpr int kThreads = 8;
  const uint64_t size = core().audit_size();
  std::vector<std::string> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Those in the first one's commit group read its staged audit record
      // (ServiceAuditStagingTest covers that read); later ones the stored.
      absl::StatusOr<v1::ContactDecision> decision =
          core().CheckContact(CallRequest(kCn, kStart, "check-same"));
      EXPECT_THAT(decision, IsOk());
      if (decision.ok()) answers[t] = decision->SerializeAsString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(answers[t], answers[0]);
  EXPECT_EQ(core().audit_size(), size + 1);
  EXPECT_EQ(env_->Outbox(DecisionTopic()).size(), 1u);
}

TEST_F(ComplianceCoreTest, MalformedRequestsNameTheField) {
  v1::CheckContactRequest request = CallRequest(kCn, kStart);
  request.set_customer_id("bad\nid");
  EXPECT_THAT(core().CheckContact(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  request = CallRequest(kCn, kStart);
  request.set_channel(static_cast<common::v1::Channel>(99));
  EXPECT_THAT(core().CheckContact(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("channel")));
  request = CallRequest(kCn, kStart);
  request.mutable_field_visit()->set_staff_count(-1);
  EXPECT_THAT(core().CheckContact(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("field_visit.staff_count")));
  request = CallRequest(kCn, kStart);
  request.add_debt_ids(std::string(300, 'x'));
  EXPECT_THAT(core().CheckContact(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("debt_ids[1]")));
  // A missing input is no error: the decision fails closed (and is logged).
  request = CallRequest(kCn, kStart);
  request.clear_counterparty();
  const v1::ContactDecision denied = Check(request);
  EXPECT_EQ(denied.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(denied, "UNKNOWN_INPUT:counterparty"));
  EXPECT_GT(denied.audit_index(), 0u);
}

TEST_F(ComplianceCoreTest, EveryApplicablePackIsEvaluatedAndTheMostRestrictiveWins) {
  ASSERT_OK_AND_ASSIGN(auto env, ComplianceTestEnv::Create(kStart, {"CN"}));
  ASSERT_THAT(env->Consume(CustomerTopic(), kUs, ContactData(kUs, "US", kNewYork), "c-1"), IsOk());
  // 20:30 in New York: inside both windows (CN's is 08-22) but the US pack
  // wants no recording? It does not; CN wants the call recorded.
  v1::CheckContactRequest request = CallRequest(kUs, Local(kNewYork, 2025, 6, 16, 20, 30));
  request.set_call_recording_on(false);
  absl::StatusOr<v1::ContactDecision> decision = env->core().CheckContact(request);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->policies_size(), 2);
  EXPECT_EQ(decision->verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(*decision, "RECORDING_REQUIRED"));
  // 21:00 in New York: US window closed (DEFER) while CN's is open.
  request.set_call_recording_on(true);
  *request.mutable_proposed_time() = ToTimestamp(Local(kNewYork, 2025, 6, 16, 21));
  decision = env->core().CheckContact(request);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->verdict(), v1::VERDICT_DEFER);
  EXPECT_EQ(FromTimestamp(decision->defer_until()), Local(kNewYork, 2025, 6, 17, 8));
}

v1::Preference Preference(absl::string_view customer, v1::Preference::Type type) {
  v1::Preference preference;
  preference.set_customer_id(std::string(customer));
  preference.set_type(type);
  return preference;
}

TEST_F(ComplianceCoreTest, OptOutBindsUntilRevoked) {
  v1::Preference opt_out = Preference(kCn, v1::Preference::TYPE_DO_NOT_CONTACT);
  opt_out.set_channel(common::v1::CHANNEL_VOICE_CALL);
  opt_out.set_contact_point_id("phone-1");
  const v1::Preference recorded = Record(opt_out, "req-1");
  EXPECT_EQ(recorded.name(),
            absl::StrCat("customers/", kCn, "/preferences/", recorded.preference_id()));
  // Idempotent by request id.
  EXPECT_EQ(Record(opt_out, "req-1").preference_id(), recorded.preference_id());
  const v1::ContactDecision denied = Check(CallRequest(kCn, kStart + absl::Minutes(1)));
  EXPECT_EQ(denied.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(denied, absl::StrCat("OPTED_OUT:", recorded.preference_id())));

  v1::Preference revoke = Preference(kCn, v1::Preference::TYPE_DO_NOT_CONTACT);
  revoke.set_revokes_preference_id(recorded.preference_id());
  Record(revoke);
  EXPECT_EQ(Check(CallRequest(kCn, kStart + absl::Minutes(1))).verdict(), v1::VERDICT_ALLOW);

  revoke.set_revokes_preference_id("no-such-preference");
  v1::RecordPreferenceRequest bad;
  *bad.mutable_preference() = revoke;
  EXPECT_THAT(core().RecordPreference(bad),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("revokes_preference_id")));
}

TEST_F(ComplianceCoreTest, PreferencesAreValidatedAsTheRulesReadThem) {
  v1::RecordPreferenceRequest request;
  *request.mutable_preference() = Preference(kCn, v1::Preference::TYPE_AGREED_CONTACT_TIME);
  request.mutable_preference()->set_time_zone(std::string(kShanghai));
  EXPECT_THAT(core().RecordPreference(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.window")));
  *request.mutable_preference() = Preference("", v1::Preference::TYPE_DO_NOT_CONTACT);
  EXPECT_THAT(core().RecordPreference(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.customer_id")));
  *request.mutable_preference() = Preference(kCn, v1::Preference::TYPE_UNSPECIFIED);
  EXPECT_THAT(core().RecordPreference(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.type")));
  *request.mutable_preference() = Preference(kCn, v1::Preference::TYPE_PRIOR_CONSENT);
  EXPECT_THAT(core().RecordPreference(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.consent_time")));
}

TEST_F(ComplianceCoreTest, PriorConsentTakesACallOutOfSevenInSeven) {
  // 7 unanswered collection calls about loan-1 on one day in New York.
  const absl::Time day = Local(kNewYork, 2025, 6, 16, 9);
  env_->clock().Advance(day - kStart);
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(env_->Consume(ContactTopic(), kUs,
                              Call(kUs, absl::StrCat("att-", i), day + absl::Minutes(i),
                                   contact::v1::CONTACT_OUTCOME_NO_ANSWER),
                              absl::StrCat("ev-", i)),
                IsOk());
  }
  const absl::Time later = Local(kNewYork, 2025, 6, 16, 15);
  const v1::ContactDecision capped = Check(CallRequest(kUs, later));
  EXPECT_EQ(capped.verdict(), v1::VERDICT_DEFER);
  EXPECT_TRUE(HasCode(capped, "FREQUENCY_CAP"));
  // The 7-day window drops the calls at local midnight; the window opens at 8.
  EXPECT_EQ(FromTimestamp(capped.defer_until()), Local(kNewYork, 2025, 6, 23, 8));

  v1::Preference consent = Preference(kUs, v1::Preference::TYPE_PRIOR_CONSENT);
  consent.set_channel(common::v1::CHANNEL_VOICE_CALL);
  *consent.mutable_consent_time() = ToTimestamp(later);
  const v1::Preference recorded = Record(consent);
  const v1::ContactDecision allowed = Check(CallRequest(kUs, later + absl::Minutes(59)));
  EXPECT_EQ(allowed.verdict(), v1::VERDICT_ALLOW);
  EXPECT_EQ(allowed.consent_record_id(), recorded.preference_id());
  // The consent covers the hour it names, not the next.
  EXPECT_EQ(Check(CallRequest(kUs, later + absl::Minutes(60))).verdict(), v1::VERDICT_DEFER);
}

TEST_F(ComplianceCoreTest, DisputePausesCollectionUntilVerificationIsSent) {
  v1::RegisterDisputeRequest request;
  request.set_request_id("disp-req-1");
  request.mutable_dispute()->set_customer_id(std::string(kCn));
  request.mutable_dispute()->add_debt_ids("loan-1");
  request.mutable_dispute()->set_dispute_type("AMOUNT");
  ASSERT_OK_AND_ASSIGN(const v1::Dispute dispute, core().RegisterDispute(request));
  EXPECT_EQ(dispute.state(), v1::Dispute::STATE_OPEN);
  EXPECT_EQ(dispute.name(), absl::StrCat("disputes/", dispute.dispute_id()));
  ASSERT_OK_AND_ASSIGN(const v1::Dispute again, core().RegisterDispute(request));
  EXPECT_EQ(again.dispute_id(), dispute.dispute_id()) << "idempotent by request_id";

  const v1::ContactDecision paused = Check(CallRequest(kCn, kStart));
  EXPECT_EQ(paused.verdict(), v1::VERDICT_DENY);
  EXPECT_TRUE(HasCode(paused, absl::StrCat("DISPUTE_PENDING:", dispute.dispute_id())));
  v1::CheckContactRequest notice = CallRequest(kCn, kStart);
  notice.set_purpose(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  EXPECT_EQ(Check(notice).verdict(), v1::VERDICT_ALLOW) << "service notices still allowed";

  v1::ResolveDisputeRequest resolve;
  resolve.set_name(dispute.name());
  resolve.set_resolution(v1::Dispute::RESOLUTION_VERIFIED);
  EXPECT_THAT(core().ResolveDispute(resolve),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("verification_sent_time")));
  *resolve.mutable_verification_sent_time() = ToTimestamp(kStart);
  ASSERT_OK_AND_ASSIGN(const v1::Dispute resolved, core().ResolveDispute(resolve));
  EXPECT_EQ(resolved.state(), v1::Dispute::STATE_RESOLVED);
  EXPECT_GT(resolved.audit_index(), dispute.audit_index());
  EXPECT_EQ(Check(CallRequest(kCn, kStart)).verdict(), v1::VERDICT_ALLOW);
  EXPECT_THAT(core().ResolveDispute(resolve), StatusIs(absl::StatusCode::kFailedPrecondition));
  resolve.set_name("disputes/none");
  EXPECT_THAT(core().ResolveDispute(resolve), StatusIs(absl::StatusCode::kNotFound));
  resolve.set_name("complaints/x");
  EXPECT_THAT(core().ResolveDispute(resolve),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  request.mutable_dispute()->clear_debt_ids();
  EXPECT_THAT(core().RegisterDispute(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dispute.debt_ids")));
}

TEST_F(ComplianceCoreTest, ComplaintSlaIsTrackedAndOverdueComplaintsAreListed) {
  v1::RegisterComplaintRequest request;
  request.mutable_complaint()->set_customer_id(std::string(kCn));
  request.mutable_complaint()->set_category("QUIET_HOURS");
  request.mutable_complaint()->set_complainant(common::v1::COUNTERPARTY_DEBTOR);
  ASSERT_OK_AND_ASSIGN(const v1::Complaint open, core().RegisterComplaint(request));
  EXPECT_EQ(FromTimestamp(open.sla_due_time()), kStart + absl::Hours(24 * 15));
  EXPECT_FALSE(open.sla_breached());
  request.mutable_complaint()->clear_category();
  EXPECT_THAT(core().RegisterComplaint(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("complaint.category")));

  v1::ListComplaintsRequest overdue;
  overdue.set_overdue_only(true);
  env_->clock().Advance(absl::Hours(24 * 15) - absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(v1::ListComplaintsResponse listed, core().ListComplaints(overdue));
  EXPECT_EQ(listed.complaints_size(), 0);
  env_->clock().Advance(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(listed, core().ListComplaints(overdue));
  ASSERT_EQ(listed.complaints_size(), 1);
  EXPECT_TRUE(listed.complaints(0).sla_breached());
  EXPECT_THAT(core().OverdueComplaints(), arrears::testing::IsOkAndHolds(1));

  v1::ResolveComplaintRequest resolve;
  resolve.set_name(open.name());
  resolve.set_resolution("UPHELD");
  ASSERT_OK_AND_ASSIGN(const v1::Complaint resolved, core().ResolveComplaint(resolve));
  EXPECT_EQ(resolved.state(), v1::Complaint::STATE_RESOLVED);
  EXPECT_TRUE(resolved.sla_breached()) << "resolved at the due time";
  ASSERT_OK_AND_ASSIGN(listed, core().ListComplaints(overdue));
  EXPECT_EQ(listed.complaints_size(), 0);
  EXPECT_THAT(core().ResolveComplaint(resolve), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ComplianceCoreTest, ComplaintsPage) {
  for (int i = 0; i < 5; ++i) {
    v1::RegisterComplaintRequest request;
    request.set_request_id(absl::StrCat("complaint-", i));
    request.mutable_complaint()->set_customer_id(std::string(kCn));
    request.mutable_complaint()->set_category("HARASSMENT");
    ASSERT_THAT(core().RegisterComplaint(request), IsOk());
  }
  v1::ListComplaintsRequest request;
  request.set_page_size(2);
  std::set<std::string> seen;
  for (int page = 0; page < 3; ++page) {
    ASSERT_OK_AND_ASSIGN(const v1::ListComplaintsResponse response, core().ListComplaints(request));
    for (const v1::Complaint& c : response.complaints()) seen.insert(c.complaint_id());
    EXPECT_EQ(response.next_page_token().empty(), page == 2);
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(ComplianceCoreTest, ScreeningIsAuditedByHashNotText) {
  v1::ScreenMessageRequest request;
  request.set_text("Pay now or we will have you arrested.");
  request.set_channel(common::v1::CHANNEL_LETTER);
  ASSERT_OK_AND_ASSIGN(const v1::ScreenMessageResponse response, core().ScreenMessage(request));
  EXPECT_FALSE(response.passed());
  EXPECT_FALSE(response.screening_id().empty());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry,
                       env_->app().audit().log().GetEntry(response.audit_index()));
  EXPECT_EQ(entry.record().kind(), v1::AUDIT_RECORD_KIND_SCREENING);
  EXPECT_FALSE(absl::StrContains(entry.leaf_data(), "arrested. "));
  v1::ScreeningAuditPayload payload;
  ASSERT_TRUE(payload.ParseFromString(entry.record().payload()));
  EXPECT_EQ(payload.text_sha256(), audit::Sha256(request.text()).ToHex());
  EXPECT_EQ(payload.response().passed(), false);
}

TEST_F(ComplianceCoreTest, AuditApisProveAndVerify) {
  for (int i = 0; i < 5; ++i) Check(CallRequest(kCn, kStart + absl::Minutes(i)));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint first,
                       core().GetCheckpoint(v1::GetCheckpointRequest()));
  for (int i = 0; i < 3; ++i) Check(CallRequest(kUs, kStart + absl::Minutes(i)));
  v1::GetCheckpointRequest sign_now;
  sign_now.set_sign_now(true);
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint second, core().GetCheckpoint(sign_now));
  EXPECT_EQ(second.size(), first.size() + 3);
  const audit::CheckpointVerifier& verifier = env_->app().audit().log().verifier();

  v1::GetConsistencyProofRequest consistency;
  consistency.set_first_size(first.size());
  ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof proof, core().GetConsistencyProof(consistency));
  EXPECT_THAT(verifier.VerifyExtends(first, second, proof), IsOk());

  v1::GetInclusionProofRequest inclusion;
  inclusion.set_leaf_index(3);
  ASSERT_OK_AND_ASSIGN(const v1::InclusionProof path, core().GetInclusionProof(inclusion));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, core().GetAuditEntry([] {
    v1::GetAuditEntryRequest r;
    r.set_name("auditEntries/3");
    return r;
  }()));
  EXPECT_THAT(verifier.VerifyIncluded(second, entry.leaf_data(), path), IsOk());
  inclusion.set_leaf_index(second.size());
  EXPECT_THAT(core().GetInclusionProof(inclusion), StatusIs(absl::StatusCode::kInvalidArgument));

  v1::VerifyLogRequest verify;
  *verify.mutable_trusted_checkpoint() = first;
  ASSERT_OK_AND_ASSIGN(const v1::VerifyLogResponse report, core().VerifyLog(verify));
  EXPECT_TRUE(report.ok()) << report.problem();
  EXPECT_TRUE(report.checkpoint_matches());
  EXPECT_EQ(report.entries_verified(), second.size());

  // Query by customer, paged.
  v1::QueryAuditRequest query;
  query.set_customer_id(std::string(kUs));
  query.add_kinds(v1::AUDIT_RECORD_KIND_DECISION);
  query.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(v1::QueryAuditResponse page, core().QueryAudit(query));
  ASSERT_EQ(page.entries_size(), 2);
  EXPECT_FALSE(page.next_page_token().empty());
  query.set_page_token(page.next_page_token());
  ASSERT_OK_AND_ASSIGN(page, core().QueryAudit(query));
  ASSERT_EQ(page.entries_size(), 1);
  EXPECT_TRUE(page.next_page_token().empty());
  // By time range: before the first record there is nothing.
  v1::QueryAuditRequest before;
  *before.mutable_end_time() = ToTimestamp(kStart - absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(page, core().QueryAudit(before));
  EXPECT_EQ(page.entries_size(), 0);

  v1::GetAuditEntryRequest missing;
  missing.set_name("auditEntries/999");
  EXPECT_THAT(core().GetAuditEntry(missing), StatusIs(absl::StatusCode::kNotFound));
  missing.set_name("auditEntries/x");
  EXPECT_THAT(core().GetAuditEntry(missing),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

TEST_F(ComplianceCoreTest, RevealingPersonalDataNeedsPermission) {
  ASSERT_OK_AND_ASSIGN(auto env, ComplianceTestEnv::Create(kStart, {}, /*allow_reveal=*/false));
  v1::GetAuditEntryRequest request;
  request.set_name("auditEntries/0");
  request.set_reveal_personal_data(true);
  EXPECT_THAT(env->core().GetAuditEntry(request),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("reveal_personal_data")));
  v1::ExportAuditRequest export_request;
  export_request.set_reveal_personal_data(true);
  EXPECT_THAT(env->core().ExportAudit(export_request,
                                      [](const v1::ExportAuditChunk&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ComplianceCoreTest, ExportStreamsARegulatorReadyFile) {
  for (int i = 0; i < 20; ++i) Check(CallRequest(kCn, kStart + absl::Minutes(i)));
  v1::ExportAuditRequest request;
  request.set_customer_id(std::string(kCn));
  request.set_include_proofs(true);
  std::vector<v1::ExportAuditChunk> chunks;
  ASSERT_THAT(core().ExportAudit(request,
                                 [&](const v1::ExportAuditChunk& chunk) {
                                   chunks.push_back(chunk);
                                   return absl::OkStatus();
                                 }),
              IsOk());
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.front().content_type(), "application/x-ndjson");
  EXPECT_TRUE(absl::EndsWith(chunks.front().file_name(), ".jsonl"));
  std::string file;
  for (const v1::ExportAuditChunk& chunk : chunks) file += chunk.data();
  EXPECT_EQ(chunks.back().entry_count(), 21u) << "20 decisions and the customer event";
  EXPECT_EQ(chunks.back().file_sha256(), audit::Sha256(file).ToString());
  EXPECT_TRUE(chunks.back().has_checkpoint());
  EXPECT_FALSE(absl::StrContains(file, "+8613812345678"));
  // The manifest in the last chunk verifies the file against the log's key.
  const audit::Ed25519PublicKey& key = env_->app().audit().signer().public_key();
  EXPECT_TRUE(absl::EndsWith(chunks.back().manifest_file_name(), ".manifest.json"));
  ASSERT_OK_AND_ASSIGN(const audit::VerifiedExport verified,
                       audit::VerifyExport(chunks.back().manifest(), file, &key));
  EXPECT_EQ(verified.entry_count, 21u);
  EXPECT_THAT(chunks.back().manifest(), HasSubstr("cn-default@"));

  // CSV: the same entries, its own manifest.
  request.set_format(v1::EXPORT_FORMAT_CSV);
  chunks.clear();
  ASSERT_THAT(core().ExportAudit(request,
                                 [&](const v1::ExportAuditChunk& chunk) {
                                   chunks.push_back(chunk);
                                   return absl::OkStatus();
                                 }),
              IsOk());
  EXPECT_EQ(chunks.front().content_type(), "text/csv");
  EXPECT_TRUE(absl::EndsWith(chunks.front().file_name(), ".csv"));
  std::string csv;
  for (const v1::ExportAuditChunk& chunk : chunks) csv += chunk.data();
  EXPECT_TRUE(absl::StartsWith(csv, "index,record_time,kind,customer_id"));
  ASSERT_OK_AND_ASSIGN(const audit::VerifiedExport csv_verified,
                       audit::VerifyExport(chunks.back().manifest(), csv, &key));
  EXPECT_EQ(csv_verified.entry_count, 21u);
  EXPECT_EQ(csv_verified.format, "arrears-audit-export-csv/v1");
  csv.back() = 'x';
  EXPECT_THAT(audit::VerifyExport(chunks.back().manifest(), csv, &key),
              StatusIs(absl::StatusCode::kDataLoss));

  request.set_format(static_cast<v1::ExportFormat>(99));
  EXPECT_THAT(
      core().ExportAudit(request, [](const v1::ExportAuditChunk&) { return absl::OkStatus(); }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("format")));
}

TEST_F(ComplianceCoreTest, CheckpointsArePublishedWhenTheLogGrew) {
  ASSERT_OK_AND_ASSIGN(std::optional<v1::SignedCheckpoint> first, core().PublishCheckpoint());
  ASSERT_TRUE(first.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<v1::SignedCheckpoint> none, core().PublishCheckpoint());
  EXPECT_FALSE(none.has_value()) << "nothing new to cover";
  Check(CallRequest(kCn, kStart));
  ASSERT_OK_AND_ASSIGN(std::optional<v1::SignedCheckpoint> second, core().PublishCheckpoint());
  ASSERT_TRUE(second.has_value());
  const std::vector<events::Event> published = env_->Outbox(CheckpointTopic());
  ASSERT_EQ(published.size(), 2u);
  v1::SignedCheckpoint checkpoint;
  ASSERT_TRUE(checkpoint.ParseFromString(published[1].payload));
  EXPECT_EQ(checkpoint.size(), second->size());
  EXPECT_EQ(published[1].key, checkpoint.log_id());
  EXPECT_THAT(env_->app().audit().log().verifier().VerifySignature(checkpoint), IsOk());
}

TEST_F(ComplianceCoreTest, RetentionErasesKeysAfterThePacksPeriodAndProofsStay) {
  Check(CallRequest(kCn, kStart));  // personal data of the CN customer (5 years)
  Check(CallRequest(kUs, kStart));  // and of the US customer (3 years)
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> trusted,
                       core().PublishCheckpoint());
  env_->clock().Advance(absl::Hours(24) * 365.25 * 3 + absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> erased, core().EnforceRetention());
  EXPECT_THAT(erased, ::testing::ElementsAre(std::string(kUs)));
  env_->clock().Advance(absl::Hours(24) * 365.25 * 2);
  ASSERT_OK_AND_ASSIGN(erased, core().EnforceRetention());
  EXPECT_THAT(erased, ::testing::ElementsAre(std::string(kCn)));

  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry customer_event,
                       env_->app().audit().log().GetEntry(0, true));
  EXPECT_TRUE(customer_event.personal_data_erased());
  v1::VerifyLogRequest verify;
  *verify.mutable_trusted_checkpoint() = *trusted;
  ASSERT_OK_AND_ASSIGN(const v1::VerifyLogResponse report, core().VerifyLog(verify));
  EXPECT_TRUE(report.ok()) << report.problem();
  EXPECT_TRUE(report.checkpoint_matches());
}

TEST_F(ComplianceCoreTest, ConcurrentChecksShareCommitsAndKeepTheLogWhole) {
  constexpr int kThreads = 8;
  constexpr int kChecks = 25;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> indices(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChecks; ++i) {
        absl::StatusOr<v1::ContactDecision> decision = core().CheckContact(
            CallRequest(t % 2 == 0 ? kCn : kUs, kStart, absl::StrCat("c-", t, "-", i)));
        EXPECT_THAT(decision, IsOk());
        if (decision.ok()) indices[t].push_back(decision->audit_index());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& list : indices) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kChecks)) << "every index distinct";
  EXPECT_EQ(env_->Outbox(DecisionTopic()).size(), static_cast<size_t>(kThreads * kChecks));
  ASSERT_OK_AND_ASSIGN(const v1::VerifyLogResponse report,
                       core().VerifyLog(v1::VerifyLogRequest()));
  EXPECT_TRUE(report.ok()) << report.problem();
  EXPECT_EQ(report.entries_verified(), 2u + kThreads * kChecks);
}

TEST_F(ComplianceCoreTest, ARestartContinuesTheSameLog) {
  Check(CallRequest(kCn, kStart, "before"));
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> trusted,
                       core().PublishCheckpoint());
  ASSERT_THAT(env_->Reopen(), IsOk());
  const v1::ContactDecision after = Check(CallRequest(kCn, kStart, "after"));
  EXPECT_EQ(after.audit_index(), trusted->size());
  // The check id recorded before the restart is still honoured.
  const v1::ContactDecision replay = Check(CallRequest(kCn, kStart, "before"));
  EXPECT_LT(replay.audit_index(), trusted->size());
  v1::VerifyLogRequest verify;
  *verify.mutable_trusted_checkpoint() = *trusted;
  ASSERT_OK_AND_ASSIGN(const v1::VerifyLogResponse report, core().VerifyLog(verify));
  EXPECT_TRUE(report.ok()) << report.problem();
  EXPECT_TRUE(report.checkpoint_matches());
}

TEST(ComplianceDatabaseOptionsTest, EveryCommitIsFsyncedOnlyWhenAsked) {
  for (const store::SqliteSynchronous synchronous :
       {store::SqliteSynchronous::kNormal, store::SqliteSynchronous::kFull}) {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    store::SqliteOptions options = ComplianceDatabaseOptions(synchronous);
    EXPECT_EQ(options.checkpoint_pages, 10'000);
    options.path = dir.File("compliance.db");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::SqliteDatabase> db,
                         store::SqliteDatabase::Create(options));
    int64_t applied = -1;
    ASSERT_THAT(db->InSqliteTransaction(store::SqliteTransactionMode::kDeferred,
                                        [&](store::SqliteTransaction& txn) -> absl::Status {
                                          ARREARS_ASSIGN_OR_RETURN(
                                              store::SqliteStatement pragma,
                                              txn.Prepare("PRAGMA synchronous"));
                                          ARREARS_ASSIGN_OR_RETURN(const bool row, pragma.Step());
                                          if (row) applied = pragma.ColumnInt64(0);
                                          return absl::OkStatus();
                                        }),
                IsOk());
    // SQLite's numbers: 1 NORMAL, 2 FULL.
    EXPECT_EQ(applied, synchronous == store::SqliteSynchronous::kFull ? 2 : 1);
  }
}

}  // namespace
}  // namespace arrears::compliance::service
