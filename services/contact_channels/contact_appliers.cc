#include "services/contact_channels/contact_appliers.h"

#include "absl/strings/str_cat.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/contact_channels/case_cancellation.h"
#include "services/contact_channels/sqlite_contact_transactions.h"

namespace arrears::contact {
namespace {

// The payload as `Message`, keyed by its customer id.
template <typename Message>
absl::StatusOr<Message> ParsePayload(const events::InboundEvent& inbound) {
  Message message;
  const std::string& payload = inbound.event.payload;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload: not a valid ", Message::descriptor()->full_name()));
  }
  if (message.customer_id().empty()) {
    return absl::InvalidArgumentError("customer_id: must be set");
  }
  if (message.customer_id() != inbound.event.key) {
    return absl::InvalidArgumentError(absl::StrCat("customer_id: \"", message.customer_id(),
                                                   "\" differs from the record key \"",
                                                   inbound.event.key, "\""));
  }
  return message;
}

}  // namespace

absl::Status ContactRequestApplier::Apply(const events::InboundEvent& event,
                                          store::Transaction& txn, store::OutboxWriter& outbox) {
  ARREARS_ASSIGN_OR_RETURN(strategy::v1::ContactRequest request,
                           ParsePayload<strategy::v1::ContactRequest>(event));
  ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
  ARREARS_ASSIGN_OR_RETURN(DispatchEffects effects, dispatcher_->Admit(store, request));
  ARREARS_RETURN_IF_ERROR(CommitContactEvents(store, outbox, effects.events));
  // The worker's scan waits for this transaction to commit (one connection).
  if (request.has_contact() && !effects.duplicate && on_admitted_) on_admitted_();
  return absl::OkStatus();
}

absl::Status CaseEventApplier::Apply(const events::InboundEvent& event, store::Transaction& txn,
                                     store::OutboxWriter& outbox) {
  ARREARS_ASSIGN_OR_RETURN(strategy::v1::CaseEvent case_event,
                           ParsePayload<strategy::v1::CaseEvent>(event));
  const std::optional<strategy::v1::CancelPendingContacts> cancel =
      CancellationForCaseEvent(case_event);
  if (!cancel.has_value()) return absl::OkStatus();
  const absl::Time effective_at = case_event.has_occurred_at()
                                      ? FromTimestamp(case_event.occurred_at())
                                      : event.event.envelope.time;
  ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
  ARREARS_ASSIGN_OR_RETURN(
      DispatchEffects effects,
      dispatcher_->Cancel(store, case_event.customer_id(), *cancel, effective_at));
  return CommitContactEvents(store, outbox, effects.events);
}

absl::Status CustomerEventApplier::Apply(const events::InboundEvent& event, store::Transaction& txn,
                                         store::OutboxWriter& outbox) {
  ARREARS_ASSIGN_OR_RETURN(customer::v1::CustomerEvent customer_event,
                           ParsePayload<customer::v1::CustomerEvent>(event));
  if (!customer_event.has_contact_data_changed()) return absl::OkStatus();
  const absl::Time occurred_at = customer_event.has_occurred_at()
                                     ? FromTimestamp(customer_event.occurred_at())
                                     : event.event.envelope.time;
  ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
  return store.PutContactData(customer_event.customer_id(),
                              customer_event.contact_data_changed().contact_data(), occurred_at);
}

}  // namespace arrears::contact
