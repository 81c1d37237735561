// Table tests of what the counters count, at the exact boundaries: per debt
// (Regulation F's 7-in-7) versus per debtor (CN's daily caps), calls of the
// bank and every agency together, per contact point, prior consent, and the
// inputs whose absence makes every pack fail closed.
#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr char kShanghai[] = "Asia/Shanghai";
constexpr char kNewYork[] = "America/New_York";
constexpr char kDebtC[] = "loan-C";
constexpr char kDebtD[] = "loan-D";

// One past call of the table: minute offset on the day, outcome, contact
// point, agency ("" = the bank) and debts.
struct PastCall {
  int minute;
  CallOutcome outcome;
  const char* point;
  const char* agency;
  std::vector<std::string> debts;
};

struct CountingCase {
  const char* name;
  // "CN" or "US": the customer's jurisdiction (and zone).
  const char* jurisdiction;
  std::vector<PastCall> calls;
  // Debts and contact point of the proposed call.
  std::vector<std::string> debts;
  const char* point;
  v1::Verdict verdict;
  // Expected code, or "" for none.
  const char* code;
};

// Every call and the check happen on 2026-05-04 (a Monday), the check at
// 15:00 local; past calls from 09:00 on.
class CountingTest : public ::testing::TestWithParam<CountingCase> {
 protected:
  CountingTest() : engine_(ShippedEngine()) {}
  std::unique_ptr<PolicyEngine> engine_;
};

TEST_P(CountingTest, CountsWhatTheRuleCounts) {
  const CountingCase& c = GetParam();
  const char* zone = std::string(c.jurisdiction) == "CN" ? kShanghai : kNewYork;
  InMemoryContactHistory history;
  history.AddJurisdiction(kCustomer, c.jurisdiction);
  history.AddTimeZone(kCustomer, zone);
  for (const PastCall& call : c.calls) {
    history.AddCall(kCustomer, Call(Local(zone, 2026, 5, 4, 9) + absl::Minutes(call.minute),
                                    call.outcome, call.point, call.agency, call.debts));
  }
  v1::CheckContactRequest request = CallRequest(Local(zone, 2026, 5, 4, 15));
  request.clear_debt_ids();
  for (const std::string& debt : c.debts) request.add_debt_ids(debt);
  request.mutable_contact_point()->set_contact_point_id(c.point);
  request.set_agency_id("ag-9");
  const v1::ContactDecision d =
      engine_->CheckContact(request, history, FromTimestamp(request.proposed_time()));
  EXPECT_THAT(d, VerdictIs(c.verdict));
  if (*c.code != '\0') {
    EXPECT_THAT(d, HasCode(c.code));
  } else {
    EXPECT_EQ(d.reason_codes_size(), 0) << ::testing::PrintToString(d.reason_codes());
  }
}

std::vector<PastCall> Repeat(int n, CallOutcome outcome, std::vector<std::string> debts,
                             const char* point = "phone-1") {
  static const char* const kAgencies[] = {"", "ag-1", "ag-2"};
  std::vector<PastCall> calls;
  for (int i = 0; i < n; ++i) calls.push_back({i, outcome, point, kAgencies[i % 3], debts});
  return calls;
}

