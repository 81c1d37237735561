#include "services/compliance_auditing/audit/sqlite_audit_schema.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {
namespace {

// idx is the rowid: appends go to the end of the table's B-tree, and the
// secondary indexes end in the rowid too, so "customer X, from index N on"
// is one index range scan.
constexpr char kCreateAuditLogTables[] = R"sql(
CREATE TABLE audit_entries (
  idx            INTEGER PRIMARY KEY,
  leaf_data      BLOB    NOT NULL,
  leaf_hash      BLOB    NOT NULL,
  kind           INTEGER NOT NULL,
  customer_id    TEXT    NOT NULL,
  record_time_ns INTEGER NOT NULL
);
CREATE INDEX audit_entries_by_customer ON audit_entries (customer_id);
CREATE INDEX audit_entries_by_time ON audit_entries (record_time_ns);
CREATE TABLE audit_entry_loans (
  loan_id TEXT    NOT NULL,
  idx     INTEGER NOT NULL,
  PRIMARY KEY (loan_id, idx)
) WITHOUT ROWID;
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE audit_checkpoints (
  seq               INTEGER PRIMARY KEY,
  log_id            TEXT    NOT NULL,
  tree_size         INTEGER NOT NULL,
  root_hash         BLOB    NOT NULL,
  timestamp_seconds INTEGER NOT NULL,
  timestamp_nanos   INTEGER NOT NULL,
  key_id            TEXT    NOT NULL,
  signature         BLOB    NOT NULL
);
CREATE INDEX audit_checkpoints_by_size ON audit_checkpoints (tree_size);
)sql";

constexpr char kCreateDebtorKeyTable[] = R"sql(
CREATE TABLE audit_debtor_keys (
  key_id          TEXT PRIMARY KEY,
  customer_id     TEXT    NOT NULL,
  wrapped_key     BLOB,
  wrapping_key_id TEXT    NOT NULL,
  create_time_us  INTEGER NOT NULL,
  erase_time_us   INTEGER
);
CREATE UNIQUE INDEX audit_debtor_keys_active
  ON audit_debtor_keys (customer_id) WHERE erase_time_us IS NULL;
)sql";

}  // namespace

std::vector<store::Migration> AuditSchemaMigrations(int first_version) {
  return {{first_version, "create audit log tables",
           absl::StrCat(kCreateAuditLogTables, kCreateDebtorKeyTable)}};
}

std::vector<store::Migration> AuditLogSchemaMigrations(int first_version) {
  return {{first_version, "create audit log tables without keys", kCreateAuditLogTables}};
}

std::vector<store::Migration> DebtorKeySchemaMigrations(int first_version) {
  return {{first_version, "create debtor key table", kCreateDebtorKeyTable}};
}

absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenAuditDatabase(
    const store::SqliteOptions& options) {
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDatabase> db,
                           store::SqliteDatabase::Create(options));
  ARREARS_RETURN_IF_ERROR(db->Migrate(AuditSchemaMigrations(store::kFirstServiceMigrationVersion)));
  return db;
}

absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenDebtorKeyDatabase(
    const store::SqliteOptions& options) {
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDatabase> db,
                           store::SqliteDatabase::Create(options));
  ARREARS_RETURN_IF_ERROR(
      db->Migrate(DebtorKeySchemaMigrations(store::kFirstServiceMigrationVersion)));
  return db;
}

}  // namespace arrears::compliance::audit
