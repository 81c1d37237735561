#include "common/store/transaction.h"

#include <utility>

#include "common/status/status_macros.h"

namespace arrears::store {

absl::StatusOr<Savepoint> Savepoint::Begin(Transaction& txn, absl::string_view name) {
  ARREARS_RETURN_IF_ERROR(txn.CreateSavepoint(name));
  return Savepoint(&txn, name);
}

Savepoint::Savepoint(Savepoint&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)), name_(std::move(other.name_)) {}

Savepoint::~Savepoint() {
  if (txn_ != nullptr) {
    // Best effort: if this fails the enclosing transaction fails too, and the
    // caller learns it from the commit.
    txn_->RollbackToSavepoint(name_).IgnoreError();
  }
}

absl::Status Savepoint::Release() {
  if (txn_ == nullptr) return absl::FailedPreconditionError("savepoint is no longer active");
  return std::exchange(txn_, nullptr)->ReleaseSavepoint(name_);
}

absl::Status Savepoint::Rollback() {
  if (txn_ == nullptr) return absl::FailedPreconditionError("savepoint is no longer active");
  return std::exchange(txn_, nullptr)->RollbackToSavepoint(name_);
}

}  // namespace arrears::store
