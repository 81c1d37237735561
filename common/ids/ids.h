// The system's identifier types. Each is a distinct StrongId (strong_id.h)
// whose field name, used in validation errors, matches the proto field that
// carries it.
//
// Thread-safety: value types, as std::string.
#ifndef ARREARS_COMMON_IDS_IDS_H_
#define ARREARS_COMMON_IDS_IDS_H_

#include "absl/strings/string_view.h"
#include "common/ids/strong_id.h"

namespace arrears::ids {

#define ARREARS_DEFINE_ID(Name, field_name)                     \
  struct Name##Tag {                                            \
    static constexpr absl::string_view kFieldName = field_name; \
  };                                                            \
  using Name = StrongId<Name##Tag>

ARREARS_DEFINE_ID(LoanId, "loan_id");
ARREARS_DEFINE_ID(CustomerId, "customer_id");
ARREARS_DEFINE_ID(CaseId, "case_id");
ARREARS_DEFINE_ID(RepaymentId, "repayment_id");
ARREARS_DEFINE_ID(ContactRequestId, "contact_request_id");
ARREARS_DEFINE_ID(AttemptId, "attempt_id");
ARREARS_DEFINE_ID(EventId, "event_id");
ARREARS_DEFINE_ID(AgencyId, "agency_id");
ARREARS_DEFINE_ID(CollectorId, "collector_id");
ARREARS_DEFINE_ID(TemplateId, "template_id");
ARREARS_DEFINE_ID(DecisionId, "decision_id");

#undef ARREARS_DEFINE_ID

}  // namespace arrears::ids

#endif  // ARREARS_COMMON_IDS_IDS_H_
