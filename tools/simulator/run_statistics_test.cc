#include "tools/simulator/run_statistics.h"

#include "arrears/compliance/v1/decision_events.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

events::Event Wrap(const std::string& topic, const std::string& id,
                   const google::protobuf::Message& payload) {
  events::Event event;
  event.topic = topic;
  event.envelope.id = id;
  payload.SerializeToString(&event.payload);
  return event;
}

events::Event Delinquency(const std::string& id, const std::string& loan, int64_t sequence,
                          delinquency::v1::DelinquencyEventKind kind,
                          delinquency::v1::DelinquencyState state, const std::string& bucket,
                          int ordinal, int64_t overdue) {
  delinquency::v1::DelinquencyEvent event;
  event.set_loan_id(loan);
  event.set_kind(kind);
  event.set_loan_sequence(sequence);
  event.mutable_snapshot()->set_state(state);
  event.mutable_snapshot()->mutable_bucket()->set_code(bucket);
  event.mutable_snapshot()->mutable_bucket()->set_ordinal(ordinal);
  event.mutable_snapshot()->mutable_total_overdue()->set_amount_minor(overdue);
  return Wrap(topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name(), id, event);
}

TEST(RunStatisticsTest, KeepsTheLatestSnapshotPerLoanAndCountsCures) {
  using delinquency::v1::DELINQUENCY_STATE_CURRENT;
  using delinquency::v1::DELINQUENCY_STATE_DELINQUENT;
  RunStatistics stats;
  stats.Ingest(Delinquency("e1", "L1", 1, delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED,
                           DELINQUENCY_STATE_DELINQUENT, "M1", 1, 500));
  stats.Ingest(Delinquency("e2", "L2", 1, delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED,
                           DELINQUENCY_STATE_DELINQUENT, "M1", 1, 700));
  EXPECT_EQ(stats.live().delinquent_loans, 2);
  stats.Ingest(Delinquency("e3", "L1", 2, delinquency::v1::DELINQUENCY_EVENT_KIND_CURED,
                           DELINQUENCY_STATE_CURRENT, "CURRENT", 0, 0));
  // An older event redelivered after a newer one changes nothing.
  stats.Ingest(Delinquency("e1b", "L1", 1, delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED,
                           DELINQUENCY_STATE_DELINQUENT, "M1", 1, 500));
  // The same event twice counts once.
  stats.Ingest(Delinquency("e3", "L1", 2, delinquency::v1::DELINQUENCY_EVENT_KIND_CURED,
                           DELINQUENCY_STATE_CURRENT, "CURRENT", 0, 0));
  EXPECT_EQ(stats.live().delinquent_loans, 1);
  EXPECT_EQ(stats.live().cured, 1);
  const StatisticsSnapshot snapshot = stats.Snapshot();
  EXPECT_EQ(snapshot.loans_by_bucket.at("M1"), 1);
  EXPECT_EQ(snapshot.overdue_by_bucket.at("M1"), 700);
  EXPECT_EQ(snapshot.loans_by_bucket.at("CURRENT"), 1);
  EXPECT_EQ(snapshot.bucket_ordinals.at("M1"), 1);
  EXPECT_EQ(snapshot.delinquency_events.at("DELINQUENCY_EVENT_KIND_STARTED"), 3);
}

