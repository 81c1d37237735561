#include "tools/devbroker/kafka_probe.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arrears::devbroker {

absl::StatusOr<std::map<std::string, int>> TopicPartitionCounts(absl::string_view bootstrap,
                                                                absl::Duration timeout) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", std::string(bootstrap).c_str(), error,
                        sizeof(error)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("bootstrap '", bootstrap, "': ", error));
  }
  // rd_kafka_new() owns `conf` from here on, whether it succeeds or not.
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> client(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error)), &rd_kafka_destroy);
  if (client == nullptr) return absl::InternalError(absl::StrCat("rd_kafka_new: ", error));

  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(client.get(), /*all_topics=*/1, /*only_rkt=*/nullptr, &metadata,
                        static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::Status(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? absl::StatusCode::kDeadlineExceeded
                                                            : absl::StatusCode::kUnavailable,
                        absl::StrCat("metadata from ", bootstrap, ": ", rd_kafka_err2str(err)));
  }
  std::map<std::string, int> counts;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    counts[metadata->topics[i].topic] = metadata->topics[i].partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  return counts;
}

}  // namespace arrears::devbroker
