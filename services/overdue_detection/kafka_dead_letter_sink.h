// KafkaDeadLetterSink: the DeadLetterSink of the service process, writing
// dead letters to "<original topic>.dlq" through a KafkaProducer (idempotent,
// waits for delivery reports). Thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_KAFKA_DEAD_LETTER_SINK_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_KAFKA_DEAD_LETTER_SINK_H_

#include <string>

#include "common/kafka/producer.h"
#include "common/time/clock.h"
#include "services/overdue_detection/dead_letter_sink.h"

namespace arrears::overdue {

class KafkaDeadLetterSink final : public DeadLetterSink {
 public:
  // `producer` and `clock` must outlive the sink. `consumer_group` goes to
  // dlq_consumer_group.
  KafkaDeadLetterSink(kafka::KafkaProducer* producer, std::string consumer_group,
                      const Clock* clock)
      : producer_(producer), consumer_group_(std::move(consumer_group)), clock_(clock) {}

  absl::Status Send(absl::Span<const DeadLetter> letters) override;

 private:
  kafka::KafkaProducer* const producer_;
  const std::string consumer_group_;
  const Clock* const clock_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_KAFKA_DEAD_LETTER_SINK_H_
