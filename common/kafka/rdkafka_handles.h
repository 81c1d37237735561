// Owning smart pointers for librdkafka's C handles, so every early return
// releases what it allocated. Not synchronized (like the handles themselves,
// see rdkafka.h for which calls are thread-safe).
#ifndef ARREARS_COMMON_KAFKA_RDKAFKA_HANDLES_H_
#define ARREARS_COMMON_KAFKA_RDKAFKA_HANDLES_H_

#include <librdkafka/rdkafka.h>

#include <memory>

namespace arrears::kafka {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_headers_t* p) const { rd_kafka_headers_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
};

using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using RdConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using RdMessagePtr = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;
using RdPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using RdQueuePtr = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter>;
using RdHeadersPtr = std::unique_ptr<rd_kafka_headers_t, RdKafkaDeleter>;
using RdMetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, RdKafkaDeleter>;

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_RDKAFKA_HANDLES_H_
