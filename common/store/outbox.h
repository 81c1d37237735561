// Outbox: the transactional outbox, the publishing half of exactly-once
// effects.
//
// A service never publishes from inside a transaction: it enqueues outbound
// events in the same transaction as the state change that causes them, and a
// relay (outbox_relay.h) later publishes committed rows in sequence order and
// then marks them published. So an event is published if and only if its
// transaction committed — at least once: a crash between Publish and
// MarkPublished republishes the same events (same Envelope::id), which
// consumers dedupe.
//
// Sequences of pending records increase in commit order, so publishing in
// sequence order keeps every key's events in the order they were committed.
// A sequence may be reused once its record is published and removed; hence
// MarkPublished names records by (sequence, event id). Implementations are
// thread-safe.
#ifndef ARREARS_COMMON_STORE_OUTBOX_H_
#define ARREARS_COMMON_STORE_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/events/event.h"
#include "common/store/transaction.h"

namespace arrears::store {

struct OutboxRecord {
  int64_t sequence = 0;
  events::Event event;

  friend bool operator==(const OutboxRecord&, const OutboxRecord&) = default;
};

// Names a fetched record for MarkPublished. The event id keeps a relay that
// stalled past its lease from removing a newer record that took a published
// record's sequence.
struct OutboxRecordId {
  int64_t sequence = 0;
  std::string event_id;
};

// What a relay (outbox_relay.h) publishes from: committed events in
// publishing order, each named by a sequence that increases in commit order.
// The outbox below is one; a log the service keeps anyway can be another
// (the compliance service publishes its decisions from its audit log), so
// that an event is not written twice. Implementations are thread-safe.
class OutboxSource {
 public:
  virtual ~OutboxSource() = default;

  // Up to `limit` (> 0) committed, unpublished records, lowest sequence first.
  virtual absl::StatusOr<std::vector<OutboxRecord>> FetchUnpublished(int limit) = 0;

  // Marks these records as published (removes them), in its own transaction.
  // Records that are gone (or whose sequence now names another event) are
  // ignored.
  virtual absl::Status MarkPublished(absl::Span<const OutboxRecordId> records) = 0;

  // Number of committed, unpublished records.
  virtual absl::StatusOr<int64_t> PendingCount() = 0;
};

class Outbox : public OutboxSource {
 public:
  // Adds `event` to the outbox inside `txn`. InvalidArgument (naming the
  // field) if the topic is empty or the envelope is invalid
  // (events::ValidateEnvelope): such an event could never be published.
  virtual absl::Status Enqueue(Transaction& txn, const events::Event& event) = 0;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_OUTBOX_H_
