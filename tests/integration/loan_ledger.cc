#include "tests/integration/loan_ledger.h"

#include "absl/strings/str_cat.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/ids/id_generator.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"
#include "tests/integration/ledger.pb.h"

namespace arrears::integration {

std::vector<store::Migration> LedgerMigrations() {
  return {{store::kFirstServiceMigrationVersion, "create loan_ledger",
           "CREATE TABLE loan_ledger ("
           "  loan_id TEXT PRIMARY KEY,"
           "  events_applied INTEGER NOT NULL,"
           "  last_event_id TEXT NOT NULL)"}};
}

std::string LoanLedgerApplier::FollowUpEventId(absl::string_view source_event_id,
                                               absl::Time source_time) {
  return ids::DeriveTimeOrderedId(source_event_id, "ledger-applied", source_time);
}

absl::Status LoanLedgerApplier::Apply(const events::InboundEvent& event, store::Transaction& txn,
                                      store::OutboxWriter& outbox) {
  loan::v1::LoanEvent loan_event;
  if (!loan_event.ParseFromString(event.event.payload)) {
    return absl::InvalidArgumentError("payload: not a valid arrears.loan.v1.LoanEvent");
  }
  if (loan_event.loan_id() != event.event.key) {
    return absl::InvalidArgumentError(absl::StrCat("loan_id: \"", loan_event.loan_id(),
                                                   "\" differs from the record key \"",
                                                   event.event.key, "\""));
  }
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement upsert,
      sqlite->Prepare("INSERT INTO loan_ledger (loan_id, events_applied, last_event_id) "
                      "VALUES (?1, 1, ?2) ON CONFLICT (loan_id) DO UPDATE SET "
                      "events_applied = events_applied + 1, last_event_id = ?2 "
                      "RETURNING events_applied"));
  upsert.BindText(1, loan_event.loan_id());
  upsert.BindText(2, event.event.envelope.id);
  ARREARS_ASSIGN_OR_RETURN(bool has_row, upsert.Step());
  if (!has_row) return absl::InternalError("loan_ledger upsert returned no row");
  v1::LedgerEntryApplied applied;
  applied.set_loan_id(loan_event.loan_id());
  applied.set_source_event_id(event.event.envelope.id);
  applied.set_events_applied(upsert.ColumnInt64(0));
  upsert.Reset();

  events::Event follow_up;
  follow_up.topic = std::string(kLedgerTopic);
  follow_up.key = loan_event.loan_id();
  follow_up.envelope.id = FollowUpEventId(event.event.envelope.id, event.event.envelope.time);
  follow_up.envelope.type = std::string(v1::LedgerEntryApplied::descriptor()->full_name());
  follow_up.envelope.source = "//arrears/integration-ledger";
  follow_up.envelope.time = event.event.envelope.time;
  follow_up.envelope.traceparent = event.event.envelope.traceparent;
  applied.SerializeToString(&follow_up.payload);
  return outbox.Enqueue(follow_up);
}

}  // namespace arrears::integration
