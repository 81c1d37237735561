// StatusSummary and DecideTransition: which delinquency event, if any, a
// change of a loan's position produces.
//
// A StatusSummary is the part of a position that delinquency events report
// as changes: state, DPD, bucket, class, oldest overdue due date, missed
// installments and overdue amounts. The engine keeps the summary of each
// loan's last evaluation and compares it with the new one.
//
// DecideTransition (previous -> current), first match wins:
//   no previous (the loan's opening)     STARTED if delinquent, CHARGED_OFF if
//                                        charged off, else nothing
//   previous CLOSED                      nothing (closed is final)
//   current CLOSED                       CLOSED
//   into CHARGED_OFF                     CHARGED_OFF
//   history before today corrected       CORRECTED (a back-dated fact changed
//                                        some past day's bucket or class)
//   CURRENT -> DELINQUENT                STARTED
//   DELINQUENT -> CURRENT                CURED
//   same state (DELINQUENT, CHARGED_OFF) CHANGED if any change reason applies
//   any other state change               CORRECTED (e.g. out of CHARGED_OFF,
//                                        which only a correction can do)
// Change reasons: BUCKET_CROSSING, CLASS_CROSSING (not between two charged-off
// summaries, whose DPD keeps growing unreported), INSTALLMENT_MISSED (more
// overdue obligations), AMOUNT_CHANGE (overdue principal, interest or fees
// changed, or the penalty when `compare_penalty`, or fewer overdue
// obligations, or another oldest overdue due date). The engine compares
// penalty only between two positions of the same date (on a loan event): at
// a business-day close penalty has simply accrued.
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_STATUS_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_STATUS_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "services/overdue_detection/loan_position.h"

namespace arrears::overdue {

struct StatusSummary {
  delinquency::v1::DelinquencyState state = delinquency::v1::DELINQUENCY_STATE_CURRENT;
  int32_t dpd = 0;
  int32_t bucket_ordinal = 0;
  delinquency::v1::RegulatoryClass regulatory_class = delinquency::v1::REGULATORY_CLASS_NORMAL;
  absl::optional<absl::CivilDay> oldest_overdue_due_date;
  int32_t missed_installment_count = 0;
  ComponentAmounts overdue;

  static StatusSummary Of(const LoanPosition& position);

  friend bool operator==(const StatusSummary&, const StatusSummary&) = default;
};

struct Transition {
  delinquency::v1::DelinquencyEventKind kind = delinquency::v1::DELINQUENCY_EVENT_KIND_UNSPECIFIED;
  std::vector<delinquency::v1::ChangeReason> reasons;
};

// `previous` is null for a loan's first evaluation.
absl::optional<Transition> DecideTransition(const StatusSummary* previous,
                                            const StatusSummary& current, bool compare_penalty,
                                            bool history_corrected);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_STATUS_H_
