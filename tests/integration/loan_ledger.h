// The vertical-path consumer used by the cross-process integration test: it
// applies loan events to a per-loan ledger in its SQLite store and emits one
// LedgerEntryApplied per event through the outbox, with every piece of the
// production path (ServiceHost: consumer group, exactly-once processor,
// outbox relay, DLQ) and nothing else, so the test measures the platform.
//
// Invariant the test checks: SUM(events_applied) over the ledger equals the
// number of distinct valid events, however often they were delivered.
#ifndef ARREARS_TESTS_INTEGRATION_LOAN_LEDGER_H_
#define ARREARS_TESTS_INTEGRATION_LOAN_LEDGER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/store/event_applier.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"

namespace arrears::integration {

inline constexpr absl::string_view kLedgerTopic = "arrears.integration.ledger-applied.v1";

std::vector<store::Migration> LedgerMigrations();

class LoanLedgerApplier final : public store::EventApplier {
 public:
  explicit LoanLedgerApplier(store::SqliteDatabase* db) : db_(db) {}

  // A payload that is not a LoanEvent, or whose loan id differs from the
  // record key, is rejected with InvalidArgument (and dead-lettered).
  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

  // The id of the follow-up event for the loan event `source_event_id`
  // whose ce_time is `source_time`.
  static std::string FollowUpEventId(absl::string_view source_event_id, absl::Time source_time);

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::integration

#endif  // ARREARS_TESTS_INTEGRATION_LOAN_LEDGER_H_
