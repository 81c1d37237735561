#include "services/contact_channels/case_cancellation.h"

#include <algorithm>

namespace arrears::contact {

using strategy::v1::CancelPendingContacts;
using strategy::v1::CaseEvent;

std::optional<CancelPendingContacts> CancellationForCaseEvent(const CaseEvent& event) {
  CancelPendingContacts cancel;
  cancel.add_keep_purposes(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
  switch (event.event_case()) {
    case CaseEvent::kCaseClosed:
      cancel.set_reason(event.case_closed().reason() == "ALL_CURED"
                            ? CancelPendingContacts::REASON_CURED
                            : CancelPendingContacts::REASON_CASE_CLOSED);
      return cancel;
    case CaseEvent::kHoldPlaced:
      cancel.set_reason(CancelPendingContacts::REASON_HOLD_PLACED);
      *cancel.mutable_loan_ids() = event.hold_placed().hold().loan_ids();
      cancel.set_hold_id(event.hold_placed().hold().hold_id());
      return cancel;
    case CaseEvent::kCaseUpdated: {
      const auto& reasons = event.case_updated().reasons();
      if (std::find(reasons.begin(), reasons.end(), strategy::v1::CaseUpdated::REASON_LOAN_CURED) ==
          reasons.end()) {
        return std::nullopt;
      }
      for (const strategy::v1::CaseLoan& loan : event.case_snapshot().loans()) {
        const delinquency::v1::DelinquencyState state = loan.snapshot().state();
        if (state == delinquency::v1::DELINQUENCY_STATE_CURRENT ||
            state == delinquency::v1::DELINQUENCY_STATE_CLOSED) {
          cancel.add_loan_ids(loan.loan_id());
        }
      }
      // No cured loan named: nothing to narrow to, so nothing to cancel.
      if (cancel.loan_ids().empty()) return std::nullopt;
      cancel.set_reason(CancelPendingContacts::REASON_CURED);
      return cancel;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace arrears::contact
