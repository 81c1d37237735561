// The SQLite schema of the audit log (entries, loan index, Merkle nodes,
// checkpoints) and of the per-debtor keys, as store migrations.
//
// The audit log may live in the service's own database (append
// AuditSchemaMigrations(v) to the service's migration list, v being a free
// block of kAuditSchemaMigrationCount versions) or in a database of its own
// (OpenAuditDatabase, which is what the embedded default and the tests use).
// A dedicated file lets the log commit with synchronous=FULL (every append
// batch fsynced) without slowing the service's other tables.
//
// Tables (SQL stays in this file and the two Sqlite*Store classes):
//   audit_entries(idx PK, leaf_data, leaf_hash, kind, customer_id,
//                 record_time_ns)         + indexes by customer, by time
//   audit_entry_loans(loan_id, idx)      loan -> entries
//   audit_nodes(level, idx, hash)         perfect subtrees, level >= 1
//   audit_checkpoints(seq, ...)           every signed checkpoint
//   audit_debtor_keys(key_id, customer_id, wrapped_key, ...)
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"

namespace arrears::compliance::audit {

inline constexpr int kAuditSchemaMigrationCount = 1;

// The migrations, numbered first_version, first_version + 1, ...
std::vector<store::Migration> AuditSchemaMigrations(int first_version);

// Opens (creating if needed) a database holding only the audit schema,
// migrated from kFirstServiceMigrationVersion. Use
// SqliteSynchronous::kFull for durable appends.
absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenAuditDatabase(
    const store::SqliteOptions& options);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_
