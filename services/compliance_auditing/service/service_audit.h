// ServiceAudit: the compliance service's audit log, wired to its stores.
//
// The log's tables live in the service database (so an entry commits in the
// transaction of what it records); the debtor keys live in a key database of
// their own, committed with synchronous=FULL before any entry encrypted under
// them (sqlite_audit_schema.h explains why). The checkpoint signing key (an
// Ed25519 PKCS#8 PEM file) and the master key wrapping the debtor keys are
// read from files, created (mode 0600) on first start when missing.
//
// Append/Checkpoint/EraseDebtor take the caller's open transaction of the
// service database.
//
// Staging batches the appends of many callers sharing one transaction (a
// CommitQueue group's decisions): between BeginStaging and EndStaging,
// Stage returns the index a record will get and defers its write to
// WriteStaged, which stores every staged record with one store append, so
// the tip, size and index-mark reads happen once per transaction rather
// than once per record. The transaction must call WriteStaged before it
// commits (EndStaging drops whatever was not written: only for a
// transaction that rolls back). A direct Append, Checkpoint or EraseDebtor
// in the staging transaction writes the staged records first, so indices
// stay in order. If the log moved between Stage and WriteStaged (something
// appended outside this object), WriteStaged fails with Aborted and the
// transaction must roll back. Without staging open, Stage appends at once.
//
// ReadRecord sees the staged records of the caller's transaction as well as
// the stored ones, so a unit can look up what an earlier unit of its group
// staged.
//
// Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_SERVICE_AUDIT_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_SERVICE_AUDIT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/checkpoint.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"
#include "services/compliance_auditing/audit/debtor_keys.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"

namespace arrears::compliance::service {

struct ServiceAuditOptions {
  // Names the log in every checkpoint.
  std::string log_id = "arrears-compliance";
  // The key database file.
  std::string key_database_path;
  // Master key file (64 hex digits or 32 raw bytes).
  std::string master_key_path;
  // Ed25519 private key file (PKCS#8 PEM).
  std::string signing_key_path;
  // The audit store's customer and loan indexes are written every this many
  // entries (audit::SqliteAuditStoreOptions::index_batch).
  uint64_t index_batch = audit::SqliteAuditStoreOptions().index_batch;
  // Whether the store's thread writes those batches, in short transactions,
  // rather than the group commit that completes one: inline, that commit
  // took 15-20 ms, and every CheckContact in flight waited for it
  // (audit::SqliteAuditStoreOptions::index_in_background).
  bool index_in_background = true;
  uint64_t index_chunk_rows = audit::SqliteAuditStoreOptions().index_chunk_rows;
};

class ServiceAudit {
 public:
  // `db` (migrated with AuditLogSchemaMigrations) and `clock` must outlive
  // the object. Errors name the file at fault.
  static absl::StatusOr<std::unique_ptr<ServiceAudit>> Open(store::SqliteDatabase* db,
                                                            const ServiceAuditOptions& options,
                                                            const Clock* clock);

  // Appends `record` inside `txn`; returns its index.
  absl::StatusOr<uint64_t> Append(store::Transaction& txn, const audit::AuditAppend& record);

  // Staging (see above). `record` must stay valid until WriteStaged or
  // EndStaging.
  void BeginStaging();
  absl::StatusOr<uint64_t> Stage(store::Transaction& txn, const audit::AuditAppend& record);
  absl::Status WriteStaged(store::Transaction& txn);
  void EndStaging();
  // The record at `index` as `txn` sees it: staged in `txn` or stored (its
  // clear fields; personal data stays sealed). NotFound past the end.
  absl::StatusOr<v1::AuditRecord> ReadRecord(store::Transaction& txn, uint64_t index);
  // Signs and stores a checkpoint of the tree as of `txn`.
  absl::StatusOr<v1::SignedCheckpoint> Checkpoint(store::Transaction& txn);
  // Checkpoint() unless the latest stored checkpoint already covers every
  // entry (then nullopt); `force` always signs.
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> CheckpointIfGrown(store::Transaction& txn,
                                                                        bool force);
  // Crypto-shreds the debtor; the KEY_ERASURE record is appended in `txn`.
  absl::StatusOr<uint64_t> EraseDebtor(store::Transaction& txn, absl::string_view customer_id,
                                       absl::string_view source_id);

  audit::AuditLog& log() { return *log_; }
  // The log's committed entries, read directly (the decision feed).
  audit::AuditStore& store() { return *store_; }
  const audit::CheckpointSigner& signer() const { return *signer_; }

 private:
  ServiceAudit() = default;

  // Records staged in one transaction and not yet written.
  struct Staged {
    bool open = false;
    const store::Transaction* txn = nullptr;
    // The index of records.front() (the store's size when staging began).
    uint64_t first_index = 0;
    std::vector<const audit::AuditAppend*> records;
  };
  // Append() under staging_mu_.
  absl::StatusOr<uint64_t> AppendLocked(store::Transaction& txn, const audit::AuditAppend& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(staging_mu_);
  // Writes the staged records of `txn` (none: OK); error for another
  // transaction's.
  absl::Status WriteStagedLocked(store::Transaction& txn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(staging_mu_);

  std::unique_ptr<store::SqliteDatabase> key_db_;
  std::unique_ptr<audit::DebtorKeyStore> key_store_;
  std::unique_ptr<audit::DebtorKeys> keys_;
  std::unique_ptr<audit::CheckpointSigner> signer_;
  std::unique_ptr<audit::SqliteAuditStore> store_;
  std::unique_ptr<audit::AuditLog> log_;

  // Held across each write to the log (appends serialize in the store's
  // transactions anyway).
  absl::Mutex staging_mu_;
  Staged staged_ ABSL_GUARDED_BY(staging_mu_);
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_SERVICE_AUDIT_H_
