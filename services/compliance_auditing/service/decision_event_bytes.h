// The decision event (audit_records.h's DecisionEvent) written in the wire
// format directly: the same bytes as building the ComplianceDecisionEvent
// and serializing it, without copying the request and decision into a new
// message (many small allocations and their destruction, on every decision).
//
// The request is serialized once and its personal fields are dropped from
// the bytes; unknown fields are kept, as a copy of the message would keep
// them. Pure functions; thread-safe (as serializing a const message is).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_EVENT_BYTES_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_EVENT_BYTES_H_

#include <cstdint>
#include <string>

#include "arrears/compliance/v1/decision.pb.h"

namespace arrears::compliance::service {

// Appends to `out` the serialized `request` without its personal fields
// (contact_point.value, message_text): byte for byte what serializing a copy
// with those two fields cleared gives (a request whose contact_point held only
// a value keeps an empty contact_point, as the copy would). The copy is
// cleared as DecisionEvent() clears it, through mutable_contact_point(), so a
// request without a contact_point gets an empty one too: these are the bytes
// of DecisionEvent(request, decision).request().
void AppendRequestWithoutPersonalData(const v1::CheckContactRequest& request, std::string& out);

// The serialized ComplianceDecisionEvent{request: request without personal
// data, decision: decision}: byte for byte
// DecisionEvent(request, decision).SerializeAsString().
std::string SerializeDecisionEvent(const v1::CheckContactRequest& request,
                                   const v1::ContactDecision& decision);

// Bytes that, appended to a serialized ComplianceDecisionEvent, set its
// decision.audit_index to `index` when parsed (a message field that occurs
// twice is merged): the serialization of a ComplianceDecisionEvent whose only
// field is decision{audit_index: index}, except that audit_index is written
// even when `index` is 0, so that 0 also overrides an index already set.
std::string DecisionAuditIndexSuffix(uint64_t index);

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_EVENT_BYTES_H_
