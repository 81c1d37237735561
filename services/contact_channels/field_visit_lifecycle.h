// The lifecycle of a field visit work order:
//
//   planned --(dispatched with >= 2 staff, compliance allowed)--> assigned
//   assigned --CheckIn (>= 2 assigned staff present, recording on)--> checked in
//   checked in --Complete (outcome, notes)--> completed
//   planned / assigned / checked in --cancel (cure, hold, deny, expiry)--> cancelled
//
// Pure functions over arrears.contact.v1.FieldVisit. Request validation
// errors are InvalidArgument naming the request field; a transition not
// allowed from the current state is FailedPrecondition naming the visit and
// its state. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_FIELD_VISIT_LIFECYCLE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_FIELD_VISIT_LIFECYCLE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_service.pb.h"
#include "arrears/contact/v1/field_visit.pb.h"
#include "services/contact_channels/contact_store.h"

namespace arrears::contact {

// "fieldVisits/{id}".
std::string FieldVisitName(absl::string_view field_visit_id);
// The work order id of a field-visit request (its order's id, else the
// attempt id); empty for other channels.
std::string FieldVisitIdOf(const ContactRecord& record);

// The work order a field-visit request plans (STATE_PLANNED). The address is
// the masked contact point known so far (its id until the directory was
// asked).
v1::FieldVisit PlanFieldVisit(const ContactRecord& record, absl::Time now);

// Handed to the field provider under `decision_id`: ASSIGNED with >= 2
// staff, else it stays PLANNED until staff are confirmed.
void MarkFieldVisitDispatched(v1::FieldVisit& visit, const ContactRecord& record, absl::Time now);

// Cancels an open visit (not completed or cancelled); returns whether it did.
bool CancelFieldVisit(v1::FieldVisit& visit, absl::string_view reason, absl::Time now);

absl::Status CheckInFieldVisit(v1::FieldVisit& visit, const v1::CheckInFieldVisitRequest& request,
                               absl::Time now);
absl::Status CompleteFieldVisit(v1::FieldVisit& visit, const v1::CompleteFieldVisitRequest& request,
                                absl::Time now);

// A promise to pay as a request carries it: amount > 0 with a known
// currency, a real promised date. `field` prefixes error messages.
absl::Status ValidatePromiseToPay(const v1::PromiseToPay& promise, absl::string_view field);

// Outcomes a person can report for a call or visit (not the dispatcher's
// own SENT, DELIVERED, BLOCKED, DEFERRED, CANCELLED, ...).
bool IsReportableOutcome(v1::ContactOutcome outcome);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_FIELD_VISIT_LIFECYCLE_H_
