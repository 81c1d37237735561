// DraftHardshipTerms: the terms a collector's workbench drafts for one loan
// of a debtor who declared hardship, from the loan system's view of the loan
// at `now` (LoanAccount: the schedule in force and what is paid).
//
// Two kinds of offer, drawn from `random` (so a seed gives the same offers):
//   - a deferral (about 4 offers in 10): the overdue installments move back
//     by the fewest months (2 to 6) that bring the oldest of them at least a
//     week past today, so the loan is current again once the plan applies;
//     interest keeps accruing, penalties are waived. When even 6 months would
//     not do, the offer is a new schedule instead;
//   - a new schedule: everything not yet paid (principal and interest of the
//     overdue and the upcoming installments) in equal monthly installments
//     over the unpaid count plus 6 to 12 months, the first due a month from
//     today; amounts are integer minor units, the first installments taking
//     the remainder one minor unit each; penalties are waived.
// The terms are what the strategy service's ProposePlan validates (loan id,
// months >= 1, installments numbered 1..n with increasing dates on or after
// today and positive amounts in the loan's currency) and what
// LoanAccount::ApplyPlan restructures by; total_to_pay is set.
//
// std::nullopt when nothing of the loan is overdue at `now` (no hardship
// plan is needed for it). Pure; thread-compatible.
#ifndef ARREARS_TOOLS_SIMULATOR_HARDSHIP_PLAN_H_
#define ARREARS_TOOLS_SIMULATOR_HARDSHIP_PLAN_H_

#include <optional>

#include "absl/time/time.h"
#include "arrears/strategy/v1/plan.pb.h"
#include "tools/simulator/entity_random.h"
#include "tools/simulator/loan_account.h"

namespace arrears::simulator {

std::optional<strategy::v1::LoanPlanTerms> DraftHardshipTerms(const LoanAccount& loan,
                                                              absl::Time now,
                                                              const absl::TimeZone& zone,
                                                              EntityRandom& random);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_HARDSHIP_PLAN_H_
