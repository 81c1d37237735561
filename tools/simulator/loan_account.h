// LoanAccount: the simulated loan system's side of one loan: the schedule in
// force, when and how much the customer will pay (by the customer's
// behaviour, behaviour.h), and the LoanEvents that result, each released once
// the simulated time reaches it.
//
// Plans are made up front for the whole simulation, from the loan's own
// random streams, and redone only when an agreed repayment plan restructures
// the schedule (ApplyPlan). Events come out in time order with loan_id,
// customer_id, occurred_at and loan_sequence (1, 2, ...) set; LoanOpened is
// always the first.
//
// Amounts: a customer who pays late pays the installment plus the penalty
// interest and fees the bank's app would show (an estimate at the product's
// daily rate, rounded up to whole yuan); any excess stays with the loan as a
// credit balance, as it does in a real loan system.
//
// Not thread-safe; the LoanBook owns and serializes its accounts.
#ifndef ARREARS_TOOLS_SIMULATOR_LOAN_ACCOUNT_H_
#define ARREARS_TOOLS_SIMULATOR_LOAN_ACCOUNT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "arrears/strategy/v1/plan.pb.h"
#include "tools/simulator/customer.h"
#include "tools/simulator/loan.h"

namespace arrears::simulator {

struct AccountContext {
  uint64_t seed = 1;
  int64_t loan_index = 0;
  // First simulated business day.
  absl::CivilDay start;
  // Number of simulated days; nothing is planned after start + days.
  int days = 120;
  // The loan's zone (kLoanTimeZone).
  absl::TimeZone zone;
};

class LoanAccount {
 public:
  LoanAccount(Loan loan, const Customer& customer, AccountContext context);

  const Loan& loan() const { return loan_; }
  const std::vector<InstallmentTerms>& schedule() const { return schedule_; }
  // When the loan system recorded the disbursement (10:00 local).
  absl::Time opened_at() const;

  // When the next event falls; InfiniteFuture when none is left.
  absl::Time next_event_time() const;

  // Appends the events recorded at or before `until`, in order.
  void TakeEventsUntil(absl::Time until, std::vector<loan::v1::LoanEvent>* out);

  // Restructures the schedule by an agreed plan's terms for this loan, as of
  // `now`: queues a ScheduleRestructured (replacing every installment from
  // the first one not yet paid; for a deferral, from the first deferred one)
  // and re-plans the customer's payments under the new schedule (a hardship
  // customer keeps the plan, with a small chance of breaking it). A plan
  // already applied is a no-op. InvalidArgument naming the field when the
  // terms are unusable (no installments, dates not increasing), and
  // FailedPrecondition when nothing is left to restructure.
  absl::Status ApplyPlan(const strategy::v1::LoanPlanTerms& terms, const std::string& plan_id,
                         absl::Time now);

  // What the customer owes at `now` as the app shows it: installments due
  // before today not yet paid, with penalty and fee estimates; >= 0.
  int64_t OverdueEstimate(absl::Time now) const;

  // Installments of the schedule in force not fully paid at `now` (overdue
  // and upcoming), in order: what a restructuring at `now` would replace.
  std::vector<InstallmentTerms> UnpaidInstallments(absl::Time now) const;

  // When the customer will next pay after `now`, if a payment is planned.
  std::optional<absl::Time> NextRepaymentAfter(absl::Time now) const;

  // Events planned so far by kind (for the book summary and tests).
  int64_t planned_reversals() const { return planned_reversals_; }
  bool restructured() const { return !applied_plans_.empty(); }

 private:
  enum class Kind { kOpened, kRepayment, kReversal, kFee, kRestructure, kClosed };
  struct Pending {
    absl::Time at;
    Kind kind;
    // The installment a repayment or fee belongs to (the last one it
    // settles for a catch-up payment); 0 when none.
    int installment;
    loan::v1::LoanEvent event;
  };

  absl::Time At(absl::CivilDay day, int hour, int minute) const;
  absl::CivilDay LastDay() const { return context_.start + (context_.days - 1); }
  // Plans installments [from, end) of schedule_; `under_plan` for those of
  // an agreed plan.
  void PlanInstallments(size_t from, bool under_plan);
  void PlanInstallment(const InstallmentTerms& installment, bool under_plan);
  void PlanRefusalPayoff();
  void PlanClosure();
  void Queue(absl::Time at, Kind kind, int installment, loan::v1::LoanEvent event);
  void QueueRepayment(absl::Time at, int64_t amount, absl::string_view channel, int installment);
  void QueueLateFee(const InstallmentTerms& installment);
  int64_t LateFee(const InstallmentTerms& installment) const;
  int64_t WithPenalty(int64_t amount, int64_t days_late) const;
  bool InTrouble(absl::CivilDay due) const;

  Loan loan_;
  Behaviour behaviour_;
  int onset_day_;
  AccountContext context_;
  std::vector<InstallmentTerms> schedule_;
  // Pending events, ordered by time (stable for equal times).
  std::vector<Pending> pending_;
  // Installment number -> when it is fully paid (absent: never, as planned).
  std::map<int, absl::Time> settled_at_;
  std::set<std::string> applied_plans_;
  int64_t next_sequence_ = 1;
  int64_t repayments_ = 0;
  int64_t planned_reversals_ = 0;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_LOAN_ACCOUNT_H_