INSTANTIATE_TEST_SUITE_P(PerDebtPerDebtorAcrossAgencies, CountingTest,
                         ::testing::ValuesIn(std::vector<CountingCase>{
                             // CN: connected calls count per debtor, whatever the debt, bank and
                             // agencies together.
                             {"cn_2_connected_calls_about_other_debts_allow",
                              "CN",
                              {{0, CallOutcome::kConnected, "phone-1", "", {kDebtA}},
                               {1, CallOutcome::kConnected, "phone-2", "ag-1", {kDebtB}}},
                              {kDebtD},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"cn_3_connected_calls_about_other_debts_defer",
                              "CN",
                              {{0, CallOutcome::kConnected, "phone-1", "", {kDebtA}},
                               {1, CallOutcome::kConnected, "phone-2", "ag-1", {kDebtB}},
                               {2, CallOutcome::kConnected, "phone-3", "ag-2", {kDebtC}}},
                              {kDebtD},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "CONNECTED_CALL_CAP"},
                             {"cn_2_conversations_allow",
                              "CN",
                              Repeat(2, CallOutcome::kConversation, {kDebtA}),
                              {kDebtB},
                              "phone-2",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"cn_3_conversations_defer",
                              "CN",
                              Repeat(3, CallOutcome::kConversation, {kDebtA}),
                              {kDebtB},
                              "phone-2",
                              v1::VERDICT_DEFER,
                              "CONVERSATION_CAP"},
                             // CN: unanswered dials count per contact point, across agencies.
                             {"cn_5_unanswered_dials_allow",
                              "CN",
                              Repeat(5, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"cn_6_unanswered_dials_defer",
                              "CN",
                              Repeat(6, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "DIAL_ATTEMPT_CAP"},
                             {"cn_6_unanswered_dials_on_another_point_allow",
                              "CN",
                              Repeat(6, CallOutcome::kUnanswered, {kDebtA}, "phone-2"),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"cn_6_never_connected_dials_count_too",
                              "CN",
                              Repeat(6, CallOutcome::kNotConnected, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "DIAL_ATTEMPT_CAP"},
                             // US: 7-in-7 counts per debt, calls of every agency included.
                             {"us_6_calls_about_the_debt_allow",
                              "US",
                              Repeat(6, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"us_7_calls_about_the_debt_defer",
                              "US",
                              Repeat(7, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "FREQUENCY_CAP"},
                             {"us_7_calls_about_another_debt_allow",
                              "US",
                              Repeat(7, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtB},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"us_a_call_about_two_debts_is_limited_by_each",
                              "US",
                              Repeat(7, CallOutcome::kUnanswered, {kDebtA}),
                              {kDebtB, kDebtA},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "FREQUENCY_CAP"},
                             {"us_calls_about_two_debts_count_for_each",
                              "US",
                              Repeat(7, CallOutcome::kUnanswered, {kDebtA, kDebtB}),
                              {kDebtB},
                              "phone-2",
                              v1::VERDICT_DEFER,
                              "FREQUENCY_CAP"},
                             {"us_7_never_connected_calls_do_not_count",
                              "US",
                              Repeat(7, CallOutcome::kNotConnected, {kDebtA}),
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             {"us_conversation_by_an_agency_blocks_the_debt",
                              "US",
                              {{0, CallOutcome::kConversation, "phone-2", "ag-1", {kDebtA}}},
                              {kDebtA},
                              "phone-1",
                              v1::VERDICT_DEFER,
                              "RECENT_CONVERSATION"},
                             {"us_conversation_about_another_debt_does_not",
                              "US",
                              {{0, CallOutcome::kConversation, "phone-2", "ag-1", {kDebtA}}},
                              {kDebtB},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                             // US has no per-debtor daily caps: 10 connected calls about
                             // different debts leave a call about a fresh one allowed.
                             {"us_no_per_debtor_daily_cap",
                              "US",
                              Repeat(10, CallOutcome::kConnected, {kDebtC}),
                              {kDebtD},
                              "phone-1",
                              v1::VERDICT_ALLOW,
                              ""},
                         }),
                         [](const ::testing::TestParamInfo<CountingCase>& info) {
                           return info.param.name;
                         });

class PriorConsentTest : public ::testing::Test {
 protected:
  PriorConsentTest() : engine_(ShippedEngine()) {
    history_.AddJurisdiction(kCustomer, "US");
    history_.AddTimeZone(kCustomer, kNewYork);
    for (int i = 0; i < 7; ++i) {
      history_.AddCall(kCustomer,
                       Call(Local(kNewYork, 2026, 5, 4, 9, i), CallOutcome::kUnanswered));
    }
    PriorConsent consent;
    consent.preference_id = "consent-1";
    consent.channel = common::v1::CHANNEL_VOICE_CALL;
    consent.start_time = Local(kNewYork, 2026, 5, 4, 15);
    consent.end_time = Local(kNewYork, 2026, 5, 4, 16);
    history_.AddPriorConsent(kCustomer, consent);
  }
  v1::ContactDecision Check(absl::Time when) {
    return engine_->CheckContact(CallRequest(when), history_, when);
  }
  std::unique_ptr<PolicyEngine> engine_;
  InMemoryContactHistory history_;
};

TEST_F(PriorConsentTest, ACallTheDebtorConsentedToIsOutsideSevenInSevenForItsWindowOnly) {
  struct Case {
    absl::Time when;
    v1::Verdict verdict;
  };
  const Case cases[] = {
      {Local(kNewYork, 2026, 5, 4, 14, 59, 59), v1::VERDICT_DEFER},
      {Local(kNewYork, 2026, 5, 4, 15), v1::VERDICT_ALLOW},
      {Local(kNewYork, 2026, 5, 4, 15, 59, 59), v1::VERDICT_ALLOW},
      {Local(kNewYork, 2026, 5, 4, 16), v1::VERDICT_DEFER},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::FormatTime(c.when));
    const v1::ContactDecision d = Check(c.when);
    EXPECT_THAT(d, VerdictIs(c.verdict));
    if (c.verdict == v1::VERDICT_ALLOW) {
      EXPECT_EQ(d.consent_record_id(), "consent-1");
    } else {
      EXPECT_THAT(d, HasCode("FREQUENCY_CAP"));
    }
  }
}

TEST_F(PriorConsentTest, ConsentDoesNotLiftTheWindowOrOtherChannels) {
  // 21:30 is outside the convenient time; prior consent to a call is not an
  // agreed contact time.
  PriorConsent late;
  late.preference_id = "consent-late";
  late.start_time = Local(kNewYork, 2026, 5, 4, 21);
  late.end_time = Local(kNewYork, 2026, 5, 4, 22);
  history_.AddPriorConsent(kCustomer, late);
  const v1::ContactDecision d = Check(Local(kNewYork, 2026, 5, 4, 21, 30));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("QUIET_HOURS"));
}

TEST(FailClosedTableTest, EveryPackDeniesWhenAnInputARuleNeedsIsMissing) {
  struct Case {
    const char* name;
    void (*mutate)(v1::CheckContactRequest&);
    const char* code;
  };
  const Case cases[] = {
      {"one unloadable zone among good ones",
       [](v1::CheckContactRequest& r) {
         r.add_candidate_time_zones("America/Chicago");
         r.add_candidate_time_zones("Not/A_Zone");
       },
       "UNKNOWN_INPUT:candidate_time_zones"},
      {"field visit without its details",
       [](v1::CheckContactRequest& r) {
         r.set_channel(common::v1::CHANNEL_FIELD_VISIT);
         r.clear_field_visit();
       },
       "UNKNOWN_INPUT:field_visit"},
      {"third party without id",
       [](v1::CheckContactRequest& r) {
         r.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
         r.set_purpose(common::v1::CONTACT_PURPOSE_LOCATE_DEBTOR);
       },
       "UNKNOWN_INPUT:related_contact_id"},
      {"e-mail without text or template",
       [](v1::CheckContactRequest& r) { r.set_channel(common::v1::CHANNEL_EMAIL); },
       "UNKNOWN_INPUT:message_text"},
      {"no customer", [](v1::CheckContactRequest& r) { r.clear_customer_id(); },
       "UNKNOWN_INPUT:customer_id"},
  };
  std::unique_ptr<PolicyEngine> engine = ShippedEngine();
  InMemoryContactHistory history;
  for (const char* jurisdiction : {"CN", "US"}) history.AddJurisdiction(kCustomer, jurisdiction);
  history.AddTimeZone(kCustomer, kNewYork);
  const absl::Time noon = Local(kNewYork, 2026, 5, 4, 12);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::CheckContactRequest r = CallRequest(noon);
    c.mutate(r);
    const v1::ContactDecision d = engine->CheckContact(r, history, noon);
    EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
    EXPECT_THAT(d, HasCode(c.code));
    for (const v1::PackVerdict& pack : d.pack_verdicts()) {
      EXPECT_EQ(pack.verdict(), v1::VERDICT_DENY) << pack.policy().pack_id();
    }
  }
}

}  // namespace
}  // namespace arrears::compliance::policy
