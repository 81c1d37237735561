// SqliteParkedEvents: loan events the service could not apply yet, on the
// overdue_parked_events table (overdue_schema.h).
//
// An event is parked when the engine reports it refers to something the
// service does not have yet: a loan not opened (a repayment that overtook its
// LoanOpened on another partition or in the loan system), or a repayment a
// reversal names. The event is kept whole (source position, envelope,
// payload) with the reason, so it can be retried when its loan next changes
// and, if it never becomes applicable, dead-lettered exactly as the consumer
// loop would have done.
//
// Lifecycle of a row: parked -> removed (applied later), or parked -> dead
// (expired after the configured time, or found invalid once its loan
// arrived) -> removed once written to the DLQ.
//
// Every method works inside the caller's transaction of the database given
// at construction (FailedPrecondition for another store's). Thread-safe as
// far as SqliteDatabase is.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_PARKED_EVENTS_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_PARKED_EVENTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/events/event.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"

namespace arrears::overdue {

struct ParkedEvent {
  int64_t sequence = 0;
  std::string loan_id;
  events::InboundEvent inbound;
  // Why it was parked (or why it is dead): code and message.
  absl::Status reason;
  // Times it was tried: 1 when parked, +1 per retry.
  int attempts = 1;
  absl::Time parked_at;
};

class SqliteParkedEvents {
 public:
  // `db` must outlive this object.
  explicit SqliteParkedEvents(store::SqliteDatabase* db) : db_(db) {}

  absl::Status Park(store::Transaction& txn, absl::string_view loan_id,
                    const events::InboundEvent& inbound, const absl::Status& reason,
                    absl::Time now);

  // The live (not dead) events parked for `loan_id`, oldest first.
  absl::StatusOr<std::vector<ParkedEvent>> WaitingFor(store::Transaction& txn,
                                                      absl::string_view loan_id);
  // A retry failed again, for `reason`.
  absl::Status NoteRetry(store::Transaction& txn, int64_t sequence, const absl::Status& reason);
  absl::Status Remove(store::Transaction& txn, int64_t sequence);
  // The event can never be applied: due for the DLQ with `reason`.
  absl::Status MarkDead(store::Transaction& txn, int64_t sequence, const absl::Status& reason,
                        absl::Time now);
  // Every live event parked at or before `parked_before` becomes dead; its
  // reason gets `note` appended. Returns how many.
  absl::StatusOr<int64_t> ExpireParkedBefore(store::Transaction& txn, absl::Time parked_before,
                                             absl::string_view note, absl::Time now);
  // Up to `limit` dead events, oldest first.
  absl::StatusOr<std::vector<ParkedEvent>> Dead(store::Transaction& txn, int limit);

  struct Counts {
    int64_t parked = 0;
    int64_t dead = 0;
  };
  absl::StatusOr<Counts> Count(store::Transaction& txn);

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_PARKED_EVENTS_H_
