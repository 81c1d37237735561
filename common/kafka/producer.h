// KafkaProducer: the events::EventPublisher that writes to Kafka.
//
//   ARREARS_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(config));
//   ARREARS_RETURN_IF_ERROR(producer->Publish(events));
//
// Guarantees:
//   - Idempotent (enable.idempotence=true, acks=all): broker-side retries
//     neither duplicate nor reorder records with the same topic and key.
//   - partitioner=murmur2_random: a key lands on the partition a Java client
//     would choose, so loan systems and services agree on placement.
//   - Publish/ProduceRecords return only after every record's delivery
//     report arrived; any failed report fails the call (the status names the
//     topic and librdkafka's error). On error some records may have been
//     written: callers retry the whole call and consumers dedupe by ce_id.
//
// Thread-safe: concurrent calls each wait for their own records only; a
// background thread serves delivery reports for all of them. The destructor
// flushes for at most 10 s; it must not run while a call is in progress.
#ifndef ARREARS_COMMON_KAFKA_PRODUCER_H_
#define ARREARS_COMMON_KAFKA_PRODUCER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/events/event.h"
#include "common/events/publisher.h"
#include "common/kafka/config.h"
#include "common/kafka/rdkafka_handles.h"

namespace arrears::kafka {

// A raw Kafka record, for dead-letter copies and for tools and tests that must
// write what Publish would refuse to (e.g. records without CloudEvents headers).
struct Record {
  std::string topic;
  std::string key;  // "" is written as a null key (randomly partitioned)
  std::string value;
  events::Headers headers;
};

class KafkaProducer final : public events::EventPublisher {
 public:
  // Fails with InvalidArgument naming a bad property (see config.h; the
  // producer fixes enable.idempotence, acks and partitioner and defaults
  // linger.ms to 5).
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaConfig& config);

  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;
  ~KafkaProducer() override;

  // Each event becomes a record: key, payload as value, envelope as
  // CloudEvents headers (events::ToHeaders).
  absl::Status Publish(absl::Span<const events::Event> events) override;

  absl::Status ProduceRecords(absl::Span<const Record> records);

  // Waits up to `timeout` until nothing is queued or in flight.
  absl::Status Flush(absl::Duration timeout);

 private:
  // A record's fields, borrowed for the duration of one Produce call.
  struct RecordView {
    absl::string_view topic;
    absl::string_view key;
    absl::string_view value;
    const events::Headers* headers;
  };
  struct Delivery;

  explicit KafkaProducer(RdKafkaPtr rk);

  // The one produce path: enqueues record_at(0..count-1) in order and waits
  // for their delivery reports. `scratch` lets record_at build headers that
  // live until the record is enqueued.
  absl::Status Produce(
      size_t count,
      absl::FunctionRef<RecordView(size_t index, events::Headers& scratch)> record_at);
  absl::Status Enqueue(const std::string& topic, const RecordView& record, Delivery* delivery);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  void ServeDeliveryReports();

  RdKafkaPtr rk_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_PRODUCER_H_
