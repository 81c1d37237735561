// cn-default: every rule, with exact boundaries, in Asia/Shanghai.
#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

constexpr char kShanghai[] = "Asia/Shanghai";

absl::Time Sh(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return Local(kShanghai, y, mo, d, h, mi, s);
}

class CnDefaultTest : public ::testing::Test {
 protected:
  CnDefaultTest() : engine_(ShippedEngine()) {
    history_.AddJurisdiction(kCustomer, "CN");
    history_.AddTimeZone(kCustomer, kShanghai);
  }
  v1::ContactDecision Check(const v1::CheckContactRequest& r) {
    return engine_->CheckContact(
        r, history_, r.has_proposed_time() ? FromTimestamp(r.proposed_time()) : Utc(2026, 1, 1, 0));
  }
  std::unique_ptr<PolicyEngine> engine_;
  InMemoryContactHistory history_;
};

struct WindowCase {
  int h, m, s;
  v1::Verdict verdict;
  bool next_day;  // defer_until is 08:00 the next day (else the same day)
};

TEST_F(CnDefaultTest, ContactWindowBoundaries) {
  const WindowCase cases[] = {
      {0, 0, 0, v1::VERDICT_DEFER, false},    {7, 59, 59, v1::VERDICT_DEFER, false},
      {8, 0, 0, v1::VERDICT_ALLOW, false},    {21, 0, 0, v1::VERDICT_ALLOW, false},
      {21, 59, 59, v1::VERDICT_ALLOW, false}, {22, 0, 0, v1::VERDICT_DEFER, true},
      {23, 59, 59, v1::VERDICT_DEFER, true},
  };
  for (const WindowCase& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.h, ":", c.m, ":", c.s));
    const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, c.h, c.m, c.s)));
    EXPECT_THAT(d, VerdictIs(c.verdict));
    ASSERT_EQ(d.pack_verdicts_size(), 1);
    EXPECT_EQ(d.pack_verdicts(0).policy().pack_id(), "cn-default");
    EXPECT_EQ(d.pack_verdicts(0).policy().version(), "2026.3");
    if (c.verdict == v1::VERDICT_DEFER) {
      EXPECT_THAT(d, HasCode("QUIET_HOURS"));
      EXPECT_EQ(DeferUntil(d), Sh(2026, 5, c.next_day ? 5 : 4, 8));
    } else {
      EXPECT_TRUE(d.reason_codes().empty());
    }
  }
}

TEST_F(CnDefaultTest, WindowAppliesToEveryChannelButHandOvers) {
  EXPECT_THAT(Check(SmsRequest(Sh(2026, 5, 4, 22), "您好")), VerdictIs(v1::VERDICT_DEFER));
  v1::CheckContactRequest letter = SmsRequest(Sh(2026, 5, 4, 23), "您好");
  letter.set_channel(common::v1::CHANNEL_LETTER);
  EXPECT_THAT(Check(letter), VerdictIs(v1::VERDICT_DEFER));
  v1::CheckContactRequest placement = CallRequest(Sh(2026, 5, 4, 23));
  placement.set_channel(common::v1::CHANNEL_AGENCY_PLACEMENT);
  EXPECT_THAT(Check(placement), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(CnDefaultTest, HouseGentleWindowEndsAt2100) {
  engine_ = ShippedEngine(/*cn_gentle=*/true);
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 20, 59, 59))), VerdictIs(v1::VERDICT_ALLOW));
  const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 21)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 8));
}

TEST_F(CnDefaultTest, AgreedTimeAllowsOutsideWindowAndIsCited) {
  AgreedContactTime agreed;
  agreed.consent_record_id = "pref-7";
  agreed.time_zone = kShanghai;
  agreed.start_second = 22 * 3600;
  agreed.end_second = 23 * 3600;
  agreed.weekday_mask = 1u << 1;  // Mondays (2026-05-04 is a Monday)
  history_.AddAgreedContactTime(kCustomer, agreed);

  v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 22, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_EQ(d.consent_record_id(), "pref-7");
  // 23:00 is past the agreed window; Tuesday is not an agreed day.
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 23))), VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 5, 22, 30))), VerdictIs(v1::VERDICT_DEFER));
  // Inside the normal window nothing is cited.
  EXPECT_EQ(Check(CallRequest(Sh(2026, 5, 4, 10))).consent_record_id(), "");
}

