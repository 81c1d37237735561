// The one JSON shape of a Deliverable, shared by the providers that write or
// send one (the simulated provider's outbox lines, HttpProvider's request
// bodies):
//
//   message:    {"kind": "message", "channel": "CHANNEL_SMS",
//                "contact_point_id", "to", "template_id", "language",
//                "subject", "body"}
//   work order: {"kind": "work_order", "channel", "order_id", "customer_id",
//                "loan_ids", "contact_point_id", "to" (masked), "staff_ids",
//                "agency_id", "details", "script", "items": [work orders]}
//
// A message's "to" is the raw contact point value only when `raw_address`
// (a carrier must address it); otherwise, and always for work orders, the
// masked value. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_DELIVERABLE_JSON_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_DELIVERABLE_JSON_H_

#include "nlohmann/json.hpp"
#include "services/contact_channels/provider.h"

namespace arrears::contact {

nlohmann::json DeliverableJson(const Deliverable& deliverable, bool raw_address);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_DELIVERABLE_JSON_H_
