// ProcessedEvents: the record of which events a consumer has applied, the
// dedupe half of exactly-once effects.
//
// A consumer marks an event processed in the same transaction that applies
// its effects, so "applied" and "recorded" commit or vanish together; a
// redelivered event (same Envelope::id, i.e. ce_id) then finds its mark and
// is skipped. The key is (consumer, event_id): two consumers in one service
// (e.g. two subscriptions) dedupe independently.
//
// Marks are kept until pruned. Prune only what is older than the longest
// redelivery horizon (Kafka retention of the consumed topics): a redelivered
// event whose mark was pruned is applied again. Implementations are
// thread-safe.
#ifndef ARREARS_COMMON_STORE_PROCESSED_EVENTS_H_
#define ARREARS_COMMON_STORE_PROCESSED_EVENTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/transaction.h"

namespace arrears::store {

class ProcessedEvents {
 public:
  virtual ~ProcessedEvents() = default;

  // Records (consumer, event_id) as processed at `at` inside `txn`. Returns
  // true if it was not recorded before (apply the event), false if it was (a
  // duplicate: skip it). InvalidArgument for an empty event_id or consumer.
  virtual absl::StatusOr<bool> MarkProcessed(Transaction& txn, absl::string_view event_id,
                                             absl::string_view consumer, absl::Time at) = 0;

  // MarkProcessed for each id in order, as one call: result[i] is true iff
  // event_ids[i] was neither recorded before nor earlier in the list. Stores
  // override it to do the same in fewer statements (the exactly-once
  // processor marks a whole batch at once); this default loops.
  virtual absl::StatusOr<std::vector<bool>> MarkProcessedBatch(
      Transaction& txn, absl::Span<const absl::string_view> event_ids, absl::string_view consumer,
      absl::Time at) {
    std::vector<bool> first_time;
    first_time.reserve(event_ids.size());
    for (absl::string_view id : event_ids) {
      absl::StatusOr<bool> marked = MarkProcessed(txn, id, consumer, at);
      if (!marked.ok()) return marked.status();
      first_time.push_back(*marked);
    }
    return first_time;
  }

  // Deletes marks recorded before `older_than`, in its own transaction(s);
  // returns how many were deleted.
  virtual absl::StatusOr<int64_t> Prune(absl::Time older_than) = 0;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_PROCESSED_EVENTS_H_
