// ContactAttemptPlan: one proposed try of one contact request on one channel
// and contact point, as the dispatcher describes it to the compliance gate.
//
// It carries personal data only where the gate needs it (the contact point's
// raw `value`, the rendered message text, both of which compliance never logs
// or publishes); everything else is ids and codes. Plain value type.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ATTEMPT_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ATTEMPT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arrears/common/v1/contact.pb.h"

namespace arrears::contact {

struct ContactAttemptPlan {
  // Idempotency key of this check: "<attempt_id>/check-<n>". A re-check
  // (after a deferral, a wait or a retry) uses a new n, as compliance asks.
  std::string check_id;
  std::string attempt_id;
  std::string request_id;
  std::string customer_id;
  std::vector<std::string> loan_ids;
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  common::v1::ContactPoint contact_point;
  common::v1::Counterparty counterparty = common::v1::COUNTERPARTY_UNSPECIFIED;
  std::string related_contact_id;
  common::v1::ContactPurpose purpose = common::v1::CONTACT_PURPOSE_UNSPECIFIED;
  // When the contact would happen (the dispatcher's "now").
  absl::Time proposed_time = absl::InfinitePast();
  std::string template_id;
  std::string language;
  // Rendered text for message channels; empty for calls and hand-overs.
  std::string message_text;
  std::string agency_id;
  // Field visit specifics (staff going, recording).
  int field_staff_count = 0;
  bool recording_on = false;
  // IANA time zones the person may be in (the address's, the customer's),
  // for compliance's local-time rules; empty = compliance's own data.
  std::vector<std::string> candidate_time_zones;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ATTEMPT_H_
