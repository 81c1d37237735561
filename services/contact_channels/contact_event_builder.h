// The one place contact events about a contact request are shaped: what an
// event of an attempt carries (ids, loans, channel, masked contact point,
// counterparty, purpose, template, field visit) and how its event_id is
// made.
//
// Event ids are DeriveTimeOrderedId(attempt_id, "event-<n>", occurred_at)
// with n the record's event_sequence, incremented by EmitContactEvent: the
// same state change made again (a consumer batch redone after a rollback)
// produces the same id, and different events of one attempt never share one.
// The contact point's raw value is never copied into an event. Pure
// functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_EVENT_BUILDER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_EVENT_BUILDER_H_

#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/contact_transactions.h"

namespace arrears::contact {

// An outbound event of `record`'s attempt with `outcome` at `at`, without
// event_id.
v1::ContactEvent BaseContactEvent(const ContactRecord& record, absl::Time at,
                                  v1::ContactOutcome outcome);

// Numbers `event` with the record's next event id and adds it to `effects`.
void EmitContactEvent(ContactRecord& record, v1::ContactEvent event, DispatchEffects& effects);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_EVENT_BUILDER_H_
