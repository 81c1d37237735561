// SqliteLoanStore: the LoanStore of the service, on the overdue_loans and
// overdue_business_date tables of the service's SqliteDatabase
// (overdue_schema.h), so that loan state survives restarts and commits with
// the event that changed it.
//
// Each record is one row: the LoanRecordCodec bytes plus plain columns
// derived from the record on every Insert/Update (next boundary, product,
// branch, currency, state, bucket ordinal and code, class, oldest overdue due
// date), which the start-up calendar rebuild and the delinquency queries
// (sqlite_delinquency_index.h) read without decoding records, and the
// LoanBrief in its own column (the record is stored without the planned
// notices, which the brief holds), which the close reads and rewrites alone
// for a loan whose only business that day is planned notices.
//
// Transactions: LoanStore calls carry no transaction, so the store is bound
// to the caller's open transaction for the duration of a call sequence:
//
//   ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store.Bind(txn));
//   ... engine calls ...
//
// A call outside a binding is FailedPrecondition. SqliteDatabase runs one
// transaction at a time, so one binding exists at a time; bindings of the
// same transaction nest. Errors: SQLite's statuses (sqlite_status.h),
// DataLoss for undecodable records, NotFound / AlreadyExists as LoanStore
// says.
//
// Thread-compatible under that rule (the database's transaction lock
// serializes every use).
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_LOAN_STORE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_LOAN_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "services/overdue_detection/loan_store.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

class SqliteLoanStore final : public LoanStore {
 public:
  // `db` must outlive the store; `products` names bucket codes.
  SqliteLoanStore(store::SqliteDatabase* db, std::shared_ptr<const ProductCatalog> products);

  // Keeps the store bound to one transaction while alive. Move-only.
  class Binding {
   public:
    Binding(Binding&& other) noexcept : store_(other.store_), previous_(other.previous_) {
      other.store_ = nullptr;
    }
    Binding& operator=(Binding&&) = delete;
    ~Binding() {
      if (store_ != nullptr) store_->txn_ = previous_;
    }

   private:
    friend class SqliteLoanStore;
    Binding(SqliteLoanStore* store, store::SqliteTransaction* previous)
        : store_(store), previous_(previous) {}
    SqliteLoanStore* store_;
    store::SqliteTransaction* previous_;
  };

  // Binds to `txn`, a transaction of the store's database (FailedPrecondition
  // otherwise, or while bound to another transaction).
  absl::StatusOr<Binding> Bind(store::Transaction& txn);

  absl::StatusOr<absl::optional<LoanHandle>> Find(absl::string_view loan_id) override;
  absl::StatusOr<LoanHandle> Insert(const LoanRecord& record) override;
  absl::StatusOr<LoanRecord> Load(LoanHandle handle) override;
  absl::Status Update(LoanHandle handle, const LoanRecord& record) override;
  // The `brief` column alone (the record's when a row has none yet).
  absl::StatusOr<LoanBrief> LoadBrief(LoanHandle handle) override;
  absl::Status UpdateBrief(LoanHandle handle, const LoanBrief& brief) override;
  absl::StatusOr<absl::optional<absl::CivilDay>> LoadBusinessDate() override;
  absl::Status SaveBusinessDate(absl::CivilDay date) override;
  absl::Status ForEachNextBoundary(
      absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)> visit) override;
  absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)> visit) override;

 private:
  absl::StatusOr<store::SqliteTransaction*> Bound() const;
  // Binds parameters 2.. of the insert/update statements (everything but the
  // loan id / handle).
  void BindColumns(store::SqliteStatement& statement, const LoanRecord& record,
                   const std::string& encoded, const std::string& brief) const;

  store::SqliteDatabase* const db_;
  const std::shared_ptr<const ProductCatalog> products_;
  store::SqliteTransaction* txn_ = nullptr;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_LOAN_STORE_H_
