// Transaction: the backend-neutral handle of an open database transaction,
// and TransactionRunner, the seam that opens one.
//
// Services and their repositories are written against these interfaces; the
// SQLite backend (sqlite_database.h) is the only one today and a PostgreSQL
// backend must be a contained change. A repository of backend X accepts only
// a Transaction opened by the store it was built on: it compares store() with
// its own store and then downcasts to X's transaction class.
//
// A Transaction is valid only inside the body passed to InTransaction and is
// used from the thread running that body. Savepoints nest; Savepoint (below)
// is the RAII way to use them: a Savepoint that is neither released nor rolled
// back rolls back when it goes out of scope.
#ifndef ARREARS_COMMON_STORE_TRANSACTION_H_
#define ARREARS_COMMON_STORE_TRANSACTION_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::store {

class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  virtual ~Transaction() = default;

  // Identifies the store (database object) that opened this transaction.
  const void* store() const { return store_; }

  // Savepoint primitives. `name` must be an identifier ([A-Za-z_][A-Za-z0-9_]*,
  // at most 64 bytes); names may repeat, the innermost one wins.
  // RollbackToSavepoint undoes everything since the savepoint and discards it.
  virtual absl::Status CreateSavepoint(absl::string_view name) = 0;
  virtual absl::Status ReleaseSavepoint(absl::string_view name) = 0;
  virtual absl::Status RollbackToSavepoint(absl::string_view name) = 0;

 protected:
  explicit Transaction(const void* store) : store_(store) {}

 private:
  const void* store_;
};

class TransactionRunner {
 public:
  virtual ~TransactionRunner() = default;

  // Runs `body` in a read-write transaction: commits if it returns OK, rolls
  // back and returns its status otherwise. Lock contention (another writer
  // holding the database past the busy timeout) and a failed commit come back
  // as retryable statuses (kUnavailable/kAborted, see events/handler.h). Must
  // not be nested: use savepoints inside a transaction instead.
  virtual absl::Status InTransaction(absl::FunctionRef<absl::Status(Transaction&)> body) = 0;
};

// RAII savepoint. Move-only; the Transaction must outlive it.
class Savepoint {
 public:
  static absl::StatusOr<Savepoint> Begin(Transaction& txn, absl::string_view name);

  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  // Rolls back if still active.
  ~Savepoint();

  // Keeps the work since Begin (it becomes part of the enclosing transaction).
  absl::Status Release();
  // Undoes the work since Begin.
  absl::Status Rollback();

 private:
  Savepoint(Transaction* txn, absl::string_view name) : txn_(txn), name_(name) {}

  Transaction* txn_;  // null once released or rolled back
  std::string name_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_TRANSACTION_H_