TEST(RunStatisticsTest, CountsContactsDecisionsCasesAndDeadLetters) {
  RunStatistics stats;
  const std::string contacts = topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name();
  contact::v1::ContactEvent sent;
  sent.set_attempt_id("A1");
  sent.set_channel(common::v1::CHANNEL_SMS);
  sent.set_outcome(contact::v1::CONTACT_OUTCOME_SENT);
  stats.Ingest(Wrap(contacts, "c1", sent));
  sent.set_outcome(contact::v1::CONTACT_OUTCOME_DELIVERED);
  stats.Ingest(Wrap(contacts, "c2", sent));
  sent.set_outcome(contact::v1::CONTACT_OUTCOME_CANCELLED);
  sent.set_outcome_reason("CURED");
  stats.Ingest(Wrap(contacts, "c3", sent));

  const std::string decisions = topics::Spec(topics::v1::TOPIC_COMPLIANCE_DECISIONS).name();
  compliance::v1::ComplianceDecisionEvent decision;
  decision.mutable_request()->set_channel(common::v1::CHANNEL_VOICE_CALL);
  decision.mutable_decision()->set_verdict(compliance::v1::VERDICT_DEFER);
  decision.mutable_decision()->add_reason_codes("QUIET_HOURS");
  stats.Ingest(Wrap(decisions, "d1", decision));
  decision.mutable_decision()->set_verdict(compliance::v1::VERDICT_DENY);
  stats.Ingest(Wrap(decisions, "d2", decision));

  const std::string cases = topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name();
  strategy::v1::CaseEvent opened;
  opened.set_case_id("K1");
  opened.mutable_case_opened()->set_loan_id("L1");
  opened.mutable_case_snapshot()->mutable_strategy()->set_strategy_id("default-retail");
  opened.mutable_case_snapshot()->mutable_strategy()->set_variant("champion");
  stats.Ingest(Wrap(cases, "k1", opened));
  strategy::v1::CaseEvent proposed = opened;
  proposed.mutable_plan_proposed()->mutable_plan()->set_plan_id("P1");
  stats.Ingest(Wrap(cases, "k1-proposed", proposed));
  stats.Ingest(Wrap(cases, "k1-proposed", proposed));  // redelivered
  strategy::v1::CaseEvent accepted = opened;
  accepted.mutable_plan_accepted()->mutable_plan()->set_plan_id("P1");
  stats.Ingest(Wrap(cases, "k1-accepted", accepted));
  strategy::v1::CaseEvent closed = opened;
  closed.mutable_case_closed()->set_reason("ALL_CURED");
  stats.Ingest(Wrap(cases, "k2", closed));

  events::Event poison;
  poison.topic = contacts + ".dlq";
  poison.envelope.id = "x";
  stats.Ingest(poison);
  events::Event garbage = Wrap(contacts, "bad", sent);
  garbage.payload = "\x0f garbage";
  stats.Ingest(garbage);

  const StatisticsSnapshot snapshot = stats.Snapshot();
  EXPECT_EQ(snapshot.live.contacts_sent, 1);
  EXPECT_EQ(snapshot.live.deferred, 1);
  EXPECT_EQ(snapshot.live.denied, 1);
  EXPECT_EQ((snapshot.contact_events.at({"SMS", "DELIVERED"})), 1);
  EXPECT_EQ(snapshot.attempts_by_channel.at("SMS"), 1);
  EXPECT_EQ(snapshot.contact_reasons.at("CANCELLED/CURED"), 1);
  EXPECT_EQ(snapshot.decisions_by_reason.at("QUIET_HOURS"), 2);
  EXPECT_EQ((snapshot.decisions_by_channel.at({"VOICE_CALL", "DENY"})), 1);
  EXPECT_EQ(snapshot.cases_opened, 1);
  const VariantTally& tally = snapshot.variants.at({"default-retail", "champion"});
  EXPECT_EQ(tally.cases, 1);
  EXPECT_EQ(tally.cured, 1);
  EXPECT_EQ(tally.plans_proposed, 1);
  EXPECT_EQ(tally.plans_accepted, 1);
  EXPECT_EQ(snapshot.plans_proposed, 1);
  EXPECT_EQ(snapshot.plans_accepted, 1);
  EXPECT_EQ(snapshot.cases_closed_by_reason.at("ALL_CURED"), 1);
  EXPECT_EQ(snapshot.dead_letters.at(contacts + ".dlq"), 1);
  EXPECT_EQ(snapshot.unreadable, 1);
}

TEST(RunStatisticsTest, FindsContactsSentWithoutAnAllowOrSentTwice) {
  RunStatistics stats;
  const std::string contacts = topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name();
  const std::string decisions = topics::Spec(topics::v1::TOPIC_COMPLIANCE_DECISIONS).name();
  auto sent = [&](const std::string& event_id, const std::string& attempt,
                  const std::string& decision_id) {
    contact::v1::ContactEvent event;
    event.set_attempt_id(attempt);
    event.set_channel(common::v1::CHANNEL_SMS);
    event.set_outcome(contact::v1::CONTACT_OUTCOME_SENT);
    event.mutable_compliance_decision()->set_decision_id(decision_id);
    stats.Ingest(Wrap(contacts, event_id, event));
  };
  auto decided = [&](const std::string& event_id, const std::string& decision_id,
                     compliance::v1::Verdict verdict) {
    compliance::v1::ComplianceDecisionEvent event;
    event.mutable_decision()->set_decision_id(decision_id);
    event.mutable_decision()->set_verdict(verdict);
    stats.Ingest(Wrap(decisions, event_id, event));
  };
  // The contact may be seen before its decision: checked at snapshot time.
  sent("s1", "A1", "D1");
  decided("d1", "D1", compliance::v1::VERDICT_ALLOW);
  sent("s1", "A1", "D1");  // a redelivery (same ce_id): not a second send
  EXPECT_EQ(stats.Snapshot().sent_without_allow, 0);
  EXPECT_EQ(stats.Snapshot().attempts_sent_twice, 0);

  decided("d2", "D2", compliance::v1::VERDICT_DEFER);
  sent("s2", "A2", "D2");  // sent on a DEFER
  sent("s3", "A3", "");    // sent with no decision at all
  sent("s4", "A1", "D1");  // the first attempt sent again
  const StatisticsSnapshot snapshot = stats.Snapshot();
  EXPECT_EQ(snapshot.sent_without_allow, 2);
  EXPECT_EQ(snapshot.attempts_sent_twice, 1);
}

}  // namespace
}  // namespace arrears::simulator
