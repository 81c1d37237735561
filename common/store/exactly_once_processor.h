// ExactlyOnceProcessor: the EventBatchHandler that gives a service
// exactly-once effects on top of an at-least-once consumer loop.
//
// For each batch it opens ONE transaction (batching is what makes the path
// fast: one commit per batch, not per event) and, per event, inside a
// savepoint:
//   1. records (consumer, ce_id) as processed; if it already was, the event is
//      a duplicate: OK, nothing else happens;
//   2. calls EventApplier::Apply, which writes through the service's
//      repositories and enqueues outbound events through the OutboxWriter;
//   3. OK: keeps the savepoint. Permanent error: rolls the savepoint back (the
//      event leaves no effects and is not marked processed, so it can go to
//      the DLQ) and goes on. Retryable error: rolls it back and stops — this
//      event and every later one get a retryable status.
// Then it commits. If the transaction cannot begin or commit (a busy
// database), every event gets a retryable status (kUnavailable or kAborted):
// nothing of the batch is durable. The mark, the effects and the outbound
// events of an event therefore commit together or not at all, and an event
// whose transaction committed is never applied again.
//
// Savepoints cost about as much as the rest of an event's work in SQLite, and
// almost every event succeeds, so the first pass over a batch takes none: if
// an event then fails, the whole transaction is rolled back and the batch is
// redone with a savepoint for that event and every later one. Apply may
// therefore run more than once for an event before its effects commit once;
// it must keep all its effects inside the transaction.
//
// Returns exactly batch.size() statuses under the contract of
// events/handler.h. After a commit that enqueued outbound events it calls
// `after_commit` (e.g. OutboxRelay::Notify) on the calling thread.
//
// Not thread-safe per the handler contract (one HandleBatch at a time);
// several processors (or processes) may share one store.
#ifndef ARREARS_COMMON_STORE_EXACTLY_ONCE_PROCESSOR_H_
#define ARREARS_COMMON_STORE_EXACTLY_ONCE_PROCESSOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/events/event.h"
#include "common/events/handler.h"
#include "common/store/event_applier.h"
#include "common/store/outbox.h"
#include "common/store/processed_events.h"
#include "common/store/transaction.h"
#include "common/time/clock.h"

namespace arrears::store {

struct ExactlyOnceProcessorOptions {
  // Dedupe namespace: usually the consumer group. Required.
  std::string consumer;
  // Called after a commit that enqueued outbound events. Optional.
  std::function<void()> after_commit = nullptr;
};

class ExactlyOnceProcessor final : public events::EventBatchHandler {
 public:
  // The pointers must outlive the processor; the three store seams must
  // belong to the same store (e.g. one SqliteDatabase). InvalidArgument for a
  // null pointer or an empty consumer.
  static absl::StatusOr<std::unique_ptr<ExactlyOnceProcessor>> Create(
      TransactionRunner* store, ProcessedEvents* processed_events, Outbox* outbox,
      EventApplier* applier, const Clock* clock, ExactlyOnceProcessorOptions options);

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override;

 private:
  ExactlyOnceProcessor(TransactionRunner* store, ProcessedEvents* processed_events, Outbox* outbox,
                       EventApplier* applier, const Clock* clock,
                       ExactlyOnceProcessorOptions options)
      : store_(store),
        processed_events_(processed_events),
        outbox_(outbox),
        applier_(applier),
        clock_(clock),
        options_(std::move(options)) {}

  struct Pass;
  // Processes `batch` in `txn`, with a savepoint per event from index
  // `pass.savepoints_from` on. Fills pass.statuses, or sets pass.restart_at
  // (an event without a savepoint failed: redo with savepoints from there) or
  // returns an error that aborts the transaction.
  absl::Status RunPass(Transaction& txn, absl::Span<const events::InboundEvent> batch,
                       absl::Time now, Pass& pass);
  // One event in a savepoint: its status, or, in `*abort`, why the whole
  // transaction must be abandoned (a savepoint could not be released or
  // rolled back).
  absl::Status ProcessInSavepoint(Transaction& txn, const events::InboundEvent& inbound,
                                  OutboxWriter& outbox, absl::Time now, absl::Status* abort);
  // Marks and (unless a duplicate) applies one event. Without a savepoint,
  // an error leaves its partial writes in the transaction.
  absl::Status MarkAndApply(Transaction& txn, const events::InboundEvent& inbound,
                            OutboxWriter& outbox, absl::Time now);

  TransactionRunner* const store_;
  ProcessedEvents* const processed_events_;
  Outbox* const outbox_;
  EventApplier* const applier_;
  const Clock* const clock_;
  const ExactlyOnceProcessorOptions options_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_EXACTLY_ONCE_PROCESSOR_H_
