// SqliteLeaderLease: LeaderLease on the outbox_lease table of a SqliteDatabase
// (see sqlite_core_schema.h); replicas sharing the database file share the
// leases. Each call is one short write transaction. Thread-safe.
#ifndef ARREARS_COMMON_STORE_SQLITE_LEADER_LEASE_H_
#define ARREARS_COMMON_STORE_SQLITE_LEADER_LEASE_H_

#include "common/store/leader_lease.h"
#include "common/store/sqlite_database.h"

namespace arrears::store {

class SqliteLeaderLease final : public LeaderLease {
 public:
  // `db` must outlive this object.
  explicit SqliteLeaderLease(SqliteDatabase* db) : db_(db) {}

  absl::StatusOr<bool> TryAcquire(absl::string_view name, absl::string_view owner, absl::Time now,
                                  absl::Duration duration) override;
  absl::Status Release(absl::string_view name, absl::string_view owner) override;

 private:
  SqliteDatabase* db_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_LEADER_LEASE_H_
