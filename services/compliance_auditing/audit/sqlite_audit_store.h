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
// Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_

#include <memory>

#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/audit_store.h"

namespace arrears::compliance::audit {

class SqliteAuditStore final : public AuditStore {
 public:
  // `db` (migrated with AuditSchemaMigrations) must outlive the store.
  // FailedPrecondition if the schema is missing.
  static absl::StatusOr<std::unique_ptr<SqliteAuditStore>> Create(store::SqliteDatabase* db);

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
  absl::StatusOr<std::optional<absl::Time>> LastRecordTime(absl::string_view customer_id) override;
  absl::Status AddCheckpoint(const v1::SignedCheckpoint& checkpoint) override;
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint() override;
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t max_size) override;

 private:
  explicit SqliteAuditStore(store::SqliteDatabase* db) : db_(db) {}
  template <typename T, typename Fn>
  absl::StatusOr<T> Read(Fn read);

  store::SqliteDatabase* const db_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