TEST_F(CnDefaultTest, DeferUntilTheEarlierOfAgreedAndDefaultWindow) {
  AgreedContactTime agreed;
  agreed.consent_record_id = "pref-8";
  agreed.time_zone = kShanghai;
  agreed.start_second = 6 * 3600 + 30 * 60;
  agreed.end_second = 7 * 3600;
  agreed.weekday_mask = 1u << 2;  // Tuesdays
  history_.AddAgreedContactTime(kCustomer, agreed);
  // Monday 22:30 → Tuesday 06:30 (the agreed window), not 08:00.
  v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 22, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 6, 30));
  d = Check(CallRequest(Sh(2026, 5, 5, 6, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_EQ(d.consent_record_id(), "pref-8");
  // Tuesday 22:30 → Wednesday 08:00 (no agreed window on Wednesdays).
  EXPECT_EQ(DeferUntil(Check(CallRequest(Sh(2026, 5, 5, 22, 30)))), Sh(2026, 5, 6, 8));
  // A consent record that has lapsed allows nothing.
  InMemoryContactHistory lapsed;
  lapsed.AddJurisdiction(kCustomer, "CN");
  lapsed.AddTimeZone(kCustomer, kShanghai);
  agreed.end_time = Sh(2026, 5, 5, 0);
  lapsed.AddAgreedContactTime(kCustomer, agreed);
  EXPECT_EQ(DeferUntil(engine_->CheckContact(CallRequest(Sh(2026, 5, 4, 22, 30)), lapsed,
                                             Sh(2026, 5, 4, 22, 30))),
            Sh(2026, 5, 5, 8));
}

TEST_F(CnDefaultTest, SixUnansweredDialsPerContactPointPerLocalDay) {
  // 00:30 local is still "today"; 23:59 yesterday is not.
  history_.AddCall(kCustomer, Call(Sh(2026, 5, 3, 23, 59), CallOutcome::kUnanswered));
  for (int i = 0; i < 5; ++i) {
    history_.AddCall(kCustomer,
                     Call(Sh(2026, 5, 4, 8, 10 * i),
                          i % 2 == 0 ? CallOutcome::kUnanswered : CallOutcome::kNotConnected));
  }
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 12))), VerdictIs(v1::VERDICT_ALLOW));
  history_.AddCall(kCustomer,
                   Call(Sh(2026, 5, 4, 11), CallOutcome::kUnanswered, "phone-1", "ag-1"));

  const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 12)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("DIAL_ATTEMPT_CAP"));
  // Counter resets at local midnight; the window then opens at 08:00.
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 8));

  v1::CheckContactRequest other_point = CallRequest(Sh(2026, 5, 4, 12));
  other_point.mutable_contact_point()->set_contact_point_id("phone-2");
  EXPECT_THAT(Check(other_point), VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 5, 8))), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(CnDefaultTest, ThreeConnectedCallsPerDebtorAcrossBankAndAgencies) {
  history_.AddCall(kCustomer, Call(Sh(2026, 5, 4, 9), CallOutcome::kConnected, "phone-1", ""));
  history_.AddCall(kCustomer, Call(Sh(2026, 5, 4, 10), CallOutcome::kConnected, "phone-2", "ag-1"));
  // A call that reached a guarantor is not a call with the debtor.
  CallRecord guarantor = Call(Sh(2026, 5, 4, 10, 30), CallOutcome::kConnected, "g-phone");
  guarantor.counterparty = common::v1::COUNTERPARTY_GUARANTOR;
  history_.AddCall(kCustomer, guarantor);
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 12))), VerdictIs(v1::VERDICT_ALLOW));

  history_.AddCall(kCustomer, Call(Sh(2026, 5, 4, 11), CallOutcome::kConnected, "phone-3", "ag-2"));
  const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 12)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("CONNECTED_CALL_CAP"));
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 8));
  // The cap is per debtor: the guarantor may still be called.
  v1::CheckContactRequest to_guarantor = CallRequest(Sh(2026, 5, 4, 12));
  to_guarantor.set_counterparty(common::v1::COUNTERPARTY_GUARANTOR);
  to_guarantor.set_related_contact_id("rc-1");
  EXPECT_THAT(Check(to_guarantor), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(CnDefaultTest, ThreeEffectiveConversationsPerDebtor) {
  for (int i = 0; i < 3; ++i) {
    history_.AddCall(kCustomer, Call(Sh(2026, 5, 4, 9 + i), CallOutcome::kConversation, "phone-1",
                                     i == 0 ? "" : "ag-1"));
  }
  const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 21, 59)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("CONVERSATION_CAP"));
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 8));
}

