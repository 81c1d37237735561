#include "services/compliance_auditing/service/service_audit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/ed25519.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"

namespace arrears::compliance::service {

absl::StatusOr<std::unique_ptr<ServiceAudit>> ServiceAudit::Open(store::SqliteDatabase* db,
                                                                 const ServiceAuditOptions& options,
                                                                 const Clock* clock) {
  if (db == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("service audit needs a database and a clock");
  }
  for (const auto& [path, name] : {std::pair{&options.key_database_path, "key_database_path"},
                                   std::pair{&options.master_key_path, "master_key_path"},
                                   std::pair{&options.signing_key_path, "signing_key_path"}}) {
    if (path->empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": required"));
  }
  std::unique_ptr<ServiceAudit> audit(new ServiceAudit());
  // Their errors name the file.
  ARREARS_ASSIGN_OR_RETURN(audit::MasterKey master,
                           audit::MasterKey::LoadOrGenerateFile(options.master_key_path));
  ARREARS_ASSIGN_OR_RETURN(
      audit::Ed25519PrivateKey signing_key,
      audit::Ed25519PrivateKey::LoadOrGeneratePemFile(options.signing_key_path));
  store::SqliteOptions key_db;
  key_db.path = options.key_database_path;
  key_db.synchronous = store::SqliteSynchronous::kFull;
  key_db.background_checkpoints = false;
  ARREARS_ASSIGN_OR_RETURN(audit->key_db_, audit::OpenDebtorKeyDatabase(key_db));
  ARREARS_ASSIGN_OR_RETURN(audit->key_store_,
                           audit::SqliteDebtorKeyStore::Create(audit->key_db_.get()));
  ARREARS_ASSIGN_OR_RETURN(
      audit->keys_, audit::DebtorKeys::Create(audit->key_store_.get(), std::move(master), clock));
  ARREARS_ASSIGN_OR_RETURN(audit->signer_,
                           audit::CheckpointSigner::Create(options.log_id, signing_key, clock));
  ARREARS_ASSIGN_OR_RETURN(
      audit->store_,
      audit::SqliteAuditStore::Create(db, {.index_batch = options.index_batch,
                                           .index_in_background = options.index_in_background,
                                           .index_chunk_rows = options.index_chunk_rows}));
  ARREARS_ASSIGN_OR_RETURN(audit->log_,
                           audit::AuditLog::Create(audit->store_.get(), audit->keys_.get(),
                                                   audit->signer_.get(), clock));
  return audit;
}

absl::StatusOr<uint64_t> ServiceAudit::Append(store::Transaction& txn,
                                              const audit::AuditAppend& record) {
  absl::MutexLock lock(&staging_mu_);
  return AppendLocked(txn, record);
}

absl::StatusOr<uint64_t> ServiceAudit::AppendLocked(store::Transaction& txn,
                                                    const audit::AuditAppend& record) {
  ARREARS_RETURN_IF_ERROR(WriteStagedLocked(txn));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  return log_->AppendWithin(*view, absl::MakeConstSpan(&record, 1));
}

void ServiceAudit::BeginStaging() {
  absl::MutexLock lock(&staging_mu_);
  staged_.open = true;
  staged_.txn = nullptr;
  staged_.records.clear();  // keeps its capacity: one group after another
}

absl::StatusOr<uint64_t> ServiceAudit::Stage(store::Transaction& txn,
                                             const audit::AuditAppend& record) {
  absl::MutexLock lock(&staging_mu_);
  if (!staged_.open) return AppendLocked(txn, record);
  // Invalid records fail their own caller here, not the whole write.
  ARREARS_RETURN_IF_ERROR(audit::AuditLog::Validate(record));
  if (staged_.records.empty()) {
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
    ARREARS_ASSIGN_OR_RETURN(staged_.first_index, view->Size());
    staged_.txn = &txn;
  } else if (staged_.txn != &txn) {
    return absl::InternalError("audit records staged in another transaction");
  }
  staged_.records.push_back(&record);
  return staged_.first_index + staged_.records.size() - 1;
}

absl::Status ServiceAudit::WriteStaged(store::Transaction& txn) {
  absl::MutexLock lock(&staging_mu_);
  return WriteStagedLocked(txn);
}

absl::Status ServiceAudit::WriteStagedLocked(store::Transaction& txn) {
  if (staged_.records.empty()) return absl::OkStatus();
  if (staged_.txn != &txn) {
    return absl::InternalError("audit records staged in another transaction are not written");
  }
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  ARREARS_ASSIGN_OR_RETURN(const uint64_t first, log_->AppendWithin(*view, staged_.records));
  if (first != staged_.first_index) {
    // The indices given out are wrong: the transaction must not commit.
    return absl::AbortedError(absl::StrCat("audit log moved while records were staged: expected ",
                                           staged_.first_index, ", appended at ", first));
  }
  staged_.records.clear();
  return absl::OkStatus();
}

void ServiceAudit::EndStaging() {
  absl::MutexLock lock(&staging_mu_);
  staged_.open = false;
  staged_.txn = nullptr;
  staged_.records.clear();
}

absl::StatusOr<v1::AuditRecord> ServiceAudit::ReadRecord(store::Transaction& txn, uint64_t index) {
  absl::MutexLock lock(&staging_mu_);
  if (staged_.txn == &txn && index >= staged_.first_index &&
      index - staged_.first_index < staged_.records.size()) {
    return staged_.records[index - staged_.first_index]->record;
  }
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  ARREARS_ASSIGN_OR_RETURN(const audit::StoredEntry stored, view->ReadEntry(index));
  v1::AuditRecord record;
  ARREARS_RETURN_IF_ERROR(audit::ParseStoredRecord(stored, record));
  return record;
}

absl::StatusOr<v1::SignedCheckpoint> ServiceAudit::Checkpoint(store::Transaction& txn) {
  absl::MutexLock lock(&staging_mu_);
  ARREARS_RETURN_IF_ERROR(WriteStagedLocked(txn));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  return log_->CheckpointWithin(*view);
}

absl::StatusOr<std::optional<v1::SignedCheckpoint>> ServiceAudit::CheckpointIfGrown(
    store::Transaction& txn, bool force) {
  absl::MutexLock lock(&staging_mu_);
  ARREARS_RETURN_IF_ERROR(WriteStagedLocked(txn));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  if (!force) {
    ARREARS_ASSIGN_OR_RETURN(const std::optional<v1::SignedCheckpoint> latest,
                             view->LatestCheckpoint());
    ARREARS_ASSIGN_OR_RETURN(const uint64_t size, view->Size());
    if (latest.has_value() && latest->size() == size) return std::nullopt;
  }
  ARREARS_ASSIGN_OR_RETURN(v1::SignedCheckpoint checkpoint, log_->CheckpointWithin(*view));
  return checkpoint;
}

absl::StatusOr<uint64_t> ServiceAudit::EraseDebtor(store::Transaction& txn,
                                                   absl::string_view customer_id,
                                                   absl::string_view source_id) {
  absl::MutexLock lock(&staging_mu_);
  ARREARS_RETURN_IF_ERROR(WriteStagedLocked(txn));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view, store_->InTransaction(txn));
  return log_->EraseDebtorWithin(*view, customer_id, source_id);
}

}  // namespace arrears::compliance::service
