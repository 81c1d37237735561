// The delinquency rules, and the engine's computation of a loan's position.
//
// RULES (the single statement of them; reference_model.h implements the same
// rules independently, day by day, as a test oracle):
//
// Dates. Every date is a civil day in the loan's time zone. The position "at
// business date D" is the state at the end of day D with every fact dated on
// or before D taken into account; facts dated after D take effect on their
// day. Business dates are calendar days (DPD counts calendar days). A
// repayment sent without a value date counts from the civil day of its
// posted_at instant in the loan's time zone (23:30 in Shanghai is that day,
// whatever the UTC date).
//
// Obligations. Each installment of the schedule, plus each fee charged with
// installment_number 0 (a standalone fee due on its own due date), is an
// obligation with principal, interest, fees and accrued penalty due. A fee
// charged onto installment n adds to that installment's fees from its charge
// date (if installment n no longer exists by then, it becomes a standalone
// fee due on its charge date). Obligations are ordered oldest first:
// due date, installments before standalone fees, number.
//
// A day. Each day d from the disbursement date on is processed in this order:
//   1. Penalty accrual for d: every obligation with d >= due_date + grace + 1
//      whose unpaid total at the end of d-1 exceeds the tolerance accrues
//      DailyPenaltyMinor(its unpaid principal at the end of d-1): the daily
//      rate applied to the principal and ROUNDED ONCE PER DAY with the
//      product's rounding mode (half-even by default). No compounding:
//      penalty never accrues on interest, fees or penalty.
//   2. Restructurings effective on d (arrival order): installments numbered
//      >= replaces_from_number are removed, together with the fees charged
//      onto them and their accrued penalty, and the money allocated to them
//      is NOT returned (the new amounts already reflect it, per the event
//      contract); the new installments are added unpaid.
//   3. Fees charged on d (arrival order), then waivers effective on d: a
//      waiver lowers the fee's obligation; money already allocated beyond the
//      lowered amount goes back to the credit balance. A waiver of a fee whose
//      obligation was removed by a restructuring does nothing.
//   4. Repayments with value date d that are not reversed are added to the
//      credit balance (a reversal removes its repayment from the history, so
//      it undoes exactly that repayment's allocation, whatever came after).
//   5. Waterfall: the credit balance pays obligations already due (due_date
//      <= d), oldest first, inside each in the product's allocation order
//      (default penalty, fees, interest, principal), until it is used up.
//      What is left stays as credit for obligations that fall due later
//      (overpayment never pays an installment before its due date, so a
//      prepaid installment is settled on its due date).
//   6. An obligation due on or before d whose unpaid total is zero is paid
//      (paid_on = the first such day); one that owes again loses paid_on.
//   7. Status at the end of d: an obligation is OVERDUE when d - due_date >
//      grace_days and its unpaid total (all components) exceeds the product's
//      tolerance. DPD = d - due date of the oldest overdue obligation (0 when
//      none); bucket and regulatory class follow from DPD. The loan is
//      delinquent on d when anything is overdue; delinquent_since is the first
//      day of the current run of delinquent days.
//   8. Charge-off: the loan is charged off from the first day its DPD reaches
//      charge_off_dpd, or from its written_off_on date, whichever is first.
//      Charge-off is sticky (only a back-dated correction of the facts can
//      undo it). The delinquency history ends on that day.
// A loan closed on day c is CLOSED from c on; nothing after the end of c-1
// is computed and its history ends on c.
//
// Consequences the engine relies on (and tests check): penalty accrual never
// pushes an obligation over the tolerance (it accrues only on obligations
// already above it), so between two "event days" (fact dates, due dates,
// due + grace + 1) the set of overdue obligations is constant, DPD grows by
// one a day and each obligation's penalty grows linearly.
//
// Pure functions of their arguments; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LEDGER_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LEDGER_H_

#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// The loan's position at the end of `as_of`, computed by jumping between
// event days: cost O((facts + installments) x installments), independent of
// how many days have passed.
LoanPosition ComputePosition(const Loan& loan, const ProductConfig& product, absl::CivilDay as_of);

// The first date after position.as_of on which, without any new fact, the
// loan's status, bucket, class or overdue amounts can change or a pre-due
// notice falls due: the date the engine's calendar index wakes the loan on.
// It may be a date on which nothing turns out to change (never a later one
// than the first change). nullopt when nothing can change any more (closed,
// or charged off with no facts still to take effect). Without `notice_days`
// the days of pre-due notices are left out (planned_notice.h plans them).
absl::optional<absl::CivilDay> NextBoundary(const Loan& loan, const ProductConfig& product,
                                            const LoanPosition& position, bool notice_days = true);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LEDGER_H_
