// LoanPosition: a loan's complete derived state at the end of one business
// date: each obligation's amounts due and paid, what is overdue, DPD, bucket,
// regulatory class, the delinquency history up to that date and the pre-due
// notices that fall on it.
//
// Two independent computations produce it: ledger.h (the engine's, which
// jumps from one fact date to the next) and reference_model.h (a naive
// day-by-day replay, for tests). Each runs the rules of ledger.h to the end
// of the date and hands its raw LedgerOutcome to FinishPosition(), the single
// place where the reported figures are derived from the obligations, so the
// two can be compared field by field.
//
// Amounts are int64 minor units of the loan's currency. Value types; not
// synchronized.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_POSITION_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_POSITION_H_

#include <cstdint>
#include <ostream>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

struct ComponentAmounts {
  int64_t principal = 0;
  int64_t interest = 0;
  int64_t fees = 0;
  int64_t penalty = 0;

  int64_t Total() const { return principal + interest + fees + penalty; }
  int64_t& at(AllocationComponent component);
  int64_t at(AllocationComponent component) const;

  friend bool operator==(const ComponentAmounts&, const ComponentAmounts&) = default;
};

enum class ObligationKind { kInstallment = 0, kStandaloneFee = 1 };

// Something the borrower owes on a due date: an installment of the schedule
// (with the fees charged onto it), or a fee charged on its own.
struct Obligation {
  ObligationKind kind = ObligationKind::kInstallment;
  // Installment number; for a standalone fee, its 1-based position in
  // Loan::fees().
  int32_t number = 0;
  absl::CivilDay due_date;
  // What is owed; `penalty` is the penalty interest accrued so far.
  ComponentAmounts due;
  // What the waterfall has allocated to it; each component <= its due.
  ComponentAmounts paid;
  // The day it became fully paid (unpaid reached zero on or after its due
  // date); unset while anything is unpaid.
  absl::optional<absl::CivilDay> paid_on;
  // Overdue at the position's date (set by FinishPosition).
  bool overdue = false;

  int64_t Unpaid() const { return due.Total() - paid.Total(); }
  int64_t UnpaidPrincipal() const { return due.principal - paid.principal; }

  friend bool operator==(const Obligation&, const Obligation&) = default;
};

// The waterfall's "oldest first": by due date, installments before standalone
// fees due the same day, then by number.
bool ObligationBefore(const Obligation& a, const Obligation& b);

// Overdue on `day`: past its grace period (day - due_date > grace_days) and
// unpaid above the tolerance.
bool IsOverdueOn(const Obligation& obligation, absl::CivilDay day, const ProductConfig& product);

// The first day on which penalty can accrue and the obligation can be
// overdue: due_date + grace_days + 1.
absl::CivilDay OverdueFrom(const Obligation& obligation, const ProductConfig& product);

// Due date of the oldest obligation overdue on `day`, if any.
absl::optional<absl::CivilDay> OldestOverdueDueDate(const std::vector<Obligation>& obligations,
                                                    absl::CivilDay day,
                                                    const ProductConfig& product);

// A stretch of consecutive days with one value (a bucket ordinal or a
// RegulatoryClass), [entered_on, left_on).
struct Period {
  int32_t value = 0;
  absl::CivilDay entered_on;
  absl::optional<absl::CivilDay> left_on;

  friend bool operator==(const Period&, const Period&) = default;
};

// When a loan entered and left each bucket and class, from its disbursement
// date. It ends (every period closed) on the day the loan is charged off or
// closed: from then on it is out of the delinquency buckets.
struct DelinquencyHistory {
  std::vector<Period> buckets;  // value = bucket ordinal
  std::vector<Period> classes;  // value = delinquency::v1::RegulatoryClass

  friend bool operator==(const DelinquencyHistory&, const DelinquencyHistory&) = default;
};

// Builds a DelinquencyHistory from day values given in increasing day order.
class HistoryRecorder {
 public:
  // The loan's bucket and class on `day` (after every day recorded before).
  // Opens a new period only when a value changes. Ignored after End().
  void Record(absl::CivilDay day, int32_t bucket_ordinal,
              delinquency::v1::RegulatoryClass regulatory_class);
  // Closes the open periods with left_on = `day`; later records are ignored.
  void End(absl::CivilDay day);
  bool ended() const { return ended_; }
  DelinquencyHistory Take() { return std::move(history_); }

 private:
  DelinquencyHistory history_;
  bool ended_ = false;
};

// The first day in [from, until) on which `a` and `b` give a different
// bucket or class (or one has a period and the other none); nullopt when they
// agree on every such day.
absl::optional<absl::CivilDay> FirstHistoryDifference(const DelinquencyHistory& a,
                                                      const DelinquencyHistory& b,
                                                      absl::CivilDay from, absl::CivilDay until);

// An installment falls due in days_until_due days (one of the product's
// pre_due_notice_days) and something is still to pay for it after the credit
// balance that will be applied to it.
struct DueSoonNotice {
  int32_t installment_number = 0;
  absl::CivilDay due_date;
  int64_t amount_minor = 0;
  int32_t days_until_due = 0;

  friend bool operator==(const DueSoonNotice&, const DueSoonNotice&) = default;
};

// What a ledger computation hands to FinishPosition.
struct LedgerOutcome {
  absl::CivilDay as_of;
  // Obligations existing at the end of as_of (any order), or at the close.
  std::vector<Obligation> obligations;
  // Unapplied money waiting for the next obligation to fall due.
  int64_t credit_minor = 0;
  absl::optional<absl::CivilDay> charged_off_on;
  // Set when the loan was closed on or before as_of.
  absl::optional<absl::CivilDay> closed_on;
  // First day of the current run of delinquent days, if delinquent at as_of.
  absl::optional<absl::CivilDay> delinquent_since;
  DelinquencyHistory history;
};

struct LoanPosition {
  absl::CivilDay as_of;
  delinquency::v1::DelinquencyState state = delinquency::v1::DELINQUENCY_STATE_CURRENT;
  int32_t dpd = 0;
  int32_t bucket_ordinal = 0;
  delinquency::v1::RegulatoryClass regulatory_class = delinquency::v1::REGULATORY_CLASS_NORMAL;
  absl::optional<absl::CivilDay> oldest_overdue_due_date;
  int32_t missed_installment_count = 0;
  // Unpaid amounts of the overdue obligations.
  ComponentAmounts overdue;
  // Unpaid amounts of obligations already due, plus principal and fees of
  // those not yet due (interest not yet due is not owed); the credit balance
  // is reported separately, not netted.
  int64_t total_outstanding_minor = 0;
  int64_t credit_minor = 0;
  absl::optional<absl::CivilDay> next_due_date;  // next installment not yet due
  int64_t next_due_amount_minor = 0;
  absl::optional<absl::CivilDay> delinquent_since;
  absl::optional<absl::CivilDay> charged_off_on;
  absl::optional<absl::CivilDay> closed_on;
  std::vector<Obligation> obligations;  // ObligationBefore order
  DelinquencyHistory history;
  std::vector<DueSoonNotice> notices;  // by installment number

  friend bool operator==(const LoanPosition&, const LoanPosition&) = default;
};

// Derives every reported figure from a ledger's raw outcome. A closed loan
// reports state CLOSED with zero DPD, amounts and notices (its obligations
// stay as they were at the close); a charged-off loan keeps its computed DPD
// and amounts but gets no notices.
LoanPosition FinishPosition(const ProductConfig& product, LedgerOutcome outcome);

// For test failure messages.
std::ostream& operator<<(std::ostream& os, const LoanPosition& position);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_POSITION_H_
