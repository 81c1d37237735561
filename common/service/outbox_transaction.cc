#include "common/service/outbox_transaction.h"

#include "common/service/trace_propagation.h"

namespace arrears::service {

absl::Status RunOutboxTransaction(
    store::SqliteDatabase& database, store::Outbox& outbox, store::OutboxRelay& relay,
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
  int enqueued = 0;
  absl::Status status = database.InTransaction([&](store::Transaction& txn) {
    store::TransactionalOutboxWriter writer(outbox, txn);
    TraceStampingOutboxWriter traced(writer);
    absl::Status s = body(txn, traced);
    enqueued = writer.enqueued();
    return s;
  });
  if (status.ok() && enqueued > 0) relay.Notify();
  return status;
}

}  // namespace arrears::service
