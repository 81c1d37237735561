#include "services/overdue_detection/overdue_schema.h"

#include <utility>

#include "common/store/sqlite_core_schema.h"

namespace arrears::overdue {

std::vector<store::Migration> OverdueMigrations() {
  return {
      {store::kFirstServiceMigrationVersion, "create overdue_loans",
       // The record goes last so that scans of the leading columns (the
       // boundary index rebuild, the delinquent index) never read it.
       "CREATE TABLE overdue_loans ("
       "  handle INTEGER PRIMARY KEY,"
       "  loan_id TEXT NOT NULL UNIQUE,"
       "  next_boundary INTEGER,"
       "  product_code TEXT NOT NULL,"
       "  branch_id TEXT NOT NULL,"
       "  currency_code TEXT NOT NULL,"
       "  state INTEGER NOT NULL,"
       "  bucket_ordinal INTEGER NOT NULL,"
       "  bucket_code TEXT NOT NULL,"
       "  regulatory_class INTEGER NOT NULL,"
       "  oldest_overdue_day INTEGER,"
       "  record BLOB NOT NULL"
       ");"
       // Covering (the rowid is in every index): the calendar rebuild at
       // start-up reads only this index.
       "CREATE INDEX overdue_loans_by_boundary ON overdue_loans (next_boundary);"
       // Delinquent loans (state 2 = DELINQUENCY_STATE_DELINQUENT) by DPD
       // descending (oldest overdue due date first), then loan id: the order
       // of ListDelinquentLoans, and its page cursor.
       "CREATE INDEX overdue_loans_delinquent ON overdue_loans (oldest_overdue_day, loan_id)"
       "  WHERE state = 2;"
       "CREATE TABLE overdue_business_date ("
       "  id INTEGER PRIMARY KEY CHECK (id = 1),"
       "  day INTEGER NOT NULL"
       ");"},
      {store::kFirstServiceMigrationVersion + 1, "create overdue month-end buckets",
       "CREATE TABLE overdue_month_ends ("
       "  month_end INTEGER PRIMARY KEY,"
       "  loan_handles INTEGER NOT NULL"  // handles below this existed then
       ");"
       "CREATE TABLE overdue_month_end_buckets ("
       "  month_end INTEGER NOT NULL,"
       "  handle INTEGER NOT NULL,"
       "  bucket_ordinal INTEGER NOT NULL,"
       "  PRIMARY KEY (month_end, handle)"
       ") WITHOUT ROWID;"},
      {store::kFirstServiceMigrationVersion + 2, "create overdue_parked_events",
       "CREATE TABLE overdue_parked_events ("
       "  sequence INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  loan_id TEXT NOT NULL,"
       "  topic TEXT NOT NULL,"
       "  partition INTEGER NOT NULL,"
       "  offset INTEGER NOT NULL,"
       "  event_key TEXT NOT NULL,"
       "  event_id TEXT NOT NULL,"
       "  event_type TEXT NOT NULL,"
       "  event_source TEXT NOT NULL,"
       "  event_time_us INTEGER NOT NULL,"
       "  traceparent TEXT NOT NULL,"
       "  payload BLOB NOT NULL,"
       "  reason TEXT NOT NULL,"
       "  status_code INTEGER NOT NULL,"
       "  attempts INTEGER NOT NULL,"
       "  parked_at_us INTEGER NOT NULL,"
       "  dead_at_us INTEGER"  // set once due for the DLQ
       ");"
       "CREATE INDEX overdue_parked_by_loan ON overdue_parked_events (loan_id, sequence)"
       "  WHERE dead_at_us IS NULL;"
       "CREATE INDEX overdue_parked_by_age ON overdue_parked_events (parked_at_us)"
       "  WHERE dead_at_us IS NULL;"
       "CREATE INDEX overdue_parked_dead ON overdue_parked_events (sequence)"
       "  WHERE dead_at_us IS NOT NULL;"},
      {store::kFirstServiceMigrationVersion + 3, "add overdue_loans.brief",
       // The LoanBrief (loan_store.h): what a close needs to emit a current
       // loan's planned notices, read and written without the record. NULL
       // in rows written before (their record is complete).
       "ALTER TABLE overdue_loans ADD COLUMN brief BLOB;"},
      {store::kFirstServiceMigrationVersion + 4, "list charged-off loans too",
       // Delinquent and charged-off loans (states 2, 3) by DPD descending
       // (oldest overdue due date first; none = 9999-12-31, DPD 0, last),
       // then loan id: ListDelinquentLoans' order and page cursor.
       "CREATE INDEX overdue_loans_listed ON overdue_loans"
       "  (COALESCE(oldest_overdue_day, 2932896), loan_id) WHERE state IN (2, 3);"},
  };
}

std::vector<store::Migration> AllOverdueMigrations() {
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : OverdueMigrations()) migrations.push_back(std::move(m));
  return migrations;
}

int64_t DayNumber(absl::CivilDay day) { return day - absl::CivilDay(1970, 1, 1); }

absl::CivilDay DayFromNumber(int64_t number) { return absl::CivilDay(1970, 1, 1) + number; }

}  // namespace arrears::overdue
