// DeadLetterSink: where the service writes loan events it has given up on
// itself (parked events that never became applicable, or that turned out
// invalid once their loan arrived), as the consumer loop does for events it
// rejects at once.
//
// A dead letter is the original record (key, value and CloudEvents headers
// rebuilt from the envelope) on "<original topic>.dlq", with the same
// dlq_* headers ConsumerLoop writes (common/kafka/consumer_loop.h):
// dlq_reason, dlq_status_code, dlq_original_topic, dlq_original_partition,
// dlq_original_offset, dlq_attempts, dlq_failed_at, dlq_consumer_group, from
// the same events::AppendDeadLetterHeaders; see DeadLetterHeaders(). Sending
// is at-least-once: a crash after Send and before the caller forgets the
// letters sends them again (same ce_id).
//
// Implementations are thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_DEAD_LETTER_SINK_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_DEAD_LETTER_SINK_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/events/event.h"

namespace arrears::overdue {

struct DeadLetter {
  events::InboundEvent event;
  // Why it is dead: its code goes to dlq_status_code, its message to
  // dlq_reason.
  absl::Status reason;
  int attempts = 1;
};

class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  // Writes every letter or fails (then some may have been written).
  virtual absl::Status Send(absl::Span<const DeadLetter> letters) = 0;
};

// The headers of a dead-letter record for `letter`: the envelope's
// CloudEvents headers, then the dlq_* headers in ConsumerLoop's order.
events::Headers DeadLetterHeaders(const DeadLetter& letter, absl::string_view consumer_group,
                                  absl::Time failed_at);

// Keeps what it is sent, for tests.
class RecordingDeadLetterSink final : public DeadLetterSink {
 public:
  absl::Status Send(absl::Span<const DeadLetter> letters) override {
    absl::MutexLock lock(&mu_);
    if (!fail_with_.ok()) return fail_with_;
    sent_.insert(sent_.end(), letters.begin(), letters.end());
    return absl::OkStatus();
  }
  std::vector<DeadLetter> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_with_ = std::move(status);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<DeadLetter> sent_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_with_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_DEAD_LETTER_SINK_H_
