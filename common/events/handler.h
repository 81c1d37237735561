// EventBatchHandler: the seam between a consumer loop (Kafka) and the code that
// applies events (a service's exactly-once store transaction).
//
// Retry contract. A handler returns one status per event, in order:
//   - OK: the event's effects are durable (or it was a duplicate, skipped).
//   - a permanent error (any code not listed below): the event left no
//     effects and is rejected; the loop sends it to "<topic>.dlq" with the
//     status in headers and goes on with the next event.
//   - a retryable error (IsRetryable below): this event and every event after
//     it in the batch left no effects; the loop retries from this event with
//     backoff, and after its retry budget sends it to the DLQ and goes on.
// Events arrive in partition order; a batch may mix partitions.
#ifndef ARREARS_COMMON_EVENTS_HANDLER_H_
#define ARREARS_COMMON_EVENTS_HANDLER_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "common/events/event.h"

namespace arrears::events {

// kUnavailable, kAborted, kDeadlineExceeded and kResourceExhausted: the
// failure is about the moment (a locked database, a peer down), not the event.
inline bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

class EventBatchHandler {
 public:
  virtual ~EventBatchHandler() = default;

  // Applies `batch` (non-empty) under the contract above. Returns exactly
  // batch.size() statuses. Called from one thread at a time per loop.
  virtual std::vector<absl::Status> HandleBatch(absl::Span<const InboundEvent> batch) = 0;
};

}  // namespace arrears::events

#endif  // ARREARS_COMMON_EVENTS_HANDLER_H_
