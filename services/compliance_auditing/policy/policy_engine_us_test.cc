// us-regf-default: every rule, with exact boundaries, daylight-saving days
// and several candidate zones.
#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr char kNewYork[] = "America/New_York";
constexpr char kLosAngeles[] = "America/Los_Angeles";

absl::Time Ny(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return Local(kNewYork, y, mo, d, h, mi, s);
}

class UsRegFTest : public ::testing::Test {
 protected:
  UsRegFTest() : engine_(ShippedEngine()) {
    history_.AddJurisdiction(kCustomer, "US");
    history_.AddTimeZone(kCustomer, kNewYork);
  }
  v1::ContactDecision Check(const v1::CheckContactRequest& r) {
    return engine_->CheckContact(r, history_, FromTimestamp(r.proposed_time()));
  }
  std::unique_ptr<PolicyEngine> engine_;
  InMemoryContactHistory history_;
};

TEST_F(UsRegFTest, ConvenientTimeBoundaries) {
  struct Case {
    absl::Time when;
    v1::Verdict verdict;
    absl::Time defer_until;
  };
  const Case cases[] = {
      {Ny(2026, 5, 4, 7, 59, 59), v1::VERDICT_DEFER, Ny(2026, 5, 4, 8)},
      {Ny(2026, 5, 4, 8), v1::VERDICT_ALLOW, absl::InfinitePast()},
      {Ny(2026, 5, 4, 20, 59, 59), v1::VERDICT_ALLOW, absl::InfinitePast()},
      {Ny(2026, 5, 4, 21), v1::VERDICT_DEFER, Ny(2026, 5, 5, 8)},
      {Ny(2026, 5, 4, 22), v1::VERDICT_DEFER, Ny(2026, 5, 5, 8)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::FormatTime(c.when, absl::UTCTimeZone()));
    const v1::ContactDecision d = Check(CallRequest(c.when));
    EXPECT_THAT(d, VerdictIs(c.verdict));
    if (c.verdict == v1::VERDICT_DEFER) {
      EXPECT_THAT(d, HasCode("QUIET_HOURS"));
      EXPECT_EQ(DeferUntil(d), c.defer_until);
    }
  }
}

TEST_F(UsRegFTest, SpringForwardDay) {
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 08:00 EDT is 12:00Z.
  const v1::ContactDecision night = Check(CallRequest(Utc(2026, 3, 8, 6, 30)));  // 01:30 EST
  EXPECT_THAT(night, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(night), Utc(2026, 3, 8, 12));
  const v1::ContactDecision early = Check(CallRequest(Utc(2026, 3, 8, 11, 59, 59)));
  EXPECT_THAT(early, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(early), Utc(2026, 3, 8, 12));
  EXPECT_THAT(Check(CallRequest(Utc(2026, 3, 8, 12))), VerdictIs(v1::VERDICT_ALLOW));
  // 21:00 EDT is 01:00Z the next UTC day.
  EXPECT_THAT(Check(CallRequest(Utc(2026, 3, 9, 0, 59, 59))), VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_THAT(Check(CallRequest(Utc(2026, 3, 9, 1))), VerdictIs(v1::VERDICT_DEFER));
  // The evening before: 21:00 EST (02:00Z) defers to 08:00 EDT, 10 hours later.
  const v1::ContactDecision eve = Check(CallRequest(Utc(2026, 3, 8, 2)));
  EXPECT_EQ(DeferUntil(eve), Utc(2026, 3, 8, 12));
}

TEST_F(UsRegFTest, FallBackDay) {
  // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 08:00 EST is 13:00Z.
  const v1::ContactDecision first_130 = Check(CallRequest(Utc(2026, 11, 1, 5, 30)));
  EXPECT_EQ(DeferUntil(first_130), Utc(2026, 11, 1, 13));
  const v1::ContactDecision second_130 = Check(CallRequest(Utc(2026, 11, 1, 6, 30)));
  EXPECT_EQ(DeferUntil(second_130), Utc(2026, 11, 1, 13));
  EXPECT_THAT(Check(CallRequest(Utc(2026, 11, 1, 12, 59, 59))), VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(Check(CallRequest(Utc(2026, 11, 1, 13))), VerdictIs(v1::VERDICT_ALLOW));
  // 21:00 EDT on Oct 31 (01:00Z) defers to 08:00 EST.
  EXPECT_EQ(DeferUntil(Check(CallRequest(Utc(2026, 11, 1, 1)))), Utc(2026, 11, 1, 13));
  // 21:00 EST on Nov 1 is 02:00Z Nov 2.
  EXPECT_THAT(Check(CallRequest(Utc(2026, 11, 2, 1, 59, 59))), VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_THAT(Check(CallRequest(Utc(2026, 11, 2, 2))), VerdictIs(v1::VERDICT_DEFER));
}

TEST_F(UsRegFTest, EveryCandidateZoneMustBeInsideTheWindow) {
  v1::CheckContactRequest r = CallRequest(Ny(2026, 5, 4, 8));  // 05:00 in Los Angeles
  r.add_candidate_time_zones(kNewYork);
  r.add_candidate_time_zones(kLosAngeles);
  v1::ContactDecision d = Check(r);
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 4, 11));  // 08:00 in Los Angeles

  *r.mutable_proposed_time() = ToTimestamp(Ny(2026, 5, 4, 11));
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));
  *r.mutable_proposed_time() = ToTimestamp(Ny(2026, 5, 4, 20, 59, 59));
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));
  // 21:00 in New York (18:00 in LA): New York defers to 08:00 tomorrow, when
  // it is 05:00 in LA, so the answer is 08:00 LA = 11:00 NY.
  *r.mutable_proposed_time() = ToTimestamp(Ny(2026, 5, 4, 21));
  d = Check(r);
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 5, 11));
}

