// The SQLite schema of the audit log (entries, loan index, Merkle nodes,
// checkpoints) and of the per-debtor keys, as store migrations.
//
// Two layouts:
//  - everything in one database of its own (AuditSchemaMigrations /
//    OpenAuditDatabase: the standalone log, its tests and benchmarks). A
//    dedicated file lets the log commit with synchronous=FULL (every append
//    batch fsynced) without slowing other tables;
//  - the service's: the log tables in the service's own database
//    (AuditLogSchemaMigrations appended to its migration list), so that an
//    entry commits in the same transaction as the state change and outbox
//    events it records, and the debtor keys in a separate key database
//    (DebtorKeySchemaMigrations / OpenDebtorKeyDatabase). Keys are created in
//    their own committed transaction before any entry encrypted under them
//    (AuditLog::AppendWithin needs that: it runs inside the caller's
//    transaction), and a key file apart from the data is what crypto-
//    shredding and backup policies want anyway.
//
// Tables (SQL stays in this file and the two Sqlite*Store classes):
//   audit_entries(idx PK, leaf_data, leaf_hash, kind, customer_id,
//                 record_time_ns,         record times never decrease
//                                         with idx (no time index needed)
//                 loan_ids,               JSON array of the record's loans
//                 node_hashes)            the perfect subtrees (level >= 1)
//                                         this leaf completes
//   audit_entry_customers(customer_id, idx)  customer -> entries } written in
//   audit_entry_loans(loan_id, idx)      loan -> entries         } batches, see
//   audit_index_state(indexed_size)      the indexes' high-water } sqlite_
//                                                                  audit_store.h
//   audit_node_hashes(node_key PK, hash)  nodes appended before the
//                                         node_hashes column, keyed by
//                                         AuditNodeRowKey
//   audit_checkpoints(seq, ...)           every signed checkpoint
//   audit_debtor_keys(key_id, customer_id, wrapped_key, ...)
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

// Migrations in AuditSchemaMigrations.
inline constexpr int kAuditSchemaMigrationCount = 4;

// The migrations, numbered first_version, first_version + 1, ...
// All tables (log and keys).
std::vector<store::Migration> AuditSchemaMigrations(int first_version);
// The log tables only (entries, indexes, nodes, checkpoints): the tables at
// first_version, the batched indexes (AuditIndexMigration) at index_version
// and the node layout (AuditNodeLayoutMigration) at node_layout_version
// and the entries' loan and node columns (AuditEntryColumnsMigration) at
// entry_columns_version (later versions: the service added them after
// migrations of its own).
std::vector<store::Migration> AuditLogSchemaMigrations(int first_version, int index_version,
                                                       int node_layout_version,
                                                       int entry_columns_version);
// Moves a log created by the first migration to batched customer and loan
// indexes (backfilling them).
store::Migration AuditIndexMigration(int version);
// Moves the Merkle nodes of a log to append order (audit_node_hashes) and
// drops the time index.
store::Migration AuditNodeLayoutMigration(int version);
// Moves each entry's loan links and the nodes its leaf completes into the
// entry's row (new nodes only; older ones stay where they are).
store::Migration AuditEntryColumnsMigration(int version);

// The row key of Merkle node (level, index) in audit_node_hashes: the last
// leaf it covers, shifted left 6 bits, or'ed with its level, so that keys
// grow in the order appends complete the nodes. nullopt for a node that
// cannot be in a log (level >= 56, or leaves beyond 2^56).
std::optional<int64_t> AuditNodeRowKey(int level, uint64_t index);

// The node_hashes column of an entry: for each Merkle node its leaf
// completes, one byte of level and the node's 32-byte hash. Appends one.
void AppendNodeHash(int level, const Sha256Hash& hash, std::string& node_hashes);
// Where the hash of the level-`level` node starts in `node_hashes` (it is
// kSha256Size bytes long); nullopt when the column holds no such node.
std::optional<size_t> FindNodeHash(absl::string_view node_hashes, int level);
// The debtor key table only.
std::vector<store::Migration> DebtorKeySchemaMigrations(int first_version);

// Opens (creating if needed) a database holding only the audit schema,
// migrated from kFirstServiceMigrationVersion. Use
// SqliteSynchronous::kFull for durable appends.
absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenAuditDatabase(
    const store::SqliteOptions& options);

// Opens (creating if needed) a database holding only the debtor key table.
// Use SqliteSynchronous::kFull: a key must be durable before data encrypted
// under it is.
absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenDebtorKeyDatabase(
    const store::SqliteOptions& options);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_SCHEMA_H_
