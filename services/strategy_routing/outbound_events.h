// Outbound events of the strategy routing service as outbox entries: topic
// (from topics.proto, never spelled here), record key, CloudEvents envelope
// and payload bytes.
//
// Contract (what makes replays and restarts safe):
//  - Every id is deterministic in the input: a contact request's ce_id is its
//    request_id; case and plan event ids are DeriveTimeOrderedId of the case /
//    plan id, a per-case counter or loan id, and the cause's time.
//  - The envelope time is the cause's time (the inbound event's ce_time, the
//    agenda day's start, or the API call's instant), never the clock at
//    publication, so a re-run produces byte-identical events.
//  - Payloads are serialized deterministically (map fields sorted).
//
// Pure functions over an OutboxWriter; thread-compatible.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_OUTBOUND_EVENTS_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_OUTBOUND_EVENTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/store/outbox_writer.h"
#include "google/protobuf/message_lite.h"

namespace arrears::strategy {

// What caused a unit of work.
struct Cause {
  // ce_id of the inbound event, "agenda/<zone>/<date>", or "api:<key>".
  std::string id;
  // The inbound event's time, the agenda day's start, or the call's instant.
  absl::Time time = absl::UnixEpoch();
  std::string traceparent;
};

inline constexpr absl::string_view kEventSource = "//arrears/strategy-routing";

// Deterministic serialization (sorted map entries).
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

absl::Status EmitContactRequest(store::OutboxWriter& outbox, const v1::ContactRequest& request,
                                const Cause& cause);
// `sequence` distinguishes the events of one case version (0, 1, ...).
absl::Status EmitCaseEvent(store::OutboxWriter& outbox, const v1::CaseEvent& event, int sequence,
                           const Cause& cause);
absl::Status EmitPlanEvent(store::OutboxWriter& outbox, const v1::RepaymentPlanEvent& event,
                           const Cause& cause);

// The ce_id EmitCaseEvent gives (case id, case version, sequence, time).
std::string CaseEventId(absl::string_view case_id, int64_t case_version, int sequence,
                        absl::Time time);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_OUTBOUND_EVENTS_H_
