// PlannedNotice: an installment-due-soon notice of a current loan worked out
// when the loan is evaluated, so that the business-day close on its day emits
// it from a few stored fields (LoanBrief, loan_store.h) instead of loading the
// loan's facts and re-running its ledger.
//
// Why it is exact: a loan CURRENT at its evaluation date `as_of` changes in
// nothing but the date until its status boundary (NextBoundary without the
// notice days): no fact takes effect (fact dates are boundaries), nothing
// becomes overdue (due + grace + 1 of every obligation above the tolerance is
// a boundary), no penalty accrues (only overdue obligations accrue), and
// credit settles nothing (with credit left, every due date is a boundary). So
// its position on any day D in (as_of, status boundary) is FinishPosition of
// the same obligations and credit at D, which is how PlanNotices computes the
// notices of D and the snapshot they carry: the close emits exactly what a
// full evaluation on D would (the property test and the close benchmark
// check it).
//
// Value types and pure functions; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_PLANNED_NOTICE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_PLANNED_NOTICE_H_

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"
#include "services/overdue_detection/snapshot.h"

namespace arrears::overdue {

struct PlannedNotice {
  // The notice as FinishPosition gives it on figures.as_of, the business date
  // it falls on.
  DueSoonNotice notice;
  // The position that day, for the event's snapshot.
  SnapshotFigures figures;

  absl::CivilDay day() const { return figures.as_of; }

  friend bool operator==(const PlannedNotice&, const PlannedNotice&) = default;
};

// The notices of a loan that is CURRENT at position.as_of on the days in
// (position.as_of, status_boundary) (no end when nullopt), by day then in the
// order FinishPosition lists them. Empty for a loan in any other state.
std::vector<PlannedNotice> PlanNotices(const ProductConfig& product, const LoanPosition& position,
                                       const absl::optional<absl::CivilDay>& status_boundary);

// When the calendar must wake a loan: the earlier of its status boundary
// (nullopt = none) and its first planned notice.
absl::optional<absl::CivilDay> WakeDay(const absl::optional<absl::CivilDay>& status_boundary,
                                       const std::vector<PlannedNotice>& planned);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_PLANNED_NOTICE_H_