TEST_F(CnDefaultTest, FieldVisitRules) {
  EXPECT_THAT(Check(VisitRequest(Sh(2026, 5, 4, 10))), VerdictIs(v1::VERDICT_ALLOW));

  v1::CheckContactRequest alone = VisitRequest(Sh(2026, 5, 4, 10));
  alone.mutable_field_visit()->set_staff_count(1);
  EXPECT_THAT(Check(alone), HasCode("FIELD_VISIT_STAFF"));
  EXPECT_THAT(Check(alone), VerdictIs(v1::VERDICT_DENY));

  v1::CheckContactRequest unrecorded = VisitRequest(Sh(2026, 5, 4, 10));
  unrecorded.mutable_field_visit()->set_recording_on(false);
  EXPECT_THAT(Check(unrecorded), HasCode("RECORDING_REQUIRED"));

  v1::CheckContactRequest entering = VisitRequest(Sh(2026, 5, 4, 10));
  entering.mutable_field_visit()->set_enters_premises(true);
  EXPECT_THAT(Check(entering), HasCode("PREMISES_ENTRY_WITHOUT_CONSENT"));
  entering.mutable_field_visit()->set_premises_entry_consented(true);
  EXPECT_THAT(Check(entering), VerdictIs(v1::VERDICT_ALLOW));

  v1::CheckContactRequest no_details = VisitRequest(Sh(2026, 5, 4, 10));
  no_details.clear_field_visit();
  EXPECT_THAT(Check(no_details), HasCode("UNKNOWN_INPUT:field_visit"));

  history_.AddFieldVisit(kCustomer, Sh(2026, 5, 4, 9));
  const v1::ContactDecision d = Check(VisitRequest(Sh(2026, 5, 4, 15)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("FIELD_VISIT_CAP"));
  EXPECT_EQ(DeferUntil(d), Sh(2026, 5, 5, 8));
}

TEST_F(CnDefaultTest, CallsMustBeRecorded) {
  v1::CheckContactRequest r = CallRequest(Sh(2026, 5, 4, 10));
  r.set_call_recording_on(false);
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(Check(r), HasCode("RECORDING_REQUIRED"));
}

TEST_F(CnDefaultTest, DebtRelatedPartiesMayBeContacted) {
  for (auto party : {common::v1::COUNTERPARTY_GUARANTOR, common::v1::COUNTERPARTY_CO_BORROWER}) {
    v1::CheckContactRequest r = CallRequest(Sh(2026, 5, 4, 10));
    r.set_counterparty(party);
    r.set_related_contact_id("rc-1");
    EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));
  }
}

TEST_F(CnDefaultTest, UnrelatedThirdPartyOnlyWhenLostContactToLocateWithoutDebtDetails) {
  v1::CheckContactRequest r = CallRequest(Sh(2026, 5, 4, 10));
  r.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  r.set_related_contact_id("rc-9");
  r.set_purpose(common::v1::CONTACT_PURPOSE_LOCATE_DEBTOR);
  EXPECT_THAT(Check(r), HasCode("THIRD_PARTY_NOT_LOST_CONTACT"));

  history_.SetLostContact(kCustomer, true);
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));

  v1::CheckContactRequest collect = r;
  collect.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  EXPECT_THAT(Check(collect), HasCode("THIRD_PARTY_PURPOSE"));

  v1::CheckContactRequest sms = r;
  sms.set_channel(common::v1::CHANNEL_SMS);
  sms.set_message_text("请转告张先生，他的贷款已逾期");
  const v1::ContactDecision leak = Check(sms);
  EXPECT_THAT(leak, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(leak, HasCode("THIRD_PARTY_DISCLOSURE"));
  EXPECT_THAT(leak, HasCode("PROHIBITED_WORDING:cn.third_party.1"));
  sms.set_message_text("请转告张先生回电");
  EXPECT_THAT(Check(sms), VerdictIs(v1::VERDICT_ALLOW));

  history_.AddThirdPartyRefusal(kCustomer, "rc-9");
  EXPECT_THAT(Check(r), HasCode("THIRD_PARTY_REFUSED"));
}

TEST_F(CnDefaultTest, NoPrivateSocialAccounts) {
  v1::CheckContactRequest r = SmsRequest(Sh(2026, 5, 4, 10), "您好");
  r.set_channel(common::v1::CHANNEL_SOCIAL_MEDIA_PRIVATE);
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(Check(r), HasCode("PRIVATE_SOCIAL_ACCOUNT"));
}

