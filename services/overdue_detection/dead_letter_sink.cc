#include "services/overdue_detection/dead_letter_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace arrears::overdue {

// The dlq_* part repeats ConsumerLoop::DeadLetter (common/kafka/consumer_loop.cc),
// which builds its headers inline from librdkafka messages; the two stay in
// step until common/kafka exposes that builder (see the service README).
events::Headers DeadLetterHeaders(const DeadLetter& letter, absl::string_view consumer_group,
                                  absl::Time failed_at) {
  events::Headers headers = events::ToHeaders(letter.event.event.envelope);
  const events::SourcePosition& position = letter.event.position;
  auto add = [&headers](absl::string_view name, std::string value) {
    headers.emplace_back(std::string(name), std::move(value));
  };
  add("dlq_reason", std::string(letter.reason.message()));
  add("dlq_status_code", absl::StatusCodeToString(letter.reason.code()));
  add("dlq_original_topic", position.topic);
  add("dlq_original_partition", absl::StrCat(position.partition));
  add("dlq_original_offset", absl::StrCat(position.offset));
  add("dlq_attempts", absl::StrCat(letter.attempts));
  add("dlq_failed_at", events::FormatEventTime(failed_at));
  add("dlq_consumer_group", std::string(consumer_group));
  return headers;
}

}  // namespace arrears::overdue
