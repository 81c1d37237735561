#include "services/overdue_detection/loan_store.h"

#include "common/status/status_macros.h"
#include "services/overdue_detection/loan_record_codec.h"

namespace arrears::overdue {

LoanBrief LoanBrief::Of(const LoanRecord& record) {
  const Loan& loan = record.loan;
  LoanBrief brief;
  brief.loan_id = loan.loan_id();
  brief.customer_id = loan.customer_id();
  brief.product_code = loan.product_code();
  brief.branch_id = loan.branch_id();
  brief.currency_code = std::string(loan.currency().code());
  brief.time_zone = loan.time_zone_name();
  brief.event_sequence = record.event_sequence;
  brief.next_boundary = record.next_boundary;
  brief.planned_notices = record.planned_notices;
  brief.status_boundary = record.status_boundary;
  return brief;
}

void LoanBrief::ApplyTo(LoanRecord* record) const {
  record->event_sequence = event_sequence;
  record->next_boundary = next_boundary;
  record->planned_notices = planned_notices;
}

LoanIdentity LoanBrief::identity() const {
  return {.loan_id = loan_id,
          .customer_id = customer_id,
          .product_code = product_code,
          .branch_id = branch_id,
          .currency_code = currency_code,
          .time_zone = time_zone};
}

absl::StatusOr<LoanBrief> LoanStore::LoadBrief(LoanHandle handle) {
  ARREARS_ASSIGN_OR_RETURN(LoanRecord record, Load(handle));
  return LoanBrief::Of(record);
}

absl::Status LoanStore::UpdateBrief(LoanHandle handle, const LoanBrief& brief) {
  ARREARS_ASSIGN_OR_RETURN(LoanRecord record, Load(handle));
  if (brief.later_notices.count > 0) {
    // A brief a store decoded in part: complete it before applying it.
    LoanBrief complete = brief;
    ARREARS_ASSIGN_OR_RETURN(std::vector<PlannedNotice> later,
                             LoanRecordCodec::DecodeNotices(brief.later_notices));
    complete.planned_notices.insert(complete.planned_notices.end(), later.begin(), later.end());
    complete.later_notices = {};
    complete.ApplyTo(&record);
    return Update(handle, record);
  }
  brief.ApplyTo(&record);
  return Update(handle, record);
}

}  // namespace arrears::overdue
