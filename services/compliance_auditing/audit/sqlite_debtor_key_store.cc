#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {
namespace {

using store::SqliteStatement;
using store::SqliteTransaction;
using store::SqliteTransactionMode;

constexpr char kSelectActive[] =
    "SELECT key_id, customer_id, wrapped_key, wrapping_key_id, create_time_us, erase_time_us"
    " FROM audit_debtor_keys WHERE customer_id = ?1 AND erase_time_us IS NULL";
constexpr char kSelectById[] =
    "SELECT key_id, customer_id, wrapped_key, wrapping_key_id, create_time_us, erase_time_us"
    " FROM audit_debtor_keys WHERE key_id = ?1";
constexpr char kInsert[] =
    "INSERT OR IGNORE INTO audit_debtor_keys"
    " (key_id, customer_id, wrapped_key, wrapping_key_id, create_time_us, erase_time_us)"
    " VALUES (?1, ?2, ?3, ?4, ?5, NULL)";
constexpr char kErase[] =
    "UPDATE audit_debtor_keys SET wrapped_key = NULL, erase_time_us = ?2"
    " WHERE customer_id = ?1 AND erase_time_us IS NULL RETURNING key_id";
constexpr char kListActive[] =
    "SELECT key_id, customer_id, wrapped_key, wrapping_key_id, create_time_us, erase_time_us"
    " FROM audit_debtor_keys WHERE erase_time_us IS NULL AND customer_id > ?1"
    " ORDER BY customer_id LIMIT ?2";
constexpr char kProbe[] = "SELECT 1 FROM audit_debtor_keys LIMIT 0";

DebtorKeyRecord ReadRecord(const SqliteStatement& row) {
  DebtorKeyRecord record;
  record.key_id = std::string(row.ColumnText(0));
  record.customer_id = std::string(row.ColumnText(1));
  record.wrapped_key = std::string(row.ColumnBlob(2));
  record.wrapping_key_id = std::string(row.ColumnText(3));
  record.create_time = absl::FromUnixMicros(row.ColumnInt64(4));
  if (!row.ColumnIsNull(5)) record.erase_time = absl::FromUnixMicros(row.ColumnInt64(5));
  return record;
}

absl::StatusOr<std::optional<DebtorKeyRecord>> SelectOne(SqliteTransaction& txn,
                                                         absl::string_view sql,
                                                         absl::string_view key) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(sql));
  select.BindText(1, key);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::nullopt;
  return ReadRecord(select);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDebtorKeyStore>> SqliteDebtorKeyStore::Create(
    store::SqliteDatabase* db) {
  if (db == nullptr) return absl::InvalidArgumentError("debtor key store needs a database");
  const absl::Status probe = db->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [](SqliteTransaction& txn) { return txn.Execute(kProbe); });
  if (!probe.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit schema missing in ", db->path(),
                     " (apply AuditSchemaMigrations): ", probe.message()));
  }
  return std::unique_ptr<SqliteDebtorKeyStore>(new SqliteDebtorKeyStore(db));
}

absl::StatusOr<std::optional<DebtorKeyRecord>> SqliteDebtorKeyStore::FindActive(
    absl::string_view customer_id) {
  std::optional<DebtorKeyRecord> record;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(record, SelectOne(txn, kSelectActive, customer_id));
        return absl::OkStatus();
      }));
  return record;
}

absl::StatusOr<std::optional<DebtorKeyRecord>> SqliteDebtorKeyStore::FindById(
    absl::string_view key_id) {
  std::optional<DebtorKeyRecord> record;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(record, SelectOne(txn, kSelectById, key_id));
        return absl::OkStatus();
      }));
  return record;
}

absl::StatusOr<std::vector<DebtorKeyRecord>> SqliteDebtorKeyStore::InsertIfNoActive(
    absl::Span<const DebtorKeyRecord> records) {
  for (const DebtorKeyRecord& record : records) {
    if (record.key_id.empty() || record.customer_id.empty() || record.erased()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a new debtor key needs key_id and customer_id and must not be erased: '",
                       record.key_id, "'"));
    }
  }
  std::vector<DebtorKeyRecord> result;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        result.clear();
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, txn.Prepare(kInsert));
        for (const DebtorKeyRecord& record : records) {
          // OR IGNORE: the partial unique index keeps the first active key of
          // a debtor; a concurrent creator's row wins and is read back below.
          insert.BindText(1, record.key_id);
          insert.BindText(2, record.customer_id);
          insert.BindBlob(3, record.wrapped_key);
          insert.BindText(4, record.wrapping_key_id);
          insert.BindInt64(5, absl::ToUnixMicros(record.create_time));
          ARREARS_RETURN_IF_ERROR(insert.Run());
        }
        for (const DebtorKeyRecord& record : records) {
          ARREARS_ASSIGN_OR_RETURN(std::optional<DebtorKeyRecord> active,
                                   SelectOne(txn, kSelectActive, record.customer_id));
          if (!active.has_value()) {
            return absl::FailedPreconditionError(
                absl::StrCat("key_id ", record.key_id, " already exists"));
          }
          result.push_back(*std::move(active));
        }
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<std::vector<std::string>> SqliteDebtorKeyStore::EraseCustomer(
    absl::string_view customer_id, absl::Time time) {
  std::vector<std::string> erased;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        erased.clear();
        // Zero the freed bytes of the page rather than leave them to be
        // overwritten some day.
        ARREARS_RETURN_IF_ERROR(txn.Execute("PRAGMA secure_delete = ON"));
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement erase, txn.Prepare(kErase));
        erase.BindText(1, customer_id);
        erase.BindInt64(2, absl::ToUnixMicros(time));
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, erase.Step());
          if (!row) return absl::OkStatus();
          erased.emplace_back(erase.ColumnText(0));
        }
      }));
  return erased;
}

absl::StatusOr<std::vector<DebtorKeyRecord>> SqliteDebtorKeyStore::ListActive(
    absl::string_view after_customer_id, size_t limit) {
  std::vector<DebtorKeyRecord> records;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        records.clear();
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kListActive));
        select.BindText(1, after_customer_id);
        select.BindInt64(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
          if (!row) return absl::OkStatus();
          records.push_back(ReadRecord(select));
        }
      }));
  return records;
}

}  // namespace arrears::compliance::audit
