// Conversions between events::Headers (what the rest of the system sees) and
// librdkafka's header lists. Used by the producer, the consumer loop (to keep
// a message's original headers in its dead-letter copy) and test helpers.
// Pure functions; thread-compatible.
#ifndef ARREARS_COMMON_KAFKA_HEADERS_H_
#define ARREARS_COMMON_KAFKA_HEADERS_H_

#include <librdkafka/rdkafka.h>

#include "common/events/event.h"
#include "common/kafka/rdkafka_handles.h"

namespace arrears::kafka {

// A librdkafka header list holding copies of `headers`, in order.
RdHeadersPtr ToRdHeaders(const events::Headers& headers);

// Replaces `*out` with the headers of `message` in wire order; a header with a
// null value reads as "". Reuses the capacity of `*out`'s strings, so a
// scratch list reused across messages stops allocating once warm.
void ReadHeaders(const rd_kafka_message_t& message, events::Headers* out);

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_HEADERS_H_
