#include "services/compliance_auditing/audit/testing/audit_test_env.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/secret_file.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"
#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"

namespace arrears::compliance::audit {

std::string AuditBackendName(AuditBackend backend) {
  return backend == AuditBackend::kInMemory ? "InMemory" : "Sqlite";
}

absl::StatusOr<std::unique_ptr<AuditTestEnv>> AuditTestEnv::Create(AuditBackend backend,
                                                                   const Clock* clock,
                                                                   AuditLogOptions options) {
  std::unique_ptr<AuditTestEnv> env(new AuditTestEnv(backend, clock, options));
  ARREARS_ASSIGN_OR_RETURN(env->signing_key_, Ed25519PrivateKey::Generate());
  ARREARS_ASSIGN_OR_RETURN(env->master_key_, SecureRandomBytes(kAesKeySize));
  if (backend == AuditBackend::kSqlite) {
    ARREARS_ASSIGN_OR_RETURN(env->dir_, store::TempDir::Create());
  } else {
    auto memory = std::make_unique<InMemoryAuditStore>();
    env->memory_store_ = memory.get();
    env->store_ = std::move(memory);
    env->key_store_ = std::make_unique<InMemoryDebtorKeyStore>();
  }
  ARREARS_RETURN_IF_ERROR(env->Open());
  return env;
}

absl::Status AuditTestEnv::Open() {
  if (backend_ == AuditBackend::kSqlite) {
    store::SqliteOptions sqlite;
    sqlite.path = dir_->File("audit.db");
    ARREARS_ASSIGN_OR_RETURN(db_, OpenAuditDatabase(sqlite));
    ARREARS_ASSIGN_OR_RETURN(store_, SqliteAuditStore::Create(db_.get()));
    ARREARS_ASSIGN_OR_RETURN(key_store_, SqliteDebtorKeyStore::Create(db_.get()));
  }
  ARREARS_ASSIGN_OR_RETURN(MasterKey master, MasterKey::FromBytes(master_key_));
  ARREARS_ASSIGN_OR_RETURN(keys_, DebtorKeys::Create(key_store_.get(), std::move(master), clock_));
  ARREARS_ASSIGN_OR_RETURN(signer_,
                           CheckpointSigner::Create("compliance-test", *signing_key_, clock_));
  ARREARS_ASSIGN_OR_RETURN(
      log_, AuditLog::Create(store_.get(), keys_.get(), signer_.get(), clock_, options_));
  return absl::OkStatus();
}

absl::Status AuditTestEnv::Reopen() {
  log_.reset();
  keys_.reset();
  signer_.reset();
  if (backend_ == AuditBackend::kSqlite) {
    store_.reset();
    key_store_.reset();
    db_.reset();
  }
  return Open();
}

absl::Status AuditTestEnv::ReopenLog(AuditLogOptions options) {
  log_.reset();
  ARREARS_ASSIGN_OR_RETURN(
      log_, AuditLog::Create(store_.get(), keys_.get(), signer_.get(), clock_, options));
  return absl::OkStatus();
}

absl::Status AuditTestEnv::RunSql(absl::string_view sql, absl::string_view blob_or_text,
                                  int64_t index) {
  return db_->InSqliteTransaction(
      store::SqliteTransactionMode::kImmediate, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement statement, txn.Prepare(sql));
        statement.BindBlob(1, blob_or_text);
        statement.BindInt64(2, index);
        ARREARS_RETURN_IF_ERROR(statement.Run());
        if (statement.ChangedRows() != 1) {
          return absl::NotFoundError(
              absl::StrCat("tamper statement changed ", statement.ChangedRows(), " rows: ", sql));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::string> AuditTestEnv::SelectBlob(absl::string_view sql, int64_t index) {
  std::string value;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement statement, txn.Prepare(sql));
        statement.BindInt64(1, index);
        ARREARS_ASSIGN_OR_RETURN(const bool row, statement.Step());
        if (!row) return absl::NotFoundError(absl::StrCat("no row for ", sql));
        value = std::string(statement.ColumnBlob(0));
        return absl::OkStatus();
      }));
  return value;
}

