// Trace propagation across the event path, so one W3C trace follows a loan
// event through every service it touches:
//
//   - TracedApplier wraps a domain EventApplier: while the event is applied,
//     the thread's current trace context (which every log line carries) is a
//     child span of the event's traceparent, or a new root when it has none
//     or a malformed one;
//   - TraceStampingOutboxWriter gives each enqueued event without a
//     traceparent the current context's, so follow-up events continue the
//     trace. gRPC handlers get the same through ServiceHost::InTransaction,
//     where the current context is the call's (set by the gRPC interceptor).
//
// Both are thin decorators: same statuses, same effects, no state of their
// own beyond the wrapped object. Thread-safety is the wrapped object's.
#ifndef ARREARS_COMMON_SERVICE_TRACE_PROPAGATION_H_
#define ARREARS_COMMON_SERVICE_TRACE_PROPAGATION_H_

#include "common/store/event_applier.h"
#include "common/store/outbox_writer.h"

namespace arrears::service {

class TraceStampingOutboxWriter final : public store::OutboxWriter {
 public:
  explicit TraceStampingOutboxWriter(store::OutboxWriter& inner) : inner_(inner) {}
  absl::Status Enqueue(const events::Event& event) override;

 private:
  store::OutboxWriter& inner_;
};

class TracedApplier final : public store::EventApplier {
 public:
  // `inner` is not owned and must outlive this object.
  explicit TracedApplier(store::EventApplier* inner) : inner_(inner) {}
  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  store::EventApplier* const inner_;
};

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_TRACE_PROPAGATION_H_
