// CaseCodec: the one place where collection cases convert between the domain
// (CaseRecord, CollectionCase, Hold, PromiseToPay, Treatment, CaseAssignment)
// and arrears.strategy.v1.Case and its parts. The case store persists the
// proto form; the gRPC service returns it and reads it back for simulations.
//
// Contract:
//  - Round trip: FromProto(ToProto(r)) reproduces every field the domain
//    keeps, so a case saved and loaded decides exactly as before (the
//    aggregates are recomputed from the loans, not trusted from the proto).
//  - Civil dates are authoritative; the Timestamp twins (hold start_time,
//    segment_enter_time, request_time, ...) are derived for readers as the
//    start of that day in the case's time zone, and ignored on the way back
//    when the date is present.
//  - FromProto validates what a client could get wrong (SimulateStrategy takes
//    cases from callers) and names the field: "case_id: required",
//    "loans[0].snapshot.business_date: ...". Missing case-level currency, time
//    zone and dates fall back to the loans' snapshots.
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_CASE_CODEC_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_CASE_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/case.pb.h"
#include "services/strategy_routing/case_record.h"
#include "services/strategy_routing/collection_case.h"

namespace arrears::strategy {

class CaseCodec {
 public:
  static v1::Case ToProto(const CaseRecord& record);
  static absl::StatusOr<CaseRecord> FromProto(const v1::Case& proto, const CasePolicy& policy);

  static v1::Hold HoldToProto(const Hold& hold, const absl::TimeZone& zone);
  // Requires hold_id, type and start_date (or start_time); `field` prefixes
  // error messages ("holds[2]").
  static absl::StatusOr<Hold> HoldFromProto(const v1::Hold& proto, const absl::TimeZone& zone,
                                            absl::string_view field);

  // `total_overdue_minor` (the case's now) gives amount_paid of an open promise.
  static v1::Promise PromiseToProto(const PromiseToPay& promise, int64_t total_overdue_minor);
  static absl::StatusOr<PromiseToPay> PromiseFromProto(const v1::Promise& proto,
                                                       absl::string_view field);

  static v1::TreatmentRecord TreatmentToProto(const Treatment& treatment,
                                              const CollectionCase& kase);
  static v1::Assignment AssignmentToProto(const CaseAssignment& assignment);
  static CaseAssignment AssignmentFromProto(const v1::Assignment& proto);

  // "cases/<case_id>".
  static std::string CaseName(absl::string_view case_id);
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_CASE_CODEC_H_
