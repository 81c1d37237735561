// The audit records of the compliance service: what each decision, consumed
// event and API change becomes in the audit log, with personal data split
// off.
//
// Every builder returns an AuditAppend whose clear payload is the message
// with personal data masked (runtime/pii.h rules: names keep the surname,
// numbers their ends, addresses their city) or removed, and whose
// personal_payload is the complete original message, which the log encrypts
// under the debtor's key. A message without personal data gets no personal
// payload. Nothing here logs.
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_AUDIT_RECORDS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_AUDIT_RECORDS_H_

#include "absl/strings/string_view.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "services/compliance_auditing/audit/audit_log.h"

namespace arrears::compliance::service {

// The decision event without raw personal data: request.contact_point.value
// and request.message_text cleared (decision_events.proto's contract).
v1::ComplianceDecisionEvent DecisionEvent(const v1::CheckContactRequest& request,
                                          const v1::ContactDecision& decision);

// A CheckContact decision. The clear payload is the serialized decision
// event (DecisionEvent() of the request and decision, written by
// SerializeDecisionEvent; the caller publishes the same bytes); the contact
// point's value and the message text are personal data.
audit::AuditAppend DecisionRecord(const v1::CheckContactRequest& request,
                                  const v1::ContactDecision& decision);

// Consumed events; `event_id` is the ce_id (the record's source_id).
audit::AuditAppend ContactEventRecord(const contact::v1::ContactEvent& event,
                                      absl::string_view event_id);
audit::AuditAppend CustomerEventRecord(const customer::v1::CustomerEvent& event,
                                       absl::string_view event_id);
audit::AuditAppend DelinquencyEventRecord(const delinquency::v1::DelinquencyEvent& event,
                                          absl::string_view event_id);
audit::AuditAppend CaseEventRecord(const strategy::v1::CaseEvent& event,
                                   absl::string_view event_id);

// API changes; `source_id` names the request (its id or the resource id).
audit::AuditAppend PreferenceRecord(const v1::Preference& preference);
audit::AuditAppend DisputeRecord(const v1::Dispute& dispute, absl::string_view source_id);
audit::AuditAppend ComplaintRecord(const v1::Complaint& complaint, absl::string_view source_id);
// A ScreenMessage call: the text is not kept (it may hold personal data of
// nobody in particular, so there is no key to encrypt it under); its SHA-256
// and the result are.
audit::AuditAppend ScreeningRecord(const v1::ScreenMessageRequest& request,
                                   const v1::ScreenMessageResponse& response);

// Masks every piece of personal data in `event` in place (names, numbers,
// e-mail addresses, street lines and postal codes, account ids; related
// contacts too).
void MaskCustomerEvent(customer::v1::CustomerEvent& event);

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_AUDIT_RECORDS_H_
