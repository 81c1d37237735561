// The Kafka plumbing's only way to emit a diagnostic line.
//
// Everything in common/kafka (rebalances, consumer errors, librdkafka's own
// log callback) goes through Log(), so switching to the project's structured
// logger later is a change to log.cc only. Thread-safe: librdkafka calls it
// from its internal threads.
#ifndef ARREARS_COMMON_KAFKA_LOG_H_
#define ARREARS_COMMON_KAFKA_LOG_H_

#include "absl/strings/string_view.h"

namespace arrears::kafka {

enum class LogSeverity { kInfo, kWarning, kError };

void Log(LogSeverity severity, absl::string_view message);

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_LOG_H_