absl::Status AuditTestEnv::FlipLeafDataByte(uint64_t index, size_t byte) {
  if (memory_store_ != nullptr) {
    memory_store_->TamperWithEntryForTest(
        index, [&](StoredEntry& entry) { entry.leaf_data[byte % entry.leaf_data.size()] ^= 0x01; });
    return absl::OkStatus();
  }
  ARREARS_ASSIGN_OR_RETURN(std::string data,
                           SelectBlob("SELECT leaf_data FROM audit_entries WHERE idx = ?1",
                                      static_cast<int64_t>(index)));
  data[byte % data.size()] ^= 0x01;
  return RunSql("UPDATE audit_entries SET leaf_data = ?1 WHERE idx = ?2", data,
                static_cast<int64_t>(index));
}

absl::Status AuditTestEnv::ReplaceLeafData(uint64_t index, absl::string_view leaf_data) {
  const Sha256Hash hash = HashLeaf(leaf_data);
  if (memory_store_ != nullptr) {
    memory_store_->TamperWithEntryForTest(index, [&](StoredEntry& entry) {
      entry.leaf_data = std::string(leaf_data);
      entry.leaf_hash = hash;
    });
    return absl::OkStatus();
  }
  ARREARS_RETURN_IF_ERROR(RunSql("UPDATE audit_entries SET leaf_data = ?1 WHERE idx = ?2",
                                 leaf_data, static_cast<int64_t>(index)));
  return RunSql("UPDATE audit_entries SET leaf_hash = ?1 WHERE idx = ?2", hash.view(),
                static_cast<int64_t>(index));
}

absl::Status AuditTestEnv::ChangeCustomerColumn(uint64_t index, absl::string_view customer_id) {
  if (memory_store_ != nullptr) {
    memory_store_->TamperWithEntryForTest(
        index, [&](StoredEntry& entry) { entry.customer_id = std::string(customer_id); });
    return absl::OkStatus();
  }
  return RunSql("UPDATE audit_entries SET customer_id = CAST(?1 AS TEXT) WHERE idx = ?2",
                customer_id, static_cast<int64_t>(index));
}

absl::Status AuditTestEnv::DeleteEntry(uint64_t index) {
  if (memory_store_ != nullptr) {
    memory_store_->DeleteEntryForTest(index);
    return absl::OkStatus();
  }
  return db_->InSqliteTransaction(
      store::SqliteTransactionMode::kImmediate, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement statement,
                                 txn.Prepare("DELETE FROM audit_entries WHERE idx = ?1"));
        statement.BindInt64(1, static_cast<int64_t>(index));
        return statement.Run();
      });
}

absl::Status AuditTestEnv::FlipNodeByte(const NodeId& id) {
  if (memory_store_ != nullptr) {
    memory_store_->TamperWithNodeForTest(id, [](Sha256Hash& hash) { hash.bytes[7] ^= 0x80; });
    return absl::OkStatus();
  }
  // In the node_hashes column of the leaf that completed the node.
  return db_->InSqliteTransaction(
      store::SqliteTransactionMode::kImmediate, [&](store::SqliteTransaction& txn) -> absl::Status {
        const int64_t last_leaf = static_cast<int64_t>(((id.index + 1) << id.level) - 1);
        ARREARS_ASSIGN_OR_RETURN(
            store::SqliteStatement select,
            txn.Prepare("SELECT node_hashes FROM audit_entries WHERE idx = ?1"));
        select.BindInt64(1, last_leaf);
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        if (!row) return absl::NotFoundError(id.DebugString());
        std::string nodes(select.ColumnBlob(0));
        const std::optional<size_t> at = FindNodeHash(nodes, id.level);
        if (!at.has_value()) return absl::NotFoundError(id.DebugString());
        nodes[*at + 7] ^= static_cast<char>(0x80);
        ARREARS_ASSIGN_OR_RETURN(
            store::SqliteStatement update,
            txn.Prepare("UPDATE audit_entries SET node_hashes = ?1 WHERE idx = ?2"));
        update.BindBlob(1, nodes);
        update.BindInt64(2, last_leaf);
        return update.Run();
      });
}

absl::Status AuditTestEnv::DeleteCheckpoints() {
  if (memory_store_ != nullptr) {
    memory_store_->DeleteCheckpointsForTest();
    return absl::OkStatus();
  }
  return db_->InSqliteTransaction(
      store::SqliteTransactionMode::kImmediate,
      [](store::SqliteTransaction& txn) { return txn.Execute("DELETE FROM audit_checkpoints"); });
}

}  // namespace arrears::compliance::audit
