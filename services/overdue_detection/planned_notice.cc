#include "services/overdue_detection/planned_notice.h"

#include <algorithm>

namespace arrears::overdue {

std::vector<PlannedNotice> PlanNotices(const ProductConfig& product, const LoanPosition& position,
                                       const absl::optional<absl::CivilDay>& status_boundary) {
  std::vector<PlannedNotice> planned;
  if (position.state != delinquency::v1::DELINQUENCY_STATE_CURRENT ||
      product.pre_due_notice_days.empty()) {
    return planned;
  }
  // The days a notice can fall on: what FinishPosition checks, for the
  // installments that still owe something.
  std::vector<absl::CivilDay> days;
  for (const Obligation& o : position.obligations) {
    if (o.kind != ObligationKind::kInstallment || o.Unpaid() <= 0) continue;
    for (int32_t before : product.pre_due_notice_days) {
      const absl::CivilDay day = o.due_date - before;
      if (day > position.as_of && (!status_boundary.has_value() || day < *status_boundary)) {
        days.push_back(day);
      }
    }
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  for (absl::CivilDay day : days) {
    LedgerOutcome same;
    same.as_of = day;
    same.obligations = position.obligations;
    same.credit_minor = position.credit_minor;
    same.charged_off_on = position.charged_off_on;
    same.closed_on = position.closed_on;
    same.delinquent_since = position.delinquent_since;
    const LoanPosition then = FinishPosition(product, std::move(same));
    const SnapshotFigures figures = SnapshotFigures::Of(then);
    for (const DueSoonNotice& notice : then.notices) {
      planned.push_back({notice, figures});
    }
  }
  return planned;
}

absl::optional<absl::CivilDay> WakeDay(const absl::optional<absl::CivilDay>& status_boundary,
                                       const std::vector<PlannedNotice>& planned) {
  if (planned.empty() ||
      (status_boundary.has_value() && *status_boundary <= planned.front().day())) {
    return status_boundary;
  }
  return planned.front().day();
}

}  // namespace arrears::overdue
