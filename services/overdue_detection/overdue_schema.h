// The overdue detection service's own SQLite tables, migrated after the core
// tables of common/store (ServiceHost prepends store::CoreMigrations()):
//
//   overdue_loans          one row per loan: the encoded LoanRecord
//                          (loan_record_codec.h) and, as plain columns, what
//                          the engine and the queries look up without decoding
//                          it: next boundary, product, branch, currency, and
//                          the last evaluated state, bucket, class and oldest
//                          overdue due date. handle = rowid - 1.
//   overdue_business_date  the engine's business date (one row).
//   overdue_month_end_buckets / overdue_month_ends
//                          bucket of every delinquent loan at each month end,
//                          taken by the close that passes it (roll rates).
//   overdue_parked_events  loan events waiting for their loan (or for a fact
//                          they refer to), and those due for the DLQ.
//
// Days are stored as days since 1970-01-01. Existing migrations never change;
// new ones are appended with the next version.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_SCHEMA_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_SCHEMA_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/store/migration.h"

namespace arrears::overdue {

// Versions from store::kFirstServiceMigrationVersion, in order.
std::vector<store::Migration> OverdueMigrations();

// store::CoreMigrations() followed by OverdueMigrations(), for a bare
// SqliteDatabase (tests, benchmarks, tools).
std::vector<store::Migration> AllOverdueMigrations();

// Day columns.
int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t number);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_SCHEMA_H_
