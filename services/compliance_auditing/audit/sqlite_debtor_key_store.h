// SqliteDebtorKeyStore: DebtorKeyStore on the audit schema
// (sqlite_audit_schema.h) of a SqliteDatabase.
//
// Erasure overwrites the wrapped key with NULL under SQLite's secure_delete
// (switched on for the connection by the first erasure, so later deletes on
// it zero their bytes too), which zeroes the freed bytes in the page. Copies can outlive that
// in the WAL until its next checkpoint and in backups; the master key that
// wraps them is what keeps such copies useless, so it must live apart from
// database backups.
//
// Thread-safe (SqliteDatabase serializes transactions).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_DEBTOR_KEY_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_DEBTOR_KEY_STORE_H_

#include <memory>

#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"

namespace arrears::compliance::audit {

class SqliteDebtorKeyStore final : public DebtorKeyStore {
 public:
  // `db` (migrated with AuditSchemaMigrations) must outlive the store.
  // FailedPrecondition if the schema is missing.
  static absl::StatusOr<std::unique_ptr<SqliteDebtorKeyStore>> Create(store::SqliteDatabase* db);

  absl::StatusOr<std::optional<DebtorKeyRecord>> FindActive(absl::string_view customer_id) override;
  absl::StatusOr<std::optional<DebtorKeyRecord>> FindById(absl::string_view key_id) override;
  absl::StatusOr<std::vector<DebtorKeyRecord>> InsertIfNoActive(
      absl::Span<const DebtorKeyRecord> records) override;
  absl::StatusOr<std::vector<std::string>> EraseCustomer(absl::string_view customer_id,
                                                         absl::Time time) override;
  absl::StatusOr<std::vector<DebtorKeyRecord>> ListActive(absl::string_view after_customer_id,
                                                          size_t limit) override;

 private:
  explicit SqliteDebtorKeyStore(store::SqliteDatabase* db) : db_(db) {}

  store::SqliteDatabase* const db_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_DEBTOR_KEY_STORE_H_
