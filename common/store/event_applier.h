// EventApplier: the domain side of the exactly-once consumer path.
//
// A service implements Apply for the events it consumes; ExactlyOnceProcessor
// calls it inside a transaction (and a savepoint of its own), after having
// recorded the event as processed, and commits Apply's writes, the mark and
// the enqueued outbound events together. Apply sees only the event, the open
// Transaction (for its own repositories) and an OutboxWriter — never Kafka
// and never SQL of other layers.
//
// Apply's status follows events/handler.h: OK; a permanent error (the event is
// invalid for the current state: its writes are undone and it goes to the
// DLQ); or a retryable one (IsRetryable: the moment is bad — its writes are
// undone and it is redelivered later). Apply is not called for duplicates.
// Called from one thread at a time per processor.
#ifndef ARREARS_COMMON_STORE_EVENT_APPLIER_H_
#define ARREARS_COMMON_STORE_EVENT_APPLIER_H_

#include "absl/status/status.h"
#include "common/events/event.h"
#include "common/store/outbox_writer.h"
#include "common/store/transaction.h"

namespace arrears::store {

class EventApplier {
 public:
  virtual ~EventApplier() = default;

  virtual absl::Status Apply(const events::InboundEvent& event, Transaction& txn,
                             OutboxWriter& outbox) = 0;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_EVENT_APPLIER_H_
