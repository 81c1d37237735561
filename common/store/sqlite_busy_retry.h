// SqliteBusyRetry: the busy handler of this project's SQLite connections.
//
// When another connection holds a lock, SQLite calls the handler and retries
// while it returns nonzero. SQLite's own busy_timeout handler sleeps 1, 2, 5,
// 10 ... ms between attempts; a writer of these stores holds the lock for
// about a millisecond, so those sleeps cost more than the wait itself and
// miss the short gaps between a busy writer's transactions. This one retries
// quickly, backing off from 20 us to 1 ms, until `timeout` has passed since
// the first attempt, then gives up (SQLITE_BUSY).
//
// Install() registers it on a connection; the object must stay where it is
// and outlive that use. RetryWhileBusy() applies the same waits to a
// statement SQLite answers with SQLITE_BUSY without calling the handler.
// Not thread-safe: one connection, used by one thread at a time (as SQLite
// calls the handler).
#ifndef ARREARS_COMMON_STORE_SQLITE_BUSY_RETRY_H_
#define ARREARS_COMMON_STORE_SQLITE_BUSY_RETRY_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

struct sqlite3;

namespace arrears::store {

class SqliteBusyRetry {
 public:
  explicit SqliteBusyRetry(absl::Duration timeout) : timeout_(timeout) {}
  SqliteBusyRetry(const SqliteBusyRetry&) = delete;
  SqliteBusyRetry& operator=(const SqliteBusyRetry&) = delete;

  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }
  // Makes this object `conn`'s busy handler.
  void Install(sqlite3* conn);
  // Runs `attempt` until it returns anything but Unavailable (SQLITE_BUSY)
  // or `timeout` has passed since the first run, pausing between runs as the
  // handler does; returns the last result. For what SQLite refuses at once
  // where waiting inside it could deadlock (two connections switching a new
  // file to WAL together both hold the shared lock and want the exclusive).
  absl::Status RetryWhileBusy(absl::FunctionRef<absl::Status()> attempt);

 private:
  // sqlite3_busy_handler callback.
  static int OnBusy(void* self, int attempt);

  absl::Duration timeout_;
  absl::Time since_;  // the first attempt of the current wait
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_BUSY_RETRY_H_
