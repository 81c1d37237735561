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
//   - a hardship plan proposed to a debtor in hardship (case events,
//     PlanProposed): most accept it;
//   - an agreed plan (arrears.strategy.plan-events.v1, PlanAgreed): the loan
//     system restructures the loan (LoanAccount::ApplyPlan), which comes back
//     on the loan topic as ScheduleRestructured.
// Each attempt, plan proposal and agreed plan is answered once, however often
// it is redelivered. Decisions are deterministic in the event and the seed.
//
// Not thread-safe: the simulation driver calls it between steps.
#ifndef ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_
#define ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_service.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "common/events/event.h"
#include "tools/simulator/loan_book.h"

namespace arrears::simulator {

// A call the simulator makes to a service on someone's behalf.
struct ServiceAction {
  std::variant<contact::v1::RecordOutcomeRequest, strategy::v1::AcceptPlanRequest> request;
};

// What the responder did, for the report.
struct ResponderStats {
  // Outcomes recorded, by ContactOutcome name.
  std::map<std::string, int64_t> outcomes;
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
  // `book` must outlive the responder.
  explicit DebtorResponder(LoanBook* book);

  // Reacts to one consumed event (other topics are ignored) at simulated time
  // `now`; returns the service calls to make.
  std::vector<ServiceAction> React(const events::Event& event, absl::Time now);

  const ResponderStats& stats() const { return stats_; }

 private:
  std::vector<ServiceAction> OnContactEvent(const events::Event& event, absl::Time now);
  std::vector<ServiceAction> OnCaseEvent(const events::Event& event);
  void OnPlanEvent(const events::Event& event, absl::Time now);
  void NoteFailure(const std::string& failure);

  LoanBook* const book_;
  const std::string contact_topic_;
  const std::string case_topic_;
  const std::string plan_topic_;
  absl::flat_hash_set<std::string> answered_attempts_;
  absl::flat_hash_set<std::string> considered_plans_;
  absl::flat_hash_set<std::string> applied_plan_terms_;
  ResponderStats stats_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_DEBTOR_RESPONDER_H_
