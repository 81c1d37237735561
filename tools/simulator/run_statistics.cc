#include "tools/simulator/run_statistics.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/topics/topics.h"

namespace arrears::simulator {
namespace {

const std::string& TopicName(topics::v1::Topic topic) { return topics::Spec(topic).name(); }

std::string ChannelName(common::v1::Channel channel) {
  std::string name = common::v1::Channel_Name(channel);
  return absl::StartsWith(name, "CHANNEL_") ? name.substr(8) : name;
}

}  // namespace

void RunStatistics::Ingest(const events::Event& event) {
  absl::MutexLock lock(&mu_);
  if (!seen_.insert(absl::StrCat(event.topic, "\n", event.envelope.id)).second) return;
  ++totals_.events_by_topic[event.topic];
  if (absl::EndsWith(event.topic, ".dlq")) {
    ++totals_.dead_letters[event.topic];
  } else if (event.topic == TopicName(topics::v1::TOPIC_DELINQUENCY_EVENTS)) {
    IngestDelinquency(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_CONTACT_EVENTS)) {
    IngestContact(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_COMPLIANCE_DECISIONS)) {
    IngestDecision(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_CASE_EVENTS)) {
    IngestCase(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_CONTACT_REQUESTS)) {
    IngestRequest(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_PLAN_EVENTS)) {
    IngestPlan(event);
  } else if (event.topic == TopicName(topics::v1::TOPIC_AUDIT_CHECKPOINTS)) {
    ++totals_.audit_checkpoints;
  }
}

void RunStatistics::IngestDelinquency(const events::Event& event) {
  delinquency::v1::DelinquencyEvent delinquency;
  if (!delinquency.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  ++totals_.delinquency_events[delinquency::v1::DelinquencyEventKind_Name(delinquency.kind())];
  if (delinquency.kind() == delinquency::v1::DELINQUENCY_EVENT_KIND_CURED) ++totals_.live.cured;
  if (!delinquency.has_snapshot()) return;
  LoanState& loan = loans_[delinquency.loan_id()];
  // Keep only the latest snapshot (events may be redelivered or reordered
  // across a rebalance).
  if (delinquency.loan_sequence() <= loan.sequence) return;
  const delinquency::v1::DelinquencySnapshot& snapshot = delinquency.snapshot();
  const std::string state = delinquency::v1::DelinquencyState_Name(snapshot.state());
  const std::string delinquent =
      delinquency::v1::DelinquencyState_Name(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
  if (loan.state == delinquent) --totals_.live.delinquent_loans;
  if (state == delinquent) ++totals_.live.delinquent_loans;
  loan.sequence = delinquency.loan_sequence();
  loan.state = state;
  loan.bucket = snapshot.bucket().code();
  loan.overdue_minor = snapshot.total_overdue().amount_minor();
  if (!snapshot.bucket().code().empty()) {
    totals_.bucket_ordinals[snapshot.bucket().code()] = snapshot.bucket().ordinal();
  }
}

void RunStatistics::IngestContact(const events::Event& event) {
  contact::v1::ContactEvent contact;
  if (!contact.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  const std::string channel = ChannelName(contact.channel());
  std::string outcome = contact::v1::ContactOutcome_Name(contact.outcome());
  if (absl::StartsWith(outcome, "CONTACT_OUTCOME_")) outcome = outcome.substr(16);
  ++totals_.contact_events[{channel, outcome}];
  const std::string& reason =
      contact.outcome_reason().empty() ? contact.failure_code() : contact.outcome_reason();
  if (!reason.empty()) ++totals_.contact_reasons[absl::StrCat(outcome, "/", reason)];
  if (contact.outcome() == contact::v1::CONTACT_OUTCOME_SENT) {
    ++totals_.live.contacts_sent;
    sent_decisions_by_attempt_[contact.attempt_id()].push_back(
        contact.compliance_decision().decision_id());
  }
  if (!contact.attempt_id().empty() && attempts_.insert(contact.attempt_id()).second) {
    ++totals_.attempts_by_channel[channel];
  }
}

void RunStatistics::IngestDecision(const events::Event& event) {
  compliance::v1::ComplianceDecisionEvent decision;
  if (!decision.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  std::string verdict = compliance::v1::Verdict_Name(decision.decision().verdict());
  if (absl::StartsWith(verdict, "VERDICT_")) verdict = verdict.substr(8);
  ++totals_.decisions_by_verdict[verdict];
  ++totals_.decisions_by_channel[{ChannelName(decision.request().channel()), verdict}];
  for (const std::string& reason : decision.decision().reason_codes()) {
    ++totals_.decisions_by_reason[reason];
  }
  if (decision.decision().verdict() == compliance::v1::VERDICT_ALLOW) {
    allowed_decisions_.insert(decision.decision().decision_id());
  }
  if (decision.decision().verdict() == compliance::v1::VERDICT_DENY) ++totals_.live.denied;
  if (decision.decision().verdict() == compliance::v1::VERDICT_DEFER) ++totals_.live.deferred;
}

void RunStatistics::IngestCase(const events::Event& event) {
  strategy::v1::CaseEvent case_event;
  if (!case_event.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  CaseState& state = cases_[case_event.case_id()];
  if (case_event.has_case_opened()) ++totals_.cases_opened;
  const strategy::v1::StrategyAssignment& strategy = case_event.case_snapshot().strategy();
  if (state.variant.first.empty() && !strategy.strategy_id().empty()) {
    state.variant = {strategy.strategy_id(), strategy.variant()};
    ++totals_.variants[state.variant].cases;
  }
  if (case_event.has_plan_proposed() || case_event.has_plan_accepted()) {
    const bool accepted = case_event.has_plan_accepted();
    ++(accepted ? totals_.plans_accepted : totals_.plans_proposed);
    if (!state.variant.first.empty()) {
      VariantTally& tally = totals_.variants[state.variant];
      ++(accepted ? tally.plans_accepted : tally.plans_proposed);
    }
  }
  if (case_event.has_case_closed() && !state.closed) {
    state.closed = true;
    ++totals_.cases_closed_by_reason[case_event.case_closed().reason()];
    if (!state.variant.first.empty()) {
      VariantTally& tally = totals_.variants[state.variant];
      ++tally.closed;
      if (case_event.case_closed().reason() == "ALL_CURED") ++tally.cured;
    }
  }
}

void RunStatistics::IngestRequest(const events::Event& event) {
  strategy::v1::ContactRequest request;
  if (!request.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  if (request.has_contact()) {
    ++totals_.requests_by_channel[ChannelName(request.contact().channel())];
  } else if (request.has_cancel_pending()) {
    ++totals_.requests_by_channel["(cancel pending)"];
  }
}

void RunStatistics::IngestPlan(const events::Event& event) {
  strategy::v1::RepaymentPlanEvent plan;
  if (!plan.ParseFromString(event.payload)) {
    ++totals_.unreadable;
    return;
  }
  ++totals_.plan_events[plan.has_plan_agreed()      ? "plan_agreed"
                        : plan.has_plan_cancelled() ? "plan_cancelled"
                                                    : "other"];
}

LiveCounts RunStatistics::live() const {
  absl::MutexLock lock(&mu_);
  return totals_.live;
}

StatisticsSnapshot RunStatistics::Snapshot() const {
  absl::MutexLock lock(&mu_);
  StatisticsSnapshot snapshot = totals_;
  for (const auto& [loan_id, loan] : loans_) {
    ++snapshot.loans_by_state[loan.state];
    if (loan.bucket.empty()) continue;
    ++snapshot.loans_by_bucket[loan.bucket];
    snapshot.overdue_by_bucket[loan.bucket] += loan.overdue_minor;
  }
  for (const auto& [attempt_id, decisions] : sent_decisions_by_attempt_) {
    if (decisions.size() > 1) ++snapshot.attempts_sent_twice;
    for (const std::string& decision_id : decisions) {
      if (decision_id.empty() || !allowed_decisions_.contains(decision_id)) {
        ++snapshot.sent_without_allow;
      }
    }
  }
  return snapshot;
}

}  // namespace arrears::simulator
