// librdkafka error codes as absl::Status, so callers branch on codes the
// rest of the system understands (events::IsRetryable treats kUnavailable
// and kDeadlineExceeded as worth a retry). Pure functions.
#ifndef ARREARS_COMMON_KAFKA_ERROR_H_
#define ARREARS_COMMON_KAFKA_ERROR_H_

#include <librdkafka/rdkafka.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arrears::kafka {

// "<context>: <librdkafka's description> (<error name>)". Codes: message too
// large or invalid -> kInvalidArgument; authorization -> kPermissionDenied;
// timeouts -> kDeadlineExceeded; a fatal client error -> kInternal (the
// client is unusable); anything else (brokers, network) -> kUnavailable.
// NO_ERROR yields OK.
absl::Status KafkaError(rd_kafka_resp_err_t err, absl::string_view context);

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_ERROR_H_
