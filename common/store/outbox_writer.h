// OutboxWriter: what domain code sees of the outbox — "emit this event as part
// of the transaction I am in".
//
// TransactionalOutboxWriter binds an Outbox to one open Transaction; it is
// what ExactlyOnceProcessor hands to an EventApplier, and what a gRPC handler
// that changes state and emits events builds inside its own InTransaction.
// Valid only while the transaction is open; used from the transaction's thread.
#ifndef ARREARS_COMMON_STORE_OUTBOX_WRITER_H_
#define ARREARS_COMMON_STORE_OUTBOX_WRITER_H_

#include "absl/status/status.h"
#include "common/events/event.h"
#include "common/store/outbox.h"
#include "common/store/transaction.h"

namespace arrears::store {

class OutboxWriter {
 public:
  virtual ~OutboxWriter() = default;

  // Enqueues `event`; it is published after, and only if, the transaction
  // commits. Errors as Outbox::Enqueue.
  virtual absl::Status Enqueue(const events::Event& event) = 0;
};

class TransactionalOutboxWriter final : public OutboxWriter {
 public:
  TransactionalOutboxWriter(Outbox& outbox, Transaction& txn) : outbox_(outbox), txn_(txn) {}

  absl::Status Enqueue(const events::Event& event) override {
    absl::Status status = outbox_.Enqueue(txn_, event);
    if (status.ok()) ++enqueued_;
    return status;
  }

  // Events enqueued through this writer (including ones a savepoint later
  // rolled back).
  int enqueued() const { return enqueued_; }

 private:
  Outbox& outbox_;
  Transaction& txn_;
  int enqueued_ = 0;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_OUTBOX_WRITER_H_
