#include "common/store/sqlite_leader_lease.h"

#include "common/status/status_macros.h"

namespace arrears::store {
namespace {

// One statement decides and writes, so there is no read-then-write window.
constexpr absl::string_view kAcquire =
    "INSERT INTO outbox_lease (name, owner, expires_at_us) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at_us = "
    "excluded.expires_at_us "
    "WHERE outbox_lease.owner = excluded.owner OR outbox_lease.expires_at_us <= ?4";
constexpr absl::string_view kRelease = "DELETE FROM outbox_lease WHERE name = ?1 AND owner = ?2";

}  // namespace

absl::StatusOr<bool> SqliteLeaderLease::TryAcquire(absl::string_view name, absl::string_view owner,
                                                   absl::Time now, absl::Duration duration) {
  if (name.empty()) return absl::InvalidArgumentError("lease name is empty");
  if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease duration must be positive");
  }
  bool held = false;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement acquire, txn.Prepare(kAcquire));
        acquire.BindText(1, name);
        acquire.BindText(2, owner);
        acquire.BindInt64(3, absl::ToUnixMicros(now + duration));
        acquire.BindInt64(4, absl::ToUnixMicros(now));
        ARREARS_RETURN_IF_ERROR(acquire.Run());
        held = acquire.ChangedRows() == 1;
        return absl::OkStatus();
      }));
  return held;
}

absl::Status SqliteLeaderLease::Release(absl::string_view name, absl::string_view owner) {
  return db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement release, txn.Prepare(kRelease));
        release.BindText(1, name);
        release.BindText(2, owner);
        return release.Run();
      });
}

}  // namespace arrears::store
