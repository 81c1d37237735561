#include "common/service/trace_propagation.h"

#include <optional>

#include "common/runtime/trace_context.h"

namespace arrears::service {

absl::Status TraceStampingOutboxWriter::Enqueue(const events::Event& event) {
  std::optional<runtime::TraceContext> current = runtime::CurrentTraceContext();
  if (!event.envelope.traceparent.empty() || !current.has_value()) return inner_.Enqueue(event);
  events::Event stamped = event;
  stamped.envelope.traceparent = current->ToTraceparent();
  return inner_.Enqueue(stamped);
}

absl::Status TracedApplier::Apply(const events::InboundEvent& event, store::Transaction& txn,
                                  store::OutboxWriter& outbox) {
  absl::StatusOr<runtime::TraceContext> parent =
      runtime::TraceContext::FromTraceparent(event.event.envelope.traceparent);
  runtime::ScopedTraceContext scope(parent.ok() ? parent->NewChild()
                                                : runtime::TraceContext::NewRoot());
  TraceStampingOutboxWriter writer(outbox);
  return inner_->Apply(event, txn, writer);
}

}  // namespace arrears::service
