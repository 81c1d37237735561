// DebtorResponder: what the simulated people do when the services reach out.
//
// The services decide, contact and record; in a real bank debtors answer the
// phone, collectors write down what was said, and debtors accept plans in the
// app. The simulator plays those people, from the downstream topics:
//   - a call the dialer reports ANSWERED (arrears.contact.events.v1, voice,
//     debtor): the collector records the conversation's outcome by the
//     debtor's behaviour: a promise to pay on the date the debtor will in
//     fact pay (or a week out, for one that will not), "claims paid" when
//     nothing is owed, a hardship declaration, a refusal, or a wrong party
//     for a lost-contact debtor (the number now belongs to someone else);
//   - a hardship declaration recorded for a debtor (contact events,
//     HARDSHIP_DECLARED): the collector proposes a hardship plan for the
//     debtor's open case (StrategyService.ProposePlan) with terms drafted from
//     the loan system's view of the case's delinquent loans
//     (hardship_plan.h), unless the case has a plan pending (proposed, not
//     yet lapsed) or agreed, or already had kMaxOffersPerCase offers. The
//     case comes from the case events seen so far (the customer's latest
//     case); the request id derives from the attempt, so a retry is the same
//     proposal;
//   - a hardship plan proposed to a debtor in hardship (case events,
//     PlanProposed): most accept it;
//   - an agreed plan (arrears.strategy.plan-events.v1, PlanAgreed): the loan
//     system restructures the loan (LoanAccount::ApplyPlan), which comes back
//     on the loan topic as ScheduleRestructured.
// Each attempt, hardship declaration, plan proposal and agreed plan is
// answered once, however often it is redelivered. Decisions are deterministic
// in the events, the simulated time and the seed; the driver hands events over
// in a fixed order (sorted by topic and id after each quiet wait), so the
// answers do not depend on how events happened to interleave.
//
// Not thread-safe: the simulation driver calls it between steps.
#ifndef ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_
#define ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/contact/v1/contact_service.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "common/events/event.h"
#include "tools/simulator/loan_book.h"

namespace arrears::simulator {

// A call the simulator makes to a service on someone's behalf.
struct ServiceAction {
  std::variant<contact::v1::RecordOutcomeRequest, strategy::v1::AcceptPlanRequest,
               strategy::v1::ProposePlanRequest>
      request;
};

// What the responder did, for the report.
struct ResponderStats {
  // Outcomes recorded, by ContactOutcome name.
  std::map<std::string, int64_t> outcomes;
  // Hardship plans the collectors proposed, and hardship declarations that
  // led to no proposal, by reason ("plan pending", "plan agreed", "no open
  // case", "nothing overdue", "offers exhausted").
  int64_t plans_proposed = 0;
  std::map<std::string, int64_t> proposals_skipped;
  int64_t plans_accepted = 0;
  int64_t plans_declined = 0;
  int64_t restructures = 0;
  // Agreed plans the loan system could not apply (unknown loan, bad terms),
  // with the first few reasons.
  int64_t restructure_failures = 0;
  std::vector<std::string> failure_samples;
  // Downstream events whose payload did not parse.
  int64_t unreadable = 0;
};

class DebtorResponder {
 public:
  // Offers of a hardship plan per case at most (a declined offer lapses and
  // may be made once more on a later hardship declaration).
  static constexpr int kMaxOffersPerCase = 2;
  // How long an offer stands.
  static constexpr absl::Duration kOfferValidity = absl::Hours(24 * 14);

  // `book` must outlive the responder.
  explicit DebtorResponder(LoanBook* book);

  // Reacts to one consumed event (other topics are ignored) at simulated time
  // `now`; returns the service calls to make.
  std::vector<ServiceAction> React(const events::Event& event, absl::Time now);

  const ResponderStats& stats() const { return stats_; }

 private:
  // The customer's latest case as the case events show it.
  struct CaseView {
    std::string case_id;
    int32_t ordinal = 0;
    int64_t version = 0;
    bool open = false;
    // Loans of the case whose latest snapshot is delinquent, in case order.
    std::vector<std::string> delinquent_loans;
    bool plan_agreed = false;
    // Latest expiry of a plan still proposed; InfinitePast when none.
    absl::Time proposed_until = absl::InfinitePast();
  };
  // The collector's offers on one case.
  struct Offers {
    int count = 0;
    absl::Time standing_until = absl::InfinitePast();
  };

  std::vector<ServiceAction> OnContactEvent(const events::Event& event, absl::Time now);
  std::vector<ServiceAction> OnAnswered(const contact::v1::ContactEvent& contact, absl::Time now);
  std::vector<ServiceAction> OnHardshipDeclared(const contact::v1::ContactEvent& contact,
                                                absl::Time now);
  std::vector<ServiceAction> OnCaseEvent(const events::Event& event);
  void NoteCase(const strategy::v1::CaseEvent& case_event);
  void OnPlanEvent(const events::Event& event, absl::Time now);
  void NoteFailure(const std::string& failure);

  LoanBook* const book_;
  const std::string contact_topic_;
  const std::string case_topic_;
  const std::string plan_topic_;
  absl::flat_hash_set<std::string> answered_attempts_;
  absl::flat_hash_set<std::string> hardship_attempts_;
  // By customer id.
  absl::flat_hash_map<std::string, CaseView> latest_cases_;
  // By case id.
  absl::flat_hash_map<std::string, Offers> offers_;
  absl::flat_hash_set<std::string> considered_plans_;
  absl::flat_hash_set<std::string> applied_plan_terms_;
  ResponderStats stats_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_
