#include "services/strategy_routing/decision_engine.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/strategy_loader.h"
#include "services/strategy_routing/testing/scripted_case.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Outcome;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::CivilDay kDueDate(2026, 3, 10);  // dpd counts from here

const Strategy& DefaultStrategy() {
  static const Strategy* strategy = [] {
    absl::StatusOr<Strategy> loaded = LoadStrategyFile(STRATEGY_DEFAULT_YAML);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new Strategy(std::move(loaded).value());
  }();
  return *strategy;
}

// A case id that the default strategy assigns to `variant`.
std::string CaseIdFor(absl::string_view variant) {
  for (int i = 0;; ++i) {
    std::string id = absl::StrCat("case-", i);
    if (DefaultStrategy().AssignVariant(id) == variant) return id;
  }
}

// Drives one customer's case day by day: a loan event per day (dpd grows),
// then Decide + ApplyDecision, as the service does.
class Script {
 public:
  explicit Script(absl::string_view variant = "champion") : case_id_(CaseIdFor(variant)) {
    absl::StatusOr<std::unique_ptr<DecisionEngine>> engine =
        DecisionEngine::Create({DefaultStrategy()}, "default-retail");
    EXPECT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(engine).value();
  }

  absl::CivilDay DateOf(int dpd) const { return kDueDate + dpd; }

  // The loan event for `dpd` (opening the case on the first call).
  void Loan(int dpd, int64_t overdue_minor = 100'000) {
    const delinquency::v1::DelinquencyEvent event =
        LoanEvent("loan-1", ++sequence_, DateOf(dpd), dpd, overdue_minor);
    if (!case_) {
      absl::StatusOr<CollectionCase> opened = CollectionCase::Open(case_id_, event);
      ASSERT_TRUE(opened.ok()) << opened.status();
      case_ = std::move(opened).value();
    } else {
      ASSERT_OK(case_->OnDelinquency(event));
    }
    today_ = DateOf(dpd);
  }

  Decision Decide() {
    case_->EvaluatePromise(today_);
    Decision decision = engine_->Decide(*case_, today_);
    ApplyDecision(decision, today_, &*case_);
    return decision;
  }

  // Loan event for `dpd` then a decision; the emitted step ids.
  std::vector<std::string> Day(int dpd, int64_t overdue_minor = 100'000) {
    Loan(dpd, overdue_minor);
    return Steps(Decide());
  }

  static std::vector<std::string> Steps(const Decision& decision) {
    std::vector<std::string> steps;
    for (const ContactDecision& c : decision.contacts) steps.push_back(c.step);
    return steps;
  }

  void Contact(contact::v1::ContactOutcome outcome) {
    const std::string request_id =
        case_->LastTreatment() ? case_->LastTreatment()->request_id : std::string();
    ASSERT_OK(case_->OnContactOutcome(
        Outcome(outcome, today_, request_id, absl::StrCat("attempt-", ++attempts_))));
  }

  CollectionCase& kase() { return *case_; }
  const DecisionEngine& engine() const { return *engine_; }
  absl::CivilDay today() const { return today_; }

 private:
  std::string case_id_;
  std::unique_ptr<DecisionEngine> engine_;
  std::optional<CollectionCase> case_;
  int64_t sequence_ = 0;
  int attempts_ = 0;
  absl::CivilDay today_;
};

TEST(DefaultStrategyTest, MildCaseGetsSmsOnDay1AndCallOnDay3) {
  Script s;
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  EXPECT_THAT(s.Day(2), IsEmpty());
  EXPECT_THAT(s.Day(3), ElementsAre("d3-call"));
  s.Contact(contact::v1::CONTACT_OUTCOME_ANSWERED);
  for (int dpd = 4; dpd < 7; ++dpd) EXPECT_THAT(s.Day(dpd), IsEmpty()) << dpd;
  EXPECT_THAT(s.Day(7), ElementsAre("d7-education"));
  // The d15 call only runs when the previous contact got no answer; the
  // education message has no outcome yet, so it runs.
  EXPECT_THAT(s.Day(15), ElementsAre("d15-call"));
  EXPECT_EQ(s.kase().strategy().segment, "early");
}

TEST(DefaultStrategyTest, ChallengerGetsEarlyCallOnlyWhenSmsUnanswered) {
  Script s("early-call");
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  EXPECT_THAT(s.Day(2), ElementsAre("d2-call"));
  EXPECT_EQ(s.kase().strategy().variant, "early-call");

  Script answered("early-call");
  EXPECT_THAT(answered.Day(1), ElementsAre("d1-sms"));
  answered.Contact(contact::v1::CONTACT_OUTCOME_ANSWERED);
  EXPECT_THAT(answered.Day(2), IsEmpty());
  EXPECT_THAT(answered.Day(3), ElementsAre("d3-call"));
}

