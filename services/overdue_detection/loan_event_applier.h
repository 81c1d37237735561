// LoanEventApplier: the store::EventApplier of the loan events topic
// (arrears.loan.v1.LoanEvent values keyed by loan id). It decodes and checks
// the record, then hands the event to the OverdueBook inside the
// exactly-once transaction (see overdue_book.h for what happens next).
//
// Rejected with InvalidArgument naming the field (the consumer loop then
// dead-letters the record with the reason in its headers): a ce_type other
// than arrears.loan.v1.LoanEvent, a payload that does not parse, a loan id
// that differs from the record key, and whatever the engine finds malformed
// (negative amounts, duplicate installment numbers, a currency other than
// the loan's, ...).
//
// Thread-safe as the book is.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_EVENT_APPLIER_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_EVENT_APPLIER_H_

#include "common/store/event_applier.h"
#include "services/overdue_detection/overdue_book.h"

namespace arrears::overdue {

class LoanEventApplier final : public store::EventApplier {
 public:
  // `book` must outlive the applier.
  explicit LoanEventApplier(OverdueBook* book) : book_(book) {}

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  OverdueBook* const book_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_EVENT_APPLIER_H_
