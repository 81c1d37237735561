#include "services/overdue_detection/dead_letter_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace arrears::overdue {

events::Headers DeadLetterHeaders(const DeadLetter& letter, absl::string_view consumer_group,
                                  absl::Time failed_at) {
  events::Headers headers = events::ToHeaders(letter.event.event.envelope);
  events::AppendDeadLetterHeaders(letter.reason, letter.event.position, letter.attempts,
                                  events::FormatEventTime(failed_at), consumer_group, headers);
  return headers;
}

}  // namespace arrears::overdue
