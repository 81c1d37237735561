#include "services/overdue_detection/kafka_dead_letter_sink.h"

#include <vector>

#include "common/status/status_macros.h"
#include "common/topics/topics.h"

namespace arrears::overdue {

absl::Status KafkaDeadLetterSink::Send(absl::Span<const DeadLetter> letters) {
  const absl::Time now = clock_->Now();
  std::vector<kafka::Record> records;
  records.reserve(letters.size());
  for (const DeadLetter& letter : letters) {
    kafka::Record& record = records.emplace_back();
    record.topic = topics::DeadLetterTopicName(letter.event.position.topic);
    record.key = letter.event.event.key;
    record.value = letter.event.event.payload;
    record.headers = DeadLetterHeaders(letter, consumer_group_, now);
  }
  return Annotate(producer_->ProduceRecords(records), "writing to the dead-letter topic");
}

}  // namespace arrears::overdue
