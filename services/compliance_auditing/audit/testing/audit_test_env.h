// AuditTestEnv: one audit log stack (store, debtor keys, signer, log) on a
// chosen backend, for tests that must hold for both the in-memory fake and
// SQLite — plus the tampering an attacker with write access to the storage
// could do, done the way each backend allows (the fake's hooks, raw SQL on
// the SQLite file).
//
// The SQLite backend lives in a fresh TempDir; Reopen() closes everything and
// opens the same files again (the in-memory backend keeps its objects, which
// is the closest it has to a restart). Not thread-safe; the objects it hands
// out are.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_AUDIT_TEST_ENV_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_AUDIT_TEST_ENV_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/audit_store.h"
#include "services/compliance_auditing/audit/checkpoint.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"
#include "services/compliance_auditing/audit/debtor_keys.h"
#include "services/compliance_auditing/audit/in_memory_audit_store.h"
#include "services/compliance_auditing/audit/in_memory_debtor_key_store.h"
#include "services/compliance_auditing/audit/merkle.h"

namespace arrears::compliance::audit {

enum class AuditBackend { kInMemory, kSqlite };

std::string AuditBackendName(AuditBackend backend);

class AuditTestEnv {
 public:
  // `clock` must outlive the environment.
  static absl::StatusOr<std::unique_ptr<AuditTestEnv>> Create(AuditBackend backend,
                                                              const Clock* clock,
                                                              AuditLogOptions options = {});

  AuditBackend backend() const { return backend_; }
  AuditStore& store() { return *store_; }
  DebtorKeyStore& key_store() { return *key_store_; }
  DebtorKeys& keys() { return *keys_; }
  const CheckpointSigner& signer() { return *signer_; }
  AuditLog& log() { return *log_; }
  // Null for the in-memory backend.
  store::SqliteDatabase* database() { return db_.get(); }

  // Closes and reopens the stores, keys and log (SQLite: from the files).
  absl::Status Reopen();
  // Drops the log only (a service that failed to start) and tries to open it
  // again, returning Create's status.
  absl::Status ReopenLog(AuditLogOptions options);

  // Tampering behind the log's back.
  absl::Status FlipLeafDataByte(uint64_t index, size_t byte);
  // Rewrites the entry's data and stored leaf hash consistently.
  absl::Status ReplaceLeafData(uint64_t index, absl::string_view leaf_data);
  absl::Status ChangeCustomerColumn(uint64_t index, absl::string_view customer_id);
  absl::Status DeleteEntry(uint64_t index);
  absl::Status FlipNodeByte(const NodeId& id);
  absl::Status DeleteCheckpoints();

 private:
  AuditTestEnv(AuditBackend backend, const Clock* clock, AuditLogOptions options)
      : backend_(backend), clock_(clock), options_(std::move(options)) {}
  absl::Status Open();
  // Runs `sql` with ?1 = `blob_or_text` and ?2 = `index` (SQLite only).
  absl::Status RunSql(absl::string_view sql, absl::string_view blob_or_text, int64_t index);
  absl::StatusOr<std::string> SelectBlob(absl::string_view sql, int64_t index);

  const AuditBackend backend_;
  const Clock* const clock_;
  const AuditLogOptions options_;
  std::optional<store::TempDir> dir_;
  std::string master_key_;
  std::optional<Ed25519PrivateKey> signing_key_;

  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<DebtorKeyStore> key_store_;
  InMemoryAuditStore* memory_store_ = nullptr;
  std::unique_ptr<DebtorKeys> keys_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::unique_ptr<AuditLog> log_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_AUDIT_TEST_ENV_H_
