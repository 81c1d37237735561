// Which contacts a case event cancels. The strategy service also sends
// explicit cancellations on the contact-requests topic; this is the
// contact service's own reading of the case-events topic, so a cure or a
// hold stops contacts even when those requests are late or missing.
//
//   case_closed                  -> every loan; reason CURED when the case
//                                   closed "ALL_CURED", else CASE_CLOSED
//   hold_placed                  -> the hold's loans (all when it names
//                                   none); reason HOLD_PLACED with the hold id
//   case_updated LOAN_CURED      -> the loans of the snapshot that are now
//                                   CURRENT or CLOSED; reason CURED
//   anything else                -> nothing
// Service notices (CONTACT_PURPOSE_SERVICE_NOTICE) are kept: the customer is
// owed them during a collection pause. Pure function; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CASE_CANCELLATION_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CASE_CANCELLATION_H_

#include <optional>

#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"

namespace arrears::contact {

std::optional<strategy::v1::CancelPendingContacts> CancellationForCaseEvent(
    const strategy::v1::CaseEvent& event);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CASE_CANCELLATION_H_
