// Several packs at once: the most restrictive outcome wins, and defer_until
// satisfies every pack's time rules together.
#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr char kNewYork[] = "America/New_York";

absl::Time Ny(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return Local(kNewYork, y, mo, d, h, mi, s);
}

class CombinedPacksTest : public ::testing::Test {
 protected:
  // A debtor under both packs (e.g. a CN lender's customer living in New York).
  CombinedPacksTest() : engine_(ShippedEngine()) {
    history_.AddJurisdiction(kCustomer, "CN");
    history_.AddJurisdiction(kCustomer, "US");
    history_.AddTimeZone(kCustomer, kNewYork);
  }
  v1::ContactDecision Check(const v1::CheckContactRequest& r) {
    return engine_->CheckContact(r, history_, FromTimestamp(r.proposed_time()));
  }
  static v1::Verdict PackVerdict(const v1::ContactDecision& d, absl::string_view pack_id) {
    for (const auto& p : d.pack_verdicts()) {
      if (p.policy().pack_id() == pack_id) return p.verdict();
    }
    return v1::VERDICT_UNSPECIFIED;
  }
  std::unique_ptr<PolicyEngine> engine_;
  InMemoryContactHistory history_;
};

TEST_F(CombinedPacksTest, BothPacksEvaluatedAndCited) {
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 10)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_ALLOW));
  ASSERT_EQ(d.policies_size(), 2);
  EXPECT_EQ(d.policies(0).pack_id(), "cn-default");
  EXPECT_EQ(d.policies(1).pack_id(), "us-regf-default");
  EXPECT_EQ(d.check_id(), "check-1");
  EXPECT_EQ(FromTimestamp(d.decide_time()), Ny(2026, 5, 4, 10));
}

TEST_F(CombinedPacksTest, DeferBeatsAllow) {
  // 21:30: inside cn-default's 22:00 window, outside Regulation F's 21:00.
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 21, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_EQ(PackVerdict(d, "cn-default"), v1::VERDICT_ALLOW);
  EXPECT_EQ(PackVerdict(d, "us-regf-default"), v1::VERDICT_DEFER);
  EXPECT_THAT(d, HasCode("QUIET_HOURS"));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 5, 8));
}

TEST_F(CombinedPacksTest, DenyBeatsDefer) {
  // Not in the validation period: Regulation F lets it pass, cn-default does
  // not; at 21:30 Regulation F defers.
  history_.SetDispute(kCustomer, kDebtA, OpenDispute{"disp-9", false});
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 21, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_EQ(PackVerdict(d, "cn-default"), v1::VERDICT_DENY);
  EXPECT_EQ(PackVerdict(d, "us-regf-default"), v1::VERDICT_DEFER);
  EXPECT_THAT(d, HasCode("DISPUTE_PENDING"));
  EXPECT_FALSE(d.has_defer_until());
}

TEST_F(CombinedPacksTest, DeferUntilSatisfiesEveryPackAtOnce) {
  // cn-default: 3 connected calls today → not before tomorrow 00:00 (its
  // window then says 08:00). Regulation F: a conversation on 05-01 blocks
  // calls through 05-07 → 05-08 08:00. The combined answer is the later one.
  history_.AddCall(kCustomer, Call(Ny(2026, 5, 1, 11), CallOutcome::kConversation));
  for (int i = 0; i < 3; ++i) {
    history_.AddCall(kCustomer, Call(Ny(2026, 5, 4, 9 + i), CallOutcome::kConnected, "phone-1",
                                     "ag-1", {kDebtB}));
  }
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 12)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("CONNECTED_CALL_CAP"));
  EXPECT_THAT(d, HasCode("RECENT_CONVERSATION"));
  ASSERT_EQ(d.pack_verdicts_size(), 2);
  EXPECT_EQ(FromTimestamp(d.pack_verdicts(0).defer_until()), Ny(2026, 5, 5, 8));
  EXPECT_EQ(FromTimestamp(d.pack_verdicts(1).defer_until()), Ny(2026, 5, 8, 8));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 8, 8));
}

TEST_F(CombinedPacksTest, DayCapAndWindowFromDifferentPacksCombine) {
  // cn-default: the phone's six unanswered dials today block it until local
  // midnight; Regulation F's window blocks 21:30 until 08:00. Each pack's
  // answer is re-checked under the other's rules: 08:00 tomorrow passes both.
  for (int i = 0; i < 6; ++i) {
    history_.AddCall(kCustomer, Call(Ny(2026, 5, 4, 8, 10 * i), CallOutcome::kUnanswered));
  }
  const v1::ContactDecision d = Check(CallRequest(Ny(2026, 5, 4, 21, 30)));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DEFER));
  EXPECT_THAT(d, HasCode("DIAL_ATTEMPT_CAP"));
  EXPECT_THAT(d, HasCode("QUIET_HOURS"));
  EXPECT_EQ(DeferUntil(d), Ny(2026, 5, 5, 8));
}

TEST_F(CombinedPacksTest, ScreeningHitsReportedOnceWithRuleIds) {
  v1::CheckContactRequest r =
      SmsRequest(Ny(2026, 5, 4, 10), "You deadbeat 老赖, reply STOP to opt out");
  const v1::ContactDecision d = Check(r);
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("PROHIBITED_WORDING:en.insult.1"));
  EXPECT_THAT(d, HasCode("PROHIBITED_WORDING:cn.insult.1"));
  ASSERT_EQ(d.screening_matches_size(), 2);
  EXPECT_EQ(d.screening_matches(0).rule_id(), "en.insult.1");
  EXPECT_EQ(d.screening_matches(0).offset(), 4);
  EXPECT_EQ(d.screening_matches(1).rule_id(), "cn.insult.1");
  EXPECT_EQ(d.screening_matches(1).matched_text(), "老赖");
}

}  // namespace
}  // namespace arrears::compliance::policy
