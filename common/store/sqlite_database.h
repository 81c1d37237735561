// SqliteDatabase: a service's embedded SQLite store — one database file in WAL
// mode, schema migrations, and transactions with savepoints.
//
// Concurrency model:
//   - One SqliteDatabase owns ONE connection, guarded by a mutex: transactions
//     of one SqliteDatabase run one at a time, each holding the mutex from
//     BEGIN to COMMIT. Thread-safe; open more SqliteDatabase objects on the
//     same file for parallel readers.
//   - Several processes (two replicas of a service in the embedded default)
//     may open the same file. Write transactions start with BEGIN IMMEDIATE,
//     taking SQLite's single write lock up front (so they never fail half way
//     with a lock upgrade) and waiting up to `busy_timeout` for it, retrying
//     every 20 us to 1 ms (SQLite's own handler sleeps 1 to 100 ms, longer
//     than a typical transaction); WAL lets readers proceed meanwhile. Past
//     the timeout the transaction fails with kUnavailable, which is retryable
//     (events/handler.h).
//   - Transactions must not be nested (FailedPrecondition): use savepoints.
//   - WAL checkpoints run on a background thread with its own connection
//     (see SqliteOptions::background_checkpoints).
//
// Durability: synchronous=NORMAL (the default) makes every committed
// transaction survive a process crash (SIGKILL), but the last few may be lost
// on power failure or kernel crash; choose kFull to fsync on every commit
// (~0.2 ms each here) when that matters more than throughput.
//
// Process-wide effect: the first Create turns SQLite's memory statistics off
// (sqlite3_memory_used() then reads 0); they take a global mutex on every
// allocation.
//
// Repositories of the SQLite backend get a SqliteTransaction from a
// Transaction with Unwrap() and run cached, parameter-bound statements
// (sqlite_statement.h) on it.
#ifndef ARREARS_COMMON_STORE_SQLITE_DATABASE_H_
#define ARREARS_COMMON_STORE_SQLITE_DATABASE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/migration.h"
#include "common/store/sqlite_busy_retry.h"
#include "common/store/sqlite_checkpointer.h"
#include "common/store/sqlite_statement.h"
#include "common/store/transaction.h"

struct sqlite3;

namespace arrears::store {

enum class SqliteSynchronous { kNormal, kFull };

struct SqliteOptions {
  // Database file, created if missing (its directory must exist). ":memory:"
  // opens a private in-memory database without WAL, for tests that need
  // neither durability nor sharing.
  std::string path = "";
  // How long a transaction waits for another connection's write lock.
  absl::Duration busy_timeout = absl::Seconds(5);
  SqliteSynchronous synchronous = SqliteSynchronous::kNormal;
  // Page cache of this connection.
  int64_t cache_size_kib = 64 * 1024;
  // WAL checkpoints (copying committed pages into the database file, with an
  // fsync) start once the WAL holds `checkpoint_pages` pages. With
  // `background_checkpoints` they run on a thread of their own, off the
  // committing thread; the committing thread checkpoints itself only if the
  // WAL reaches 16 times that (the background thread fell behind). Without,
  // SQLite's default: the commit that crosses the threshold checkpoints.
  bool background_checkpoints = true;
  int checkpoint_pages = 1000;
  // Page size of a database file this call creates (a power of two in
  // 512..65536); an existing file keeps its own. Smaller pages mean fewer WAL
  // bytes per randomly updated row, larger pages shallower trees.
  int page_size = 4096;
};

// kImmediate takes the write lock at BEGIN (all writes); kDeferred takes
// nothing until the first statement (read-only work).
enum class SqliteTransactionMode { kImmediate, kDeferred };

class SqliteDatabase;

// An open SQLite transaction. Only SqliteDatabase creates one, for the
// duration of a transaction body.
class SqliteTransaction final : public Transaction {
 public:
  // A cached prepared statement for `sql` (exactly one statement).
  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);
  // Prepares and runs one statement without parameters.
  absl::Status Execute(absl::string_view sql);
  // Runs several `;`-separated statements without parameters (not cached):
  // for DDL in migrations.
  absl::Status ExecuteScript(absl::string_view sql);
  int64_t LastInsertRowId() const;

  absl::Status CreateSavepoint(absl::string_view name) override;
  absl::Status ReleaseSavepoint(absl::string_view name) override;
  absl::Status RollbackToSavepoint(absl::string_view name) override;

 private:
  friend class SqliteDatabase;
  SqliteTransaction(const SqliteDatabase* db, sqlite3* conn, SqliteStatementCache* cache)
      : Transaction(db), conn_(conn), cache_(cache) {}
  absl::Status RunSavepointStatement(absl::string_view verb, absl::string_view name);

  sqlite3* conn_;
  SqliteStatementCache* cache_;
  // Set when a savepoint could not be rolled back: the transaction then holds
  // writes its caller meant to undo, so it must not commit.
  absl::Status poisoned_;
};

class SqliteDatabase final : public TransactionRunner {
 public:
  // Opens (creating if needed) the database: WAL journal, foreign keys on,
  // the given synchronous level, busy timeout and cache size, temp storage in
  // memory; starts the checkpointer. InvalidArgument naming the option for an
  // empty path, a negative timeout or cache, or non-positive checkpoint_pages.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Create(const SqliteOptions& options);

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase() override;

  // Brings the schema up to date: records applied migrations in
  // schema_migrations(version, name, applied_at) and applies the missing ones
  // in version order, each in its own transaction. Idempotent, and safe when
  // several processes migrate the same file at once. InvalidArgument if
  // versions are not positive and strictly increasing or a name is empty;
  // FailedPrecondition (drift) if a recorded version has another name or a
  // recorded version below the highest given one is not in the list. Versions
  // recorded above the highest given one (a newer binary migrated first) are
  // tolerated.
  absl::Status Migrate(absl::Span<const Migration> migrations);

  // TransactionRunner: a kImmediate transaction.
  absl::Status InTransaction(absl::FunctionRef<absl::Status(Transaction&)> body) override;

  // The same, for SQLite-specific code, with a choice of mode.
  absl::Status InSqliteTransaction(SqliteTransactionMode mode,
                                   absl::FunctionRef<absl::Status(SqliteTransaction&)> body);

  // `txn` as a transaction of this database; FailedPrecondition if another
  // store opened it (a repository given the wrong store's transaction).
  absl::StatusOr<SqliteTransaction*> Unwrap(Transaction& txn) const;

  const std::string& path() const { return path_; }
  // WAL checkpoints completed by the background thread (0 without one).
  int64_t background_checkpoints() const;

 private:
  SqliteDatabase(std::string path, sqlite3* conn);
  absl::Status Configure(const SqliteOptions& options);
  // sqlite3_wal_hook callback, run by the committing thread after a commit.
  static int OnWalCommit(void* self, sqlite3* conn, const char* db_name, int wal_pages);
  absl::Status ApplyMigration(const Migration& migration);

  const std::string path_;
  absl::Mutex mu_;
  sqlite3* const conn_;  // used only with mu_ held (or before publication)
  std::unique_ptr<SqliteStatementCache> cache_ ABSL_GUARDED_BY(mu_);
  // Set in Create, before the database is shared; null without background
  // checkpoints.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  int checkpoint_pages_ = 0;
  // conn_'s busy handler, which runs on the thread holding mu_.
  SqliteBusyRetry busy_retry_{absl::ZeroDuration()};
  // The thread inside a transaction body, to reject nesting instead of
  // deadlocking on mu_.
  std::atomic<std::thread::id> transaction_thread_{};
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_DATABASE_H_