TEST(DefaultStrategyTest, LateOpenedCaseSkipsMissedSteps) {
  Script s;
  EXPECT_THAT(s.Day(8), ElementsAre("d7-education"));
  EXPECT_THAT(s.Day(9), IsEmpty());
}

TEST(DefaultStrategyTest, SevereLostContactGetsFieldVisit) {
  Script s;
  s.Loan(35);
  s.Contact(contact::v1::CONTACT_OUTCOME_LOST_CONTACT);
  const Decision decision = s.Decide();
  EXPECT_EQ(decision.segment, "field-lost-contact");
  ASSERT_THAT(decision.contacts, SizeIs(1));
  EXPECT_EQ(decision.contacts[0].channel, common::v1::CHANNEL_FIELD_VISIT);
}

TEST(DefaultStrategyTest, SevereReachableGetsCallNotVisit) {
  Script s;
  EXPECT_THAT(s.Day(35), ElementsAre("m2-call"));
  EXPECT_EQ(s.kase().strategy().segment, "severe-contactable");
}

TEST(DefaultStrategyTest, RefusingInM2GetsFieldVisit) {
  Script s;
  EXPECT_THAT(s.Day(40), ElementsAre("m2-call"));
  s.Contact(contact::v1::CONTACT_OUTCOME_REFUSED);
  const Decision decision = s.Decide();
  EXPECT_EQ(decision.segment, "field-refusing");
  EXPECT_THAT(Script::Steps(decision), ElementsAre("field-visit"));
}

TEST(DefaultStrategyTest, HardshipGetsPlanOfferNeverEscalation) {
  Script s;
  s.Loan(100);  // M4
  s.Contact(contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED);
  Decision decision = s.Decide();
  EXPECT_EQ(decision.segment, "hardship");
  ASSERT_THAT(decision.contacts, SizeIs(1));
  EXPECT_EQ(decision.contacts[0].plan_offer, PlanOffer::kNewSchedule);
  // Days later, still deeper in arrears: a deferral offer, never a visit,
  // agency or lawyer.
  for (int dpd = 101; dpd < 140; ++dpd) {
    s.Loan(dpd);
    for (const ContactDecision& c : s.Decide().contacts) {
      EXPECT_NE(c.channel, common::v1::CHANNEL_FIELD_VISIT);
      EXPECT_NE(c.channel, common::v1::CHANNEL_AGENCY_PLACEMENT);
      EXPECT_NE(c.channel, common::v1::CHANNEL_LEGAL_REFERRAL);
    }
  }
  EXPECT_TRUE(s.kase().StepEmitted("hardship", "deferral-offer-message"));
}

TEST(DefaultStrategyTest, HardshipFlagOverridesEscalationChannelsInAnySegment) {
  SegmentConditions any;
  Strategy strict = DefaultStrategy();
  strict.id = "strict";
  strict.segments = {
      Segment{.id = "legal",
              .conditions = any,
              .steps = {Step{.id = "refer", .channel = common::v1::CHANNEL_LEGAL_REFERRAL}}}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DecisionEngine> engine,
                       DecisionEngine::Create({strict}, "strict"));
  ASSERT_OK_AND_ASSIGN(
      CollectionCase c,
      CollectionCase::Open("case-x", LoanEvent("loan-1", 1, kDueDate + 200, 200, 5)));
  EXPECT_THAT(engine->Decide(c, kDueDate + 200).contacts, SizeIs(1));
  c.SetHardship(true);
  EXPECT_THAT(engine->Decide(c, kDueDate + 200).contacts, IsEmpty());
}