TEST_F(UsRegFTest, CandidateZonesAroundTheGlobeStillShareAnHour) {
  // Tokyo is 13 hours ahead in May: 19:00-21:00 New York is 08:00-10:00 Tokyo.
  v1::CheckContactRequest r = CallRequest(Ny(2026, 5, 4, 10));
  r.add_candidate_time_zones(kNewYork);
  r.add_candidate_time_zones("Asia/Tokyo");
  const v1::ContactDecision d = Check(r);
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 4, 19));
}

TEST(UsRegFNarrowWindowTest, CandidateZonesWithNoCommonWindowDeny) {
  // A (hypothetical) 09:00-17:00 pack: New York and Tokyo never overlap.
  const std::string text = absl::StrReplaceAll(
      ReadPackText("us-regf-default.yaml"),
      {{"start: \"08:00\"", "start: \"09:00\""}, {"end: \"21:00\"", "end: \"17:00\""}});
  absl::StatusOr<PolicyPack> pack = ParsePolicyPack(text, "narrow");
  ASSERT_TRUE(pack.ok()) << pack.status();
  ASSERT_EQ(pack->contact_window.end_second, 17 * 3600);
  auto engine = PolicyEngine::Create({*pack}, ShippedScreen());
  ASSERT_TRUE(engine.ok()) << engine.status();
  InMemoryContactHistory history;
  history.AddJurisdiction(kCustomer, "US");
  v1::CheckContactRequest r = CallRequest(Ny(2026, 5, 4, 10));
  r.add_candidate_time_zones(kNewYork);
  r.add_candidate_time_zones("Asia/Tokyo");
  const v1::ContactDecision d = (*engine)->CheckContact(r, history, Ny(2026, 5, 4, 10));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("QUIET_HOURS_NO_COMMON_WINDOW"));
}

TEST_F(UsRegFTest, SevenCallsInSevenDaysPerDebtRolling) {
  // 2026-04-09 .. 2026-04-15, one counted call a day about loan-A.
  for (int day = 9; day <= 14; ++day) {
    history_.AddCall(kCustomer, Call(Ny(2026, 4, day, 9), CallOutcome::kUnanswered));
  }
  // Calls that never connected and calls with prior consent do not count.
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 15, 8), CallOutcome::kNotConnected));
  CallRecord consented = Call(Ny(2026, 4, 15, 8, 30), CallOutcome::kConnected);
  consented.with_prior_consent = true;
  history_.AddCall(kCustomer, consented);
  // Older than the window.
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 8, 20), CallOutcome::kUnanswered));
  EXPECT_THAT(Check(CallRequest(Ny(2026, 4, 15, 10))), VerdictIs(v1::VERDICT_ALLOW));

  history_.AddCall(kCustomer, Call(Ny(2026, 4, 15, 9), CallOutcome::kConnected, "phone-2", "ag-1"));
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 4, 15, 10)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("FREQUENCY_CAP"));
  // The 04-09 call leaves the window on 04-16; the window opens at 08:00.
  EXPECT_EQ(DeferUntil(d), Ny(2026, 4, 16, 8));
  EXPECT_THAT(Check(CallRequest(Ny(2026, 4, 16, 8))), VerdictIs(v1::VERDICT_ALLOW));

  // Per debt: a call about loan-B is not limited by loan-A's calls.
  v1::CheckContactRequest other = CallRequest(Ny(2026, 4, 15, 10));
  other.set_debt_ids(0, kDebtB);
  EXPECT_THAT(Check(other), VerdictIs(v1::VERDICT_ALLOW));
  // Texts are not telephone calls.
  EXPECT_THAT(Check(SmsRequest(Ny(2026, 4, 15, 10), "Please call us. Reply STOP to opt out.")),
              VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, SevenInSevenDeferSkipsEveryCallThatMustAge) {
  // Two calls on 04-09 and 04-10, then one a day to 04-14: both 04-09
  // calls must leave the window.
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 9, 9), CallOutcome::kUnanswered));
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 9, 10), CallOutcome::kUnanswered));
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 10, 9), CallOutcome::kUnanswered));
  for (int day = 11; day <= 14; ++day) {
    history_.AddCall(kCustomer, Call(Ny(2026, 4, day, 9), CallOutcome::kUnanswered));
  }
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 10, 11), CallOutcome::kUnanswered));
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 4, 14, 12)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  // 04-09 ×2, 04-10 ×2, 04-11..04-14: 8 calls; the window [D-6, D] holds 6
  // once D = 04-16 (both 04-09 calls gone); 04-15 still holds 8.
  EXPECT_EQ(DeferUntil(d), Ny(2026, 4, 16, 8));
  EXPECT_THAT(Check(CallRequest(Ny(2026, 4, 15, 20))), VerdictIs(v1::VERDICT_DEFER));
}

