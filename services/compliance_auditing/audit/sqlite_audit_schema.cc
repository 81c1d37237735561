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

// The customer and loan indexes, written in batches (SqliteAuditStore): an
// append stores its loan links in audit_pending_loan_links (appended at the
// end of its B-tree, like the entries), and every index_batch entries the
// pending links and the entries' customers move, sorted, into the index
// tables in the appending transaction; audit_index_state.indexed_size is the
// high-water mark (entries below it are indexed; queries scan the rest).
// One random B-tree page per entry and index becomes a fraction of one.
// Replaces the customer index on audit_entries, backfilled here.
constexpr char kBatchedIndexes[] = R"sql(
CREATE TABLE audit_entry_customers (
  customer_id TEXT    NOT NULL,
  idx         INTEGER NOT NULL,
  PRIMARY KEY (customer_id, idx)
) WITHOUT ROWID;
INSERT INTO audit_entry_customers (customer_id, idx)
  SELECT customer_id, idx FROM audit_entries WHERE customer_id != '';
DROP INDEX audit_entries_by_customer;
CREATE TABLE audit_pending_loan_links (
  seq     INTEGER PRIMARY KEY,
  idx     INTEGER NOT NULL,
  loan_id TEXT    NOT NULL
);
CREATE TABLE audit_index_state (
  id           INTEGER PRIMARY KEY CHECK (id = 0),
  indexed_size INTEGER NOT NULL
);
INSERT INTO audit_index_state (id, indexed_size)
  SELECT 0, COALESCE(MAX(idx) + 1, 0) FROM audit_entries;
)sql";

// Merkle nodes in append order, and no time index: the two B-trees that an
// append touched in one page per tree level (audit_nodes was keyed (level,
// idx)) or per commit for nothing the log needs (record times never
// decrease with the index, so "first entry at or after a time" bisects the
// index). A node covering leaves [first, end) is complete once leaf end - 1
// is appended; keyed by (end - 1) << 6 | level (AuditNodeRowKey), every node
// an append completes goes to the end of one rowid B-tree.
constexpr char kAppendOrderedNodes[] = R"sql(
CREATE TABLE audit_node_hashes (
  node_key INTEGER PRIMARY KEY,
  hash     BLOB    NOT NULL
);
INSERT INTO audit_node_hashes (node_key, hash)
  SELECT ((((idx + 1) << level) - 1) << 6) | level, hash FROM audit_nodes ORDER BY 1;
DROP TABLE audit_nodes;
DROP INDEX audit_entries_by_time;
)sql";

// Each entry's loan ids (a JSON array) and the Merkle nodes its leaf
// completes (a level byte and a hash each) in the entry's own row:
// an append touched three B-trees per entry (entries, pending links, nodes)
// and now touches one. The pending links move into their entries; nodes
// stored before stay in audit_node_hashes, where reads still find them.
constexpr char kEntryColumns[] = R"sql(
ALTER TABLE audit_entries ADD COLUMN loan_ids TEXT;
ALTER TABLE audit_entries ADD COLUMN node_hashes BLOB;
UPDATE audit_entries SET loan_ids = pending.ids
  FROM (SELECT idx, json_group_array(loan_id) AS ids
        FROM audit_pending_loan_links GROUP BY idx) AS pending
  WHERE audit_entries.idx = pending.idx;
DROP TABLE audit_pending_loan_links;
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

std::optional<int64_t> AuditNodeRowKey(int level, uint64_t index) {
  // Levels below 64 and leaves below 2^56 (the store's bound on indices).
  if (level < 0 || level >= 56 || index >= (uint64_t{1} << (56 - level))) return std::nullopt;
  const uint64_t last_leaf = ((index + 1) << level) - 1;
  return static_cast<int64_t>((last_leaf << 6) | static_cast<uint64_t>(level));
}

void AppendNodeHash(int level, const Sha256Hash& hash, std::string& node_hashes) {
  node_hashes.push_back(static_cast<char>(level));
  const absl::string_view bytes = hash.view();
  node_hashes.append(bytes.data(), bytes.size());
}

std::optional<size_t> FindNodeHash(absl::string_view node_hashes, int level) {
  constexpr size_t kNodeBytes = 1 + kSha256Size;
  for (size_t at = 0; at + kNodeBytes <= node_hashes.size(); at += kNodeBytes) {
    if (static_cast<unsigned char>(node_hashes[at]) == level) return at + 1;
  }
  return std::nullopt;
}

std::vector<store::Migration> AuditSchemaMigrations(int first_version) {
  return {{first_version, "create audit log tables",
           absl::StrCat(kCreateAuditLogTables, kCreateDebtorKeyTable)},
          AuditIndexMigration(first_version + 1),
          AuditNodeLayoutMigration(first_version + 2),
          AuditEntryColumnsMigration(first_version + 3)};
}

std::vector<store::Migration> AuditLogSchemaMigrations(int first_version, int index_version,
                                                       int node_layout_version,
                                                       int entry_columns_version) {
  return {{first_version, "create audit log tables without keys", kCreateAuditLogTables},
          AuditIndexMigration(index_version),
          AuditNodeLayoutMigration(node_layout_version),
          AuditEntryColumnsMigration(entry_columns_version)};
}

store::Migration AuditIndexMigration(int version) {
  return {version, "audit customer and loan indexes written in batches", kBatchedIndexes};
}

store::Migration AuditNodeLayoutMigration(int version) {
  return {version, "audit nodes in append order, no time index", kAppendOrderedNodes};
}

store::Migration AuditEntryColumnsMigration(int version) {
  return {version, "audit loan ids and nodes in their entry's row", kEntryColumns};
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
