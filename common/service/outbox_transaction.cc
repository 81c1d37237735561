#include "common/service/outbox_transaction.h"

#include "common/service/trace_propagation.h"

namespace arrears::service {

absl::Status RunOutboxTransaction(
    store::SqliteDatabase& database, store::Outbox& outbox, store::OutboxRelay& relay,
    EventFeeds& feeds,
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
  int enqueued = 0;
  absl::Status status = database.InTransaction([&](store::Transaction& txn) {
    store::TransactionalOutboxWriter writer(outbox, txn);
    TraceStampingOutboxWriter traced(writer);
    absl::Status s = body(txn, traced);
    enqueued = writer.enqueued();
    return s;
  });
  if (!status.ok()) return status;
  if (enqueued > 0) relay.Notify();
  feeds.Notify();
  return status;
}

void WakePublishers(store::OutboxRelay& relay, EventFeeds& feeds) {
  relay.Notify();
  feeds.Notify();
}

absl::Status StopPublishers(store::OutboxRelay& relay, EventFeeds& feeds) {
  absl::Status outbox = relay.Stop();
  absl::Status in_feeds = feeds.Stop();
  return outbox.ok() ? in_feeds : outbox;
}

}  // namespace arrears::service
