// ReferenceModel: a deliberately naive implementation of the rules in
// ledger.h, used only as a test oracle for the engine (test-only library).
//
// It keeps every loan event it is given and, for every question, rebuilds the
// loan from those events and replays it one calendar day at a time from the
// disbursement date: no event days, no calendar index, no stored state, no
// incremental tricks. It shares with the engine only the fact model (loan.h,
// so both validate events the same way) and FinishPosition() (so both derive
// the reported figures from the obligations the same way); penalty accrual,
// the waterfall, restructuring, fees and waivers, paid dates, charge-off,
// delinquent_since and the history are its own code.
//
// Slow on purpose: O(days x obligations) per question. Not thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_REFERENCE_MODEL_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_REFERENCE_MODEL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// The day-by-day replay of `loan` to the end of `as_of`.
LoanPosition ReferencePosition(const Loan& loan, const ProductConfig& product,
                               absl::CivilDay as_of);

class ReferenceModel {
 public:
  explicit ReferenceModel(std::shared_ptr<const ProductCatalog> products);

  // Keeps an event the engine accepted, in the order the engine saw it.
  // Returns the loan's validation error (and keeps nothing) if it would
  // reject the event; a repeated event is kept and is a no-op on replay.
  absl::Status Apply(const loan::v1::LoanEvent& event);

  bool Knows(absl::string_view loan_id) const;
  // Sorted.
  std::vector<std::string> LoanIds() const;

  // Rebuilds the loan from its events and replays it to `as_of`.
  absl::StatusOr<LoanPosition> Compute(absl::string_view loan_id, absl::CivilDay as_of) const;
  absl::StatusOr<delinquency::v1::DelinquencySnapshot> Snapshot(absl::string_view loan_id,
                                                                absl::CivilDay as_of) const;
  // The loan as its events (in the order given) describe it.
  absl::StatusOr<Loan> Rebuild(absl::string_view loan_id) const;

 private:
  std::shared_ptr<const ProductCatalog> products_;
  std::map<std::string, std::vector<loan::v1::LoanEvent>, std::less<>> events_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_REFERENCE_MODEL_H_
