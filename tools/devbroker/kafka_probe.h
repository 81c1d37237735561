// Test-only: what a Kafka cluster says about its topics, asked the way any
// client would (librdkafka C API, one metadata request through `bootstrap`).
//
//   ASSERT_OK_AND_ASSIGN(auto counts, TopicPartitionCounts("127.0.0.1:9092"));
//   EXPECT_EQ(counts["arrears.loan.events.v1"], 64);
//
// Fails (kDeadlineExceeded / kUnavailable, with librdkafka's reason) when no
// broker answers within `timeout`. Thread-safe: every call has its own client.
#ifndef ARREARS_TOOLS_DEVBROKER_KAFKA_PROBE_H_
#define ARREARS_TOOLS_DEVBROKER_KAFKA_PROBE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arrears::devbroker {

// Topic name -> partition count, for every topic the cluster reports.
absl::StatusOr<std::map<std::string, int>> TopicPartitionCounts(
    absl::string_view bootstrap, absl::Duration timeout = absl::Seconds(5));

}  // namespace arrears::devbroker

#endif  // ARREARS_TOOLS_DEVBROKER_KAFKA_PROBE_H_
