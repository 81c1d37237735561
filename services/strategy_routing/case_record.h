// CaseRecord: a collection case as the service keeps it — the decision state
// (CollectionCase, what the strategy reads) plus the workflow around it:
// repayment plans, agency placement, legal referral, planned field visits,
// the agenda date, the risk score and work-queue priority, and the record's
// version. It is the unit the case store loads and saves (case_store.h) and
// the codec turns into arrears.strategy.v1.Case (case_codec.h).
//
// Invariants: `plans` holds every plan of the case, oldest first, with unique
// plan ids; at most one of them is ACCEPTED. `version` grows by one for each
// unit of work that changed the case and emitted case events.
//
// Plain value type; not synchronized.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_CASE_RECORD_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_CASE_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/case.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "arrears/strategy/v1/plan.pb.h"
#include "services/strategy_routing/collection_case.h"

namespace arrears::strategy {

// The latest scorecard result of a case.
struct CaseScore {
  std::string scorecard;
  // 0..1'000'000.
  int32_t self_cure_ppm = 0;
  // Minor units of the case currency.
  int64_t expected_recovery_minor = 0;
  absl::Time score_time = absl::InfinitePast();
};

struct CaseRecord {
  explicit CaseRecord(CollectionCase kase) : kase(std::move(kase)) {}

  // "case" is a keyword.
  CollectionCase kase;
  std::vector<v1::RepaymentPlan> plans;
  // The current or last placement (recall_time set once recalled).
  std::optional<v1::AgencyPlacement> agency_placement;
  std::optional<v1::LegalReferral> legal_referral;
  // Planned visits without a final outcome yet.
  std::vector<v1::FieldVisitOrder> pending_field_visits;
  int field_visit_count = 0;
  // 1 for the customer's first case, 2 for the next... (part of the case id).
  int ordinal = 0;
  // The agenda (see CaseManager): unset = only events move the case.
  std::optional<absl::CivilDay> next_decision_date;
  std::optional<CaseScore> score;
  // Work-queue priority, higher first: the expected recovery.
  int64_t priority = 0;
  int64_t version = 0;
  absl::Time open_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  absl::Time close_time = absl::InfinitePast();

  const v1::RepaymentPlan* FindPlan(absl::string_view plan_id) const;
  v1::RepaymentPlan* FindPlan(absl::string_view plan_id);
  // The placement if the case is placed now (placed and not recalled).
  const v1::AgencyPlacement* ActivePlacement() const;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_CASE_RECORD_H_