TEST(DefaultStrategyTest, OpenPromisePausesThenBrokenPromiseEscalates) {
  Script s;
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  s.Loan(2);
  ASSERT_OK(s.kase().RecordPromise("p-1",
                                   money::Money::FromMinor(50'000, money::Currency::Of("CNY")),
                                   s.DateOf(5), "collector-7"));
  // Paused until promised date + 3 days grace (dpd 8), although d3 and d7 fall due.
  for (int dpd = 3; dpd <= 8; ++dpd) {
    s.Loan(dpd);
    const Decision d = s.Decide();
    EXPECT_THAT(d.contacts, IsEmpty()) << dpd;
    EXPECT_EQ(d.idle_reason, "promise") << dpd;
  }
  // Nothing paid: broken on dpd 9, counted, escalated.
  EXPECT_THAT(s.Day(9), ElementsAre("broken-promise-call"));
  EXPECT_EQ(s.kase().broken_promise_count(), 1);
  ASSERT_THAT(s.kase().resolved_promises(), SizeIs(1));
  EXPECT_EQ(s.kase().resolved_promises()[0].state, v1::Promise::STATE_BROKEN);
}

TEST(DefaultStrategyTest, PromiseKeptWhenOverdueFallsByPromisedAmount) {
  Script s;
  s.Loan(2, 100'000);
  ASSERT_OK(s.kase().RecordPromise("p-1",
                                   money::Money::FromMinor(60'000, money::Currency::Of("CNY")),
                                   s.DateOf(5), "collector-7"));
  s.Loan(4, 50'000);  // 50,000 repaid: not yet enough
  EXPECT_TRUE(s.kase().open_promise().has_value());
  s.Loan(5, 39'000);  // 61,000 repaid
  EXPECT_FALSE(s.kase().open_promise().has_value());
  EXPECT_EQ(s.kase().resolved_promises().back().state, v1::Promise::STATE_KEPT);
  EXPECT_FALSE(s.kase().EvaluatePromise(s.DateOf(30)));
  EXPECT_EQ(s.kase().broken_promise_count(), 0);
}

TEST(DefaultStrategyTest, PromiseFromContactOutcomeIsRecordedOnce) {
  Script s;
  s.Loan(3);
  contact::v1::ContactEvent event =
      Outcome(contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY, s.today(), "", "attempt-9");
  *event.mutable_promise_to_pay()->mutable_amount() =
      ToProto(money::Money::FromMinor(10'000, money::Currency::Of("CNY")));
  *event.mutable_promise_to_pay()->mutable_promised_date() = ToProto(s.DateOf(6));
  ASSERT_OK(s.kase().OnContactOutcome(event));
  ASSERT_OK(s.kase().OnContactOutcome(event));  // replay
  ASSERT_TRUE(s.kase().open_promise().has_value());
  EXPECT_EQ(s.kase().open_promise()->grace_until, s.DateOf(9));
  EXPECT_THAT(s.kase().resolved_promises(), IsEmpty());
  EXPECT_EQ(s.kase().contactability(), v1::CONTACTABILITY_REACHABLE);
}

TEST(DefaultStrategyTest, DisputeHoldStopsContactWhileDpdKeepsGrowing) {
  Script s;
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  s.Contact(contact::v1::CONTACT_OUTCOME_DISPUTE);
  ASSERT_THAT(s.kase().holds(), SizeIs(1));
  EXPECT_EQ(s.kase().holds()[0].type, v1::HOLD_TYPE_DISPUTE);
  for (int dpd = 2; dpd <= 20; ++dpd) {
    s.Loan(dpd);
    const Decision d = s.Decide();
    EXPECT_THAT(d.contacts, IsEmpty()) << dpd;
    EXPECT_EQ(d.idle_reason, "hold");
  }
  EXPECT_EQ(s.kase().max_dpd(), 20);
  // Lifted: the path resumes where the clock is: the latest due step. The
  // d15 call needs an unanswered previous contact, but the SMS was answered
  // (with the dispute), so the d7 education message it is; d3 is skipped.
  ASSERT_OK(s.kase().LiftHold(s.kase().holds()[0].hold_id, "compliance"));
  EXPECT_THAT(s.Steps(s.Decide()), ElementsAre("d7-education"));
  EXPECT_FALSE(s.kase().StepEmitted("early", "d3-call"));
}

TEST(DefaultStrategyTest, CureClosesCaseAndStopsRequests) {
  Script s;
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  s.Loan(2);
  s.Loan(0, 0);  // repaid in full
  EXPECT_TRUE(s.kase().closed());
  EXPECT_EQ(s.kase().close_reason(), "ALL_CURED");
  const Decision d = s.Decide();
  EXPECT_THAT(d.contacts, IsEmpty());
  EXPECT_EQ(d.idle_reason, "closed");
  EXPECT_FALSE(s.kase().OnDelinquency(LoanEvent("loan-1", 99, s.DateOf(3), 3, 1)).ok());
}

TEST(DefaultStrategyTest, TwoLoansAggregateAndCloseOnlyWhenBothCured) {
  ASSERT_OK_AND_ASSIGN(
      CollectionCase c,
      CollectionCase::Open("case-1", LoanEvent("loan-a", 1, kDueDate + 5, 5, 1'000)));
  ASSERT_OK(c.OnDelinquency(LoanEvent("loan-b", 1, kDueDate + 5, 40, 2'500)));
  EXPECT_EQ(c.total_overdue().minor_units(), 3'500);
  EXPECT_EQ(c.max_dpd(), 40);
  EXPECT_EQ(c.max_bucket_ordinal(), 2);
  ASSERT_OK(c.OnDelinquency(LoanEvent("loan-a", 2, kDueDate + 6, 0, 0)));
  EXPECT_FALSE(c.closed());
  EXPECT_EQ(c.total_overdue().minor_units(), 2'500);
  // A stale (replayed) event changes nothing.
  ASSERT_OK(c.OnDelinquency(LoanEvent("loan-a", 1, kDueDate + 5, 5, 1'000)));
  EXPECT_EQ(c.total_overdue().minor_units(), 2'500);
  ASSERT_OK(c.OnDelinquency(LoanEvent("loan-b", 2, kDueDate + 6, 0, 0)));
  EXPECT_TRUE(c.closed());
}

TEST(DefaultStrategyTest, BrokenPromisesAndDeepArrearsLeadToLegal) {
  Script s;
  s.Loan(65);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(s.kase().RecordPromise(absl::StrCat("p-", i),
                                     money::Money::FromMinor(1'000, money::Currency::Of("CNY")),
                                     s.DateOf(65), "collector"));
    ASSERT_TRUE(s.kase().EvaluatePromise(s.DateOf(65) + 4));
  }
  const Decision d = s.Decide();
  EXPECT_EQ(d.segment, "legal-broken-promises");
  EXPECT_THAT(Script::Steps(d), ElementsAre("pre-legal-notice"));
}

TEST(DecisionEngineTest, DecideIsIdempotentAndApplyPreventsRepeats) {
  Script s;
  s.Loan(3);
  const Decision first = s.engine().Decide(s.kase(), s.today());
  const Decision second = s.engine().Decide(s.kase(), s.today());
  ASSERT_THAT(first.contacts, SizeIs(1));
  ASSERT_THAT(second.contacts, SizeIs(1));
  EXPECT_EQ(first.contacts[0].request_id, second.contacts[0].request_id);
  EXPECT_EQ(first.contacts[0].explanation, second.contacts[0].explanation);
  ApplyDecision(first, s.today(), &s.kase());
  ApplyDecision(first, s.today(), &s.kase());  // applying twice is harmless
  EXPECT_THAT(s.kase().treatments(), SizeIs(1));
  EXPECT_THAT(s.engine().Decide(s.kase(), s.today()).contacts, IsEmpty());
}

// Replaying the same history on a fresh case (a restart rebuilding state
// from the event stream) reproduces the same requests, ids included, and
// deciding twice on every day emits nothing twice.
TEST(DecisionEngineTest, ReplayReproducesRequestIdsOnceEach) {
  auto run = [](bool redeliver) {
    Script s;
    std::vector<std::string> ids;
    for (int dpd = 1; dpd <= 45; ++dpd) {
      for (int times = 0; times < (redeliver ? 2 : 1); ++times) {
        if (times == 0) s.Loan(dpd);
        for (const ContactDecision& c : s.Decide().contacts) ids.push_back(c.request_id);
      }
      if (dpd == 3) s.Contact(contact::v1::CONTACT_OUTCOME_NO_ANSWER);
    }
    return ids;
  };
  const std::vector<std::string> first = run(false);
  // d1-sms, d3-call, d7-education, d15-call, m2-call (dpd 31), m2 letter (+7).
  EXPECT_THAT(first, SizeIs(6));
  EXPECT_EQ(run(false), first);
  EXPECT_EQ(run(true), first);
}

TEST(DecisionEngineTest, ContactRequestCarriesReasonWindowAndIds) {
  Script s;
  s.Loan(1);
  const Decision d = s.Decide();
  ASSERT_THAT(d.contacts, SizeIs(1));
  const v1::ContactRequest request =
      ToContactRequest(s.kase(), d, d.contacts[0], absl::FromUnixSeconds(1'700'000'000));
  EXPECT_EQ(request.customer_id(), "cust-1");
  EXPECT_EQ(request.request_id(), d.contacts[0].request_id);
  const v1::ContactInstruction& contact = request.contact();
  EXPECT_EQ(contact.channel(), common::v1::CHANNEL_SMS);
  EXPECT_EQ(contact.template_id(), "gentle-reminder");
  EXPECT_EQ(contact.priority(), 200);
  EXPECT_THAT(contact.loan_ids(), ElementsAre("loan-1"));
  EXPECT_EQ(contact.reason().strategy_id(), "default-retail");
  EXPECT_EQ(contact.reason().strategy_version(), 1);
  EXPECT_EQ(contact.reason().segment(), "early");
  EXPECT_EQ(contact.reason().step(), "d1-sms");
  EXPECT_EQ(contact.reason().variant(), "champion");
  EXPECT_THAT(contact.reason().explanation(), ::testing::HasSubstr("dpd 1 >= 1"));
  // 09:00-20:00 Asia/Shanghai (UTC+8) on 2026-03-11.
  const absl::Time day_start_utc =
      absl::FromCivil(absl::CivilSecond(2026, 3, 11), absl::UTCTimeZone());
  EXPECT_EQ(FromTimestamp(contact.earliest_time()), day_start_utc + absl::Hours(1));
  EXPECT_EQ(FromTimestamp(contact.latest_time()), day_start_utc + absl::Hours(12));
}

TEST(DecisionEngineTest, RunningCaseKeepsItsVersionNewCaseTakesEffectiveOne) {
  Strategy v2 = DefaultStrategy();
  v2.version = 2;
  v2.effective_from = absl::CivilDay(2026, 3, 15);
  v2.segments[v2.segments.size() - 1].steps[0].template_id = "gentle-reminder-v2";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DecisionEngine> engine,
                       DecisionEngine::Create({DefaultStrategy(), v2}, "default-retail"));
  ASSERT_OK_AND_ASSIGN(CollectionCase running,
                       CollectionCase::Open("case-r", LoanEvent("loan-1", 1, kDueDate + 1, 1, 5)));
  ApplyDecision(engine->Decide(running, kDueDate + 1), kDueDate + 1, &running);
  EXPECT_EQ(running.strategy().version, 1);
  EXPECT_EQ(engine->StrategyFor(running, absl::CivilDay(2026, 4, 1))->version, 1);
  ASSERT_OK_AND_ASSIGN(
      CollectionCase fresh,
      CollectionCase::Open("case-f", LoanEvent("loan-2", 1, absl::CivilDay(2026, 4, 1), 1, 5)));
  EXPECT_EQ(engine->StrategyFor(fresh, absl::CivilDay(2026, 4, 1))->version, 2);
  EXPECT_FALSE(
      DecisionEngine::Create({DefaultStrategy(), DefaultStrategy()}, "default-retail").ok());
  EXPECT_FALSE(DecisionEngine::Create({DefaultStrategy()}, "nope").ok());
}

TEST(DecisionEngineTest, MigrateImmediatelyMovesRunningCasesOnTheEffectiveDate) {
  Strategy v2 = DefaultStrategy();
  v2.version = 2;
  v2.effective_from = absl::CivilDay(2026, 3, 15);
  v2.migration = MigrationRule::kMigrateImmediately;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DecisionEngine> engine,
                       DecisionEngine::Create({DefaultStrategy(), v2}, "default-retail"));
  ASSERT_OK_AND_ASSIGN(CollectionCase running,
                       CollectionCase::Open("case-r", LoanEvent("loan-1", 1, kDueDate + 1, 1, 5)));
  ApplyDecision(engine->Decide(running, kDueDate + 1), kDueDate + 1, &running);
  EXPECT_EQ(running.strategy().version, 1);
  EXPECT_EQ(engine->StrategyFor(running, absl::CivilDay(2026, 3, 14))->version, 1);
  // The effective date is on the case's agenda (a DPD boundary comes first
  // here); from that date on the case runs v2, on the same segment and path
  // position (d1 is not repeated).
  EXPECT_EQ(engine->NextDecisionDate(running, kDueDate + 1), kDueDate + 2);
  const Decision on_the_day = engine->Decide(running, absl::CivilDay(2026, 3, 15));
  EXPECT_EQ(on_the_day.strategy_version, 2);
  EXPECT_EQ(on_the_day.segment, "early");
  for (const ContactDecision& c : on_the_day.contacts) EXPECT_NE(c.step, "d1-sms");
}

// migrate_at_next_step: no wake-up on the effective date; the case moves at
// its own next decision, which says so.
TEST(DecisionEngineTest, MigrateAtNextStepMovesRunningCasesAtTheirNextDecision) {
  auto engine_with = [](MigrationRule rule) {
    Strategy v2 = DefaultStrategy();
    v2.version = 2;
    v2.effective_from = kDueDate + 5;
    v2.migration = rule;
    absl::StatusOr<std::unique_ptr<DecisionEngine>> engine =
        DecisionEngine::Create({DefaultStrategy(), v2}, "default-retail");
    EXPECT_OK(engine.status());
    return std::move(engine).value();
  };
  const std::unique_ptr<DecisionEngine> next_step = engine_with(MigrationRule::kMigrateAtNextStep);
  const std::unique_ptr<DecisionEngine> immediately =
      engine_with(MigrationRule::kMigrateImmediately);
  const std::unique_ptr<DecisionEngine> keep = engine_with(MigrationRule::kKeepVersion);
  ASSERT_OK_AND_ASSIGN(CollectionCase running,
                       CollectionCase::Open(CaseIdFor("champion"),
                                            LoanEvent("loan-1", 1, kDueDate + 1, 1, 100'000)));
  ApplyDecision(next_step->Decide(running, kDueDate + 1), kDueDate + 1, &running);
  ASSERT_OK(running.OnDelinquency(LoanEvent("loan-1", 2, kDueDate + 3, 3, 100'000)));
  const Decision d3 = next_step->Decide(running, kDueDate + 3);
  EXPECT_EQ(d3.strategy_version, 1);
  EXPECT_EQ(d3.migrated_from_version, 0);
  ApplyDecision(d3, kDueDate + 3, &running);
  ASSERT_EQ(running.strategy().version, 1);

  // Immediately: the effective date is on the agenda; at the next step: the
  // case's own next date (d7) is.
  EXPECT_EQ(immediately->NextDecisionDate(running, kDueDate + 3), kDueDate + 5);
  EXPECT_EQ(next_step->NextDecisionDate(running, kDueDate + 3), kDueDate + 7);
  EXPECT_EQ(keep->NextDecisionDate(running, kDueDate + 3), kDueDate + 5);

  running.AdvanceBusinessDate(kDueDate + 7);
  const Decision moved = next_step->Decide(running, kDueDate + 7);
  EXPECT_EQ(moved.strategy_version, 2);
  EXPECT_EQ(moved.migrated_from_version, 1);
  EXPECT_EQ(moved.migration_rule, MigrationRule::kMigrateAtNextStep);
  ASSERT_THAT(moved.contacts, SizeIs(1));
  EXPECT_THAT(moved.contacts[0].explanation,
              ::testing::HasSubstr("strategy version 1 -> 2 (migrate_at_next_step)"));
  const Decision kept = keep->Decide(running, kDueDate + 7);
  EXPECT_EQ(kept.strategy_version, 1);
  EXPECT_EQ(kept.migrated_from_version, 0);
  ApplyDecision(moved, kDueDate + 7, &running);
  EXPECT_EQ(running.strategy().version, 2);
  // Moved once: the next decision is on v2 without migrating again.
  EXPECT_EQ(next_step->Decide(running, kDueDate + 8).migrated_from_version, 0);
}

TEST(DecisionEngineTest, NextDecisionDateIsTheNextStepOrDpdBoundary) {
  Script s;
  EXPECT_THAT(s.Day(1), ElementsAre("d1-sms"));
  // Champion: d2-call is the challenger's only; but dpd 2 is a boundary of
  // the path (a DPD-anchored step), so the engine wakes the case then.
  EXPECT_EQ(s.engine().NextDecisionDate(s.kase(), s.today()), s.DateOf(2));
  EXPECT_THAT(s.Day(3), ElementsAre("d3-call"));
  EXPECT_EQ(s.engine().NextDecisionDate(s.kase(), s.today()), s.DateOf(7));
  // Extra boundaries (the scorecard's) come in too.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DecisionEngine> engine,
                       DecisionEngine::Create({DefaultStrategy()}, "default-retail", {4}));
  EXPECT_EQ(engine->NextDecisionDate(s.kase(), s.today()), s.DateOf(4));
  // A segment-entry path: severe-contactable's letter 7 days after entry.
  Script severe;
  EXPECT_THAT(severe.Day(35), ElementsAre("m2-call"));
  EXPECT_EQ(severe.engine().NextDecisionDate(severe.kase(), severe.today()), severe.DateOf(42));
  // Closed cases have no agenda.
  severe.Loan(0, 0);
  EXPECT_EQ(severe.engine().NextDecisionDate(severe.kase(), severe.today()), std::nullopt);
}

}  // namespace
}  // namespace arrears::strategy
