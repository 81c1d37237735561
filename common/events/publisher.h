// EventPublisher: the seam through which a service hands events to the
// transport (Kafka in production and in the embedded default, an in-memory
// fake in unit tests).
#ifndef ARREARS_COMMON_EVENTS_PUBLISHER_H_
#define ARREARS_COMMON_EVENTS_PUBLISHER_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "common/events/event.h"

namespace arrears::events {

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;

  // Publishes `events` and returns only when every one of them is durably
  // acknowledged by the transport, or returns an error. Events with the same
  // topic and key are delivered in the order given. On error some events may
  // have been published: callers retry the whole call, and consumers dedupe
  // by Envelope::id. Thread-safe.
  virtual absl::Status Publish(absl::Span<const Event> events) = 0;
};

}  // namespace arrears::events

#endif  // ARREARS_COMMON_EVENTS_PUBLISHER_H_
