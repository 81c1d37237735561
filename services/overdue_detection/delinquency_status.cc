#include "services/overdue_detection/delinquency_status.h"

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;

std::vector<dv1::ChangeReason> ChangeReasons(const StatusSummary& previous,
                                             const StatusSummary& current, bool compare_penalty) {
  std::vector<dv1::ChangeReason> reasons;
  const bool both_charged_off = previous.state == dv1::DELINQUENCY_STATE_CHARGED_OFF &&
                                current.state == dv1::DELINQUENCY_STATE_CHARGED_OFF;
  if (!both_charged_off) {
    if (previous.bucket_ordinal != current.bucket_ordinal) {
      reasons.push_back(dv1::CHANGE_REASON_BUCKET_CROSSING);
    }
    if (previous.regulatory_class != current.regulatory_class) {
      reasons.push_back(dv1::CHANGE_REASON_CLASS_CROSSING);
    }
  }
  if (current.missed_installment_count > previous.missed_installment_count) {
    reasons.push_back(dv1::CHANGE_REASON_INSTALLMENT_MISSED);
  }
  const ComponentAmounts& a = previous.overdue;
  const ComponentAmounts& b = current.overdue;
  if (a.principal != b.principal || a.interest != b.interest || a.fees != b.fees ||
      (compare_penalty && a.penalty != b.penalty) ||
      current.missed_installment_count < previous.missed_installment_count ||
      previous.oldest_overdue_due_date != current.oldest_overdue_due_date) {
    reasons.push_back(dv1::CHANGE_REASON_AMOUNT_CHANGE);
  }
  return reasons;
}

}  // namespace

StatusSummary StatusSummary::Of(const LoanPosition& position) {
  StatusSummary s;
  s.state = position.state;
  s.dpd = position.dpd;
  s.bucket_ordinal = position.bucket_ordinal;
  s.regulatory_class = position.regulatory_class;
  s.oldest_overdue_due_date = position.oldest_overdue_due_date;
  s.missed_installment_count = position.missed_installment_count;
  s.overdue = position.overdue;
  return s;
}

absl::optional<Transition> DecideTransition(const StatusSummary* previous,
                                            const StatusSummary& current, bool compare_penalty,
                                            bool history_corrected) {
  const dv1::DelinquencyState now = current.state;
  if (previous == nullptr) {
    if (now == dv1::DELINQUENCY_STATE_DELINQUENT) {
      return Transition{dv1::DELINQUENCY_EVENT_KIND_STARTED, {}};
    }
    if (now == dv1::DELINQUENCY_STATE_CHARGED_OFF) {
      return Transition{dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF, {}};
    }
    return absl::nullopt;
  }
  const dv1::DelinquencyState before = previous->state;
  if (before == dv1::DELINQUENCY_STATE_CLOSED) {
    return absl::nullopt;
  }
  if (now == dv1::DELINQUENCY_STATE_CLOSED) {
    return Transition{dv1::DELINQUENCY_EVENT_KIND_CLOSED, {}};
  }
  if (now == dv1::DELINQUENCY_STATE_CHARGED_OFF && before != now) {
    return Transition{dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF, {}};
  }
  std::vector<dv1::ChangeReason> reasons = ChangeReasons(*previous, current, compare_penalty);
  if (history_corrected) {
    return Transition{dv1::DELINQUENCY_EVENT_KIND_CORRECTED, reasons};
  }
  if (before == dv1::DELINQUENCY_STATE_CURRENT && now == dv1::DELINQUENCY_STATE_DELINQUENT) {
    return Transition{dv1::DELINQUENCY_EVENT_KIND_STARTED, {}};
  }
  if (before == dv1::DELINQUENCY_STATE_DELINQUENT && now == dv1::DELINQUENCY_STATE_CURRENT) {
    return Transition{dv1::DELINQUENCY_EVENT_KIND_CURED, {}};
  }
  if (before == now) {
    if (now == dv1::DELINQUENCY_STATE_CURRENT || reasons.empty()) {
      return absl::nullopt;
    }
    return Transition{dv1::DELINQUENCY_EVENT_KIND_CHANGED, reasons};
  }
  return Transition{dv1::DELINQUENCY_EVENT_KIND_CORRECTED, reasons};
}

}  // namespace arrears::overdue