TEST_F(CnDefaultTest, DisputePausesCollectionOnThatDebtOnly) {
  history_.SetDispute(kCustomer, kDebtA, OpenDispute{"disp-1", false});
  const v1::ContactDecision d = Check(CallRequest(Sh(2026, 5, 4, 10)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("DISPUTE_PENDING"));
  EXPECT_THAT(d, HasCode("DISPUTE_PENDING:disp-1"));

  v1::CheckContactRequest notice = CallRequest(Sh(2026, 5, 4, 10));
  notice.set_purpose(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  EXPECT_THAT(Check(notice), VerdictIs(v1::VERDICT_ALLOW));

  v1::CheckContactRequest other = CallRequest(Sh(2026, 5, 4, 10));
  other.set_debt_ids(0, kDebtB);
  EXPECT_THAT(Check(other), VerdictIs(v1::VERDICT_ALLOW));

  history_.SetDispute(kCustomer, kDebtA, {}, /*open=*/false);  // verified
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 10))), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(CnDefaultTest, OptOutBindsForThatChannelAndPoint) {
  history_.AddOptOut(kCustomer, OptOut{"pref-2", common::v1::CHANNEL_VOICE_CALL, "phone-1"});
  EXPECT_THAT(Check(CallRequest(Sh(2026, 5, 4, 10))), HasCode("OPTED_OUT:pref-2"));
  v1::CheckContactRequest other = CallRequest(Sh(2026, 5, 4, 10));
  other.mutable_contact_point()->set_contact_point_id("phone-2");
  EXPECT_THAT(Check(other), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(CnDefaultTest, ProhibitedWordingInChinese) {
  const v1::ContactDecision d = Check(SmsRequest(Sh(2026, 5, 4, 10), "再不还钱后果自负"));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("PROHIBITED_WORDING:cn.threat.1"));
  ASSERT_EQ(d.screening_matches_size(), 1);
  EXPECT_EQ(d.screening_matches(0).matched_text(), "后果自负");
  EXPECT_EQ(d.screening_matches(0).offset(), 12);  // 4 CJK characters × 3 bytes
}

TEST_F(CnDefaultTest, FailsClosedOnMissingInputs) {
  struct Case {
    const char* name;
    void (*mutate)(v1::CheckContactRequest&);
    const char* code;
  };
  const Case cases[] = {
      {"unknown zone",
       [](v1::CheckContactRequest& r) { r.add_candidate_time_zones("Mars/Olympus_Mons"); },
       "UNKNOWN_INPUT:candidate_time_zones"},
      {"no counterparty",
       [](v1::CheckContactRequest& r) { r.set_counterparty(common::v1::COUNTERPARTY_UNSPECIFIED); },
       "UNKNOWN_INPUT:counterparty"},
      {"no channel",
       [](v1::CheckContactRequest& r) { r.set_channel(common::v1::CHANNEL_UNSPECIFIED); },
       "UNKNOWN_INPUT:channel"},
      {"no purpose",
       [](v1::CheckContactRequest& r) { r.set_purpose(common::v1::CONTACT_PURPOSE_UNSPECIFIED); },
       "UNKNOWN_INPUT:purpose"},
      {"no debts", [](v1::CheckContactRequest& r) { r.clear_debt_ids(); },
       "UNKNOWN_INPUT:debt_ids"},
      {"no time", [](v1::CheckContactRequest& r) { r.clear_proposed_time(); },
       "UNKNOWN_INPUT:proposed_time"},
      {"no contact point", [](v1::CheckContactRequest& r) { r.clear_contact_point(); },
       "UNKNOWN_INPUT:contact_point.contact_point_id"},
      {"guarantor without id",
       [](v1::CheckContactRequest& r) { r.set_counterparty(common::v1::COUNTERPARTY_GUARANTOR); },
       "UNKNOWN_INPUT:related_contact_id"},
      {"sms without text",
       [](v1::CheckContactRequest& r) { r.set_channel(common::v1::CHANNEL_SMS); },
       "UNKNOWN_INPUT:message_text"},
      {"invalid utf-8",
       [](v1::CheckContactRequest& r) {
         r.set_channel(common::v1::CHANNEL_SMS);
         r.set_message_text("\xE4\xBD");
       },
       "UNKNOWN_INPUT:message_text"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::CheckContactRequest r = CallRequest(Sh(2026, 5, 4, 10));
    c.mutate(r);
    const v1::ContactDecision d = Check(r);
    EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
    EXPECT_THAT(d, HasCode("UNKNOWN_INPUT"));
    EXPECT_THAT(d, HasCode(c.code));
  }
}

TEST_F(CnDefaultTest, FailsClosedWithoutZoneOrPack) {
  InMemoryContactHistory bare;
  bare.AddJurisdiction(kCustomer, "CN");
  v1::ContactDecision d =
      engine_->CheckContact(CallRequest(Sh(2026, 5, 4, 10)), bare, Sh(2026, 5, 4, 10));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("UNKNOWN_INPUT:candidate_time_zones"));

  InMemoryContactHistory no_jurisdiction;
  no_jurisdiction.AddTimeZone(kCustomer, kShanghai);
  d = engine_->CheckContact(CallRequest(Sh(2026, 5, 4, 10)), no_jurisdiction, Sh(2026, 5, 4, 10));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("NO_APPLICABLE_PACK"));
  EXPECT_THAT(d, HasCode("UNKNOWN_INPUT:jurisdiction"));
}

}  // namespace
}  // namespace arrears::compliance::policy