TEST_F(UsRegFTest, CallAfterConversationDeferredSevenDaysConversationDayIsDayOne) {
  history_.AddCall(kCustomer, Call(Ny(2026, 4, 13, 15), CallOutcome::kConversation));
  for (int day = 13; day <= 19; ++day) {
    SCOPED_TRACE(day);
    const v1::ContactDecision d = Check(CallRequest(Ny(2026, 4, day, 20)));
    EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
    EXPECT_THAT(d, HasCode("RECENT_CONVERSATION"));
    EXPECT_EQ(DeferUntil(d), Ny(2026, 4, 20, 8));
  }
  EXPECT_THAT(Check(CallRequest(Ny(2026, 4, 20, 8))), VerdictIs(v1::VERDICT_ALLOW));
  v1::CheckContactRequest other = CallRequest(Ny(2026, 4, 14, 10));
  other.set_debt_ids(0, kDebtB);
  EXPECT_THAT(Check(other), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, OptOutBindsForThatAddressOnly) {
  history_.AddOptOut(kCustomer, OptOut{"pref-3", common::v1::CHANNEL_SMS, "phone-1"});
  const std::string text = "Please call us. Reply STOP to opt out.";
  EXPECT_THAT(Check(SmsRequest(Ny(2026, 5, 4, 10), text)), HasCode("OPTED_OUT:pref-3"));
  v1::CheckContactRequest other = SmsRequest(Ny(2026, 5, 4, 10), text);
  other.mutable_contact_point()->set_contact_point_id("phone-2");
  EXPECT_THAT(Check(other), VerdictIs(v1::VERDICT_ALLOW));
  EXPECT_THAT(Check(CallRequest(Ny(2026, 5, 4, 10))), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, EmailsAndTextsCarryAnOptOutNotice) {
  EXPECT_THAT(Check(SmsRequest(Ny(2026, 5, 4, 10), "Please call us.")),
              HasCode("MISSING_OPT_OUT_NOTICE"));
  EXPECT_THAT(Check(SmsRequest(Ny(2026, 5, 4, 10), "Please call us. Reply STOP to opt out.")),
              VerdictIs(v1::VERDICT_ALLOW));
  v1::CheckContactRequest email = SmsRequest(Ny(2026, 5, 4, 10), "Hello. UNSUBSCRIBE here.");
  email.set_channel(common::v1::CHANNEL_EMAIL);
  EXPECT_THAT(Check(email), VerdictIs(v1::VERDICT_ALLOW));
  // A registered template was screened when registered.
  v1::CheckContactRequest templated = SmsRequest(Ny(2026, 5, 4, 10), "");
  templated.set_template_id("tpl-1");
  EXPECT_THAT(Check(templated), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, CeaseAllowsOnlyListedNotices) {
  history_.SetCease(kCustomer, CeaseRequest{"pref-4", {common::v1::CONTACT_PURPOSE_LEGAL_NOTICE}});
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 10)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("CEASE_COMMUNICATION:pref-4"));
  v1::CheckContactRequest legal = CallRequest(Ny(2026, 5, 4, 10));
  legal.set_purpose(common::v1::CONTACT_PURPOSE_LEGAL_NOTICE);
  EXPECT_THAT(Check(legal), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, AttorneyRepresentationBlocksDirectContact) {
  history_.SetAttorney(kCustomer, true);
  EXPECT_THAT(Check(CallRequest(Ny(2026, 5, 4, 10))), HasCode("ATTORNEY_REPRESENTED"));
  v1::CheckContactRequest attorney = CallRequest(Ny(2026, 5, 4, 10));
  attorney.set_counterparty(common::v1::COUNTERPARTY_ATTORNEY);
  attorney.set_related_contact_id("law-1");
  EXPECT_THAT(Check(attorney), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, ThirdPartyLocationContactOnceAndNeverMentionsTheDebt) {
  v1::CheckContactRequest r = CallRequest(Ny(2026, 5, 4, 10));
  r.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  r.set_related_contact_id("rc-5");
  r.set_purpose(common::v1::CONTACT_PURPOSE_LOCATE_DEBTOR);
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));  // no lost-contact rule

  v1::CheckContactRequest sms = r;
  sms.set_channel(common::v1::CHANNEL_SMS);
  sms.set_message_text("John owes us a DEBT; ask him to call. Reply STOP to opt out.");
  const v1::ContactDecision leak = Check(sms);
  EXPECT_THAT(leak, HasCode("THIRD_PARTY_DISCLOSURE"));
  EXPECT_THAT(leak, HasCode("PROHIBITED_WORDING:en.third_party.1"));

  history_.AddThirdPartyContact(kCustomer, "rc-5");
  EXPECT_THAT(Check(r), HasCode("THIRD_PARTY_ALREADY_CONTACTED"));
  v1::CheckContactRequest another = r;
  another.set_related_contact_id("rc-6");
  EXPECT_THAT(Check(another), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, NoThreatOfSuitOnTimeBarredDebt) {
  const std::string text = "We may file a LAWSUIT. Reply STOP to opt out.";
  EXPECT_THAT(Check(SmsRequest(Ny(2026, 5, 4, 10), text)), VerdictIs(v1::VERDICT_ALLOW));
  history_.SetTimeBarred(kDebtA, true);
  const v1::ContactDecision d = Check(SmsRequest(Ny(2026, 5, 4, 10), text));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("TIME_BARRED_SUIT_THREAT"));
  EXPECT_THAT(d, HasCode("PROHIBITED_WORDING:en.time_barred.1"));
}

TEST_F(UsRegFTest, DisputeInValidationPeriodBlocksCollectionUntilVerificationSent) {
  history_.SetDispute(kCustomer, kDebtA, OpenDispute{"disp-2", /*within_validation_period=*/false});
  EXPECT_THAT(Check(CallRequest(Ny(2026, 5, 4, 10))), VerdictIs(v1::VERDICT_ALLOW));
  history_.SetDispute(kCustomer, kDebtA, OpenDispute{"disp-3", true});
  EXPECT_THAT(Check(CallRequest(Ny(2026, 5, 4, 10))), HasCode("DISPUTE_PENDING:disp-3"));
  v1::CheckContactRequest notice = CallRequest(Ny(2026, 5, 4, 10));
  notice.set_purpose(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  EXPECT_THAT(Check(notice), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, EmployerProvidedEmailDenied) {
  history_.AddEmployerProvidedEmail(kCustomer, "work-mail");
  v1::CheckContactRequest email = SmsRequest(Ny(2026, 5, 4, 10), "Hello. Unsubscribe: link");
  email.set_channel(common::v1::CHANNEL_EMAIL);
  email.mutable_contact_point()->set_contact_point_id("work-mail");
  EXPECT_THAT(Check(email), HasCode("EMPLOYER_EMAIL"));
  email.mutable_contact_point()->set_contact_point_id("home-mail");
  EXPECT_THAT(Check(email), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(UsRegFTest, ProhibitedWordingInEnglishIsCaseInsensitive) {
  const v1::ContactDecision d =
      Check(SmsRequest(Ny(2026, 5, 4, 10), "This Is The POLICE. Reply STOP to opt out."));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("PROHIBITED_WORDING:en.impersonation.police.1"));
}

TEST_F(UsRegFTest, CallsNeedNoRecording) {
  v1::CheckContactRequest r = CallRequest(Ny(2026, 5, 4, 10));
  r.set_call_recording_on(false);
  EXPECT_THAT(Check(r), VerdictIs(v1::VERDICT_ALLOW));
}

}  // namespace
}  // namespace arrears::compliance::policy
