// SqliteAuditStore: AuditStore on the audit schema (sqlite_audit_schema.h)
// of a SqliteDatabase.
//
// Append is one IMMEDIATE transaction: durability per batch is the
// database's synchronous setting (open the audit database with kFull for an
// fsync per batch). Reads are DEFERRED transactions on the same connection;
// SqliteDatabase serializes them with appends. InTransaction() gives the same
// operations inside a transaction the caller has open (the service appends an
// entry in the transaction of the event or request it records). All SQL lives
// in the .cc file as constants with bound parameters.
//
// One row per entry. An entry's row also holds its loan ids and the hashes
// of the Merkle nodes its leaf completes (a node is complete when its last
// leaf is appended), so an append inserts at the end of one B-tree only.
// Each further B-tree a commit touched cost it a page or two of WAL.
//
// Indexes in batches. The customer and loan indexes (queries by customer or
// loan) would cost each append a random B-tree page per index — most of a
// decision's WAL pages. So they are written for `index_batch` entries at a
// time: the appending transaction that completes a batch moves the waiting
// entries' customers and loans, sorted, into the index tables and raises the
// indexes' high-water mark. The links are in their entries' rows either way
// (the AuditStore contract): queries read the indexes below the mark and
// scan the at most index_batch entries above it. Create()
// indexes whatever is above the mark (entries committed before a crash or
// a stop), so after a restart the indexes cover every committed entry. If
// entries were removed outside the log (tampering, which AuditLog::Verify
// reports), the next append or Create lowers the mark to the store's size
// and drops the index rows from there on.
//
// Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_

#include <memory>

#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/audit_store.h"

namespace arrears::compliance::audit {

struct SqliteAuditStoreOptions {
  // Entries whose customer and loan index rows are written together (>= 1;
  // 1 = with every append). Queries by customer or loan scan up to this many
  // unindexed entries (8,192 rows, a few milliseconds; retention reads the
  // whole tail once per page of 500 debtors). A flush writes about one page
  // per distinct customer and loan in the batch, so a bigger batch pays off
  // as a debtor's entries come in bursts: 8,192 rather than 1,024 cut
  // CheckContact's CPU by a sixth in the benchmark (1,000 debtors, 150,000
  // decisions).
  uint64_t index_batch = 8192;
};

class SqliteAuditStore final : public AuditStore {
 public:
  // `db` (migrated with AuditSchemaMigrations, or AuditLogSchemaMigrations)
  // must outlive the store. FailedPrecondition if the schema is missing.
  // Indexes the entries above the indexes' high-water mark (one write
  // transaction).
  static absl::StatusOr<std::unique_ptr<SqliteAuditStore>> Create(
      store::SqliteDatabase* db, SqliteAuditStoreOptions options = {});

  // This store's operations inside `txn`, an open transaction of the same
  // database: reads see the transaction's own writes, and Append and
  // AddCheckpoint write into it (durable when, and only if, the caller
  // commits). Valid while `txn` is open, on its thread. FailedPrecondition
  // for a transaction of another database.
  absl::StatusOr<std::unique_ptr<AuditStore>> InTransaction(store::Transaction& txn) const;

  absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) override;
  absl::StatusOr<uint64_t> Size() override;
  absl::StatusOr<StoredTip> Tip() override;
  absl::Status Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                      absl::Span<const LoanLink> loans,
                      absl::Span<const StoredNode> nodes) override;
  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) override;
  absl::StatusOr<std::vector<StoredEntry>> FindEntries(const EntryFilter& filter,
                                                       size_t limit) override;
  absl::StatusOr<uint64_t> FirstIndexAtOrAfter(absl::Time time) override;
  absl::StatusOr<std::vector<std::optional<absl::Time>>> LastRecordTimes(
      absl::Span<const std::string> customer_ids) override;
  absl::Status AddCheckpoint(const v1::SignedCheckpoint& checkpoint) override;
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint() override;
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t max_size) override;

 private:
  SqliteAuditStore(store::SqliteDatabase* db, SqliteAuditStoreOptions options)
      : db_(db), options_(options) {}
  template <typename T, typename Fn>
  absl::StatusOr<T> Read(Fn read);

  store::SqliteDatabase* const db_;
  const SqliteAuditStoreOptions options_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
