#include "services/overdue_detection/loan_event_applier.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "arrears/loan/v1/loan_events.pb.h"

namespace arrears::overdue {

absl::Status LoanEventApplier::Apply(const events::InboundEvent& event, store::Transaction& txn,
                                     store::OutboxWriter& outbox) {
  const absl::string_view expected_type = loan::v1::LoanEvent::descriptor()->full_name();
  if (event.event.envelope.type != expected_type) {
    return absl::InvalidArgumentError(absl::StrCat("ce_type: expected ", expected_type, ", got \"",
                                                   event.event.envelope.type, "\""));
  }
  loan::v1::LoanEvent loan_event;
  if (!loan_event.ParseFromString(event.event.payload)) {
    return absl::InvalidArgumentError("payload: not a valid arrears.loan.v1.LoanEvent");
  }
  if (loan_event.loan_id() != event.event.key) {
    return absl::InvalidArgumentError(absl::StrCat("loan_id: \"", loan_event.loan_id(),
                                                   "\" differs from the record key \"",
                                                   event.event.key, "\""));
  }
  return book_->ApplyLoanEvent(txn, outbox, event, loan_event);
}

}  // namespace arrears::overdue
