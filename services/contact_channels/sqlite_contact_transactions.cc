#include "services/contact_channels/sqlite_contact_transactions.h"

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"

namespace arrears::contact {

events::Event ToOutboundEvent(const v1::ContactEvent& event) {
  events::Event out;
  out.topic = topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name();
  out.key = event.customer_id();
  out.envelope.id = event.event_id();
  out.envelope.type = std::string(v1::ContactEvent::descriptor()->full_name());
  out.envelope.source = kContactEventSource;
  out.envelope.time = FromTimestamp(event.occurred_at());
  event.SerializeToString(&out.payload);
  return out;
}

absl::Status CommitContactEvents(SqliteContactStore& store, store::OutboxWriter& outbox,
                                 const std::vector<v1::ContactEvent>& events) {
  for (const v1::ContactEvent& event : events) {
    if (event.event_id().empty()) return absl::InvalidArgumentError("event_id: must be set");
    if (event.customer_id().empty()) return absl::InvalidArgumentError("customer_id: must be set");
    ARREARS_RETURN_IF_ERROR(store.AppendHistory(event));
    ARREARS_RETURN_IF_ERROR(outbox.Enqueue(ToOutboundEvent(event)));
  }
  return absl::OkStatus();
}

absl::Status SqliteContactTransactions::Run(Body body) {
  return runner_([&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
    ARREARS_ASSIGN_OR_RETURN(DispatchEffects effects, body(store));
    return CommitContactEvents(store, outbox, effects.events);
  });
}

}  // namespace arrears::contact
