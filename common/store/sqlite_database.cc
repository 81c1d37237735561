#include "common/store/sqlite_database.h"

#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_status.h"

namespace arrears::store {
namespace {

constexpr size_t kMaxSavepointName = 64;

bool IsIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > kMaxSavepointName) return false;
  if (!absl::ascii_isalpha(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// Runs `sql` (one or more statements) outside the statement cache; the first
// column of the last row, if any, goes to `*last_value`.
absl::Status Exec(sqlite3* conn, const std::string& sql, std::string* last_value = nullptr) {
  auto callback = [](void* out, int columns, char** values, char**) -> int {
    if (out != nullptr && columns > 0 && values[0] != nullptr) {
      *static_cast<std::string*>(out) = values[0];
    }
    return 0;
  };
  char* error = nullptr;
  const int rc = sqlite3_exec(conn, sql.c_str(), callback, last_value, &error);
  sqlite3_free(error);  // the same text as sqlite3_errmsg, which SqliteError reads
  if (rc != SQLITE_OK) return SqliteError(rc, conn, absl::StrCat("executing [", sql, "]"));
  return absl::OkStatus();
}

constexpr absl::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)";
constexpr absl::string_view kSelectMigrations =
    "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr absl::string_view kSelectMigrationName =
    "SELECT name FROM schema_migrations WHERE version = ?1";
constexpr absl::string_view kInsertMigration =
    "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)";

absl::Status DriftError(int version, absl::string_view recorded, absl::string_view given) {
  return absl::FailedPreconditionError(absl::StrCat("schema drift: migration ", version,
                                                    " is recorded as '", recorded,
                                                    "' but this binary calls it '", given, "'"));
}

absl::Status ValidateMigrations(absl::Span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations[].version must be positive and strictly increasing: ", m.version,
                       " follows ", previous));
    }
    if (m.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations[].name is empty for version ", m.version));
    }
    previous = m.version;
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// SqliteTransaction

absl::StatusOr<SqliteStatement> SqliteTransaction::Prepare(absl::string_view sql) {
  return cache_->Prepare(sql);
}

absl::Status SqliteTransaction::Execute(absl::string_view sql) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement statement, Prepare(sql));
  return statement.Run();
}

absl::Status SqliteTransaction::ExecuteScript(absl::string_view sql) {
  return Exec(conn_, std::string(sql));
}

int64_t SqliteTransaction::LastInsertRowId() const { return sqlite3_last_insert_rowid(conn_); }

absl::Status SqliteTransaction::RunSavepointStatement(absl::string_view verb,
                                                      absl::string_view name) {
  if (!IsIdentifier(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("savepoint name must be an identifier of at most ", kMaxSavepointName,
                     " bytes, got '", name, "'"));
  }
  // Built on the stack: this runs per event on the hot path, and the text is
  // only ever a fixed verb plus a validated identifier.
  char buffer[32 + kMaxSavepointName];
  std::memcpy(buffer, verb.data(), verb.size());
  std::memcpy(buffer + verb.size(), name.data(), name.size());
  return Execute(absl::string_view(buffer, verb.size() + name.size()));
}

absl::Status SqliteTransaction::CreateSavepoint(absl::string_view name) {
  return RunSavepointStatement("SAVEPOINT ", name);
}

absl::Status SqliteTransaction::ReleaseSavepoint(absl::string_view name) {
  return RunSavepointStatement("RELEASE ", name);
}

absl::Status SqliteTransaction::RollbackToSavepoint(absl::string_view name) {
  absl::Status status = RunSavepointStatement("ROLLBACK TO ", name);
  if (status.ok()) status = RunSavepointStatement("RELEASE ", name);
  if (!status.ok() && poisoned_.ok()) {
    poisoned_ = absl::AbortedError(
        absl::StrCat("rolling back savepoint ", name, " failed: ", status.message()));
  }
  return status;
}

// ---------------------------------------------------------------------------
// SqliteDatabase

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Create(
    const SqliteOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("SqliteOptions.path is empty");
  if (options.busy_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("SqliteOptions.busy_timeout is negative");
  }
  if (options.cache_size_kib < 0) {
    return absl::InvalidArgumentError("SqliteOptions.cache_size_kib is negative");
  }
  if (options.page_size < 512 || options.page_size > 65536 ||
      (options.page_size & (options.page_size - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SqliteOptions.page_size must be a power of two in 512..65536: ", options.page_size));
  }
  if (options.checkpoint_pages <= 0) {
    return absl::InvalidArgumentError("SqliteOptions.checkpoint_pages must be positive");
  }
  static std::once_flag configure_library;
  std::call_once(configure_library, [] {
    // Memory statistics take a global mutex on every allocation; nothing
    // here reads them. Fails harmlessly if SQLite is already initialized.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  sqlite3* conn = nullptr;
  // NOMUTEX: SQLite's own per-connection mutex is redundant with ours.
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &conn,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status error = SqliteError(rc, conn, absl::StrCat("opening ", options.path));
    sqlite3_close_v2(conn);
    return error;
  }
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options.path, conn));
  ARREARS_RETURN_IF_ERROR(db->Configure(options));
  return db;
}

SqliteDatabase::SqliteDatabase(std::string path, sqlite3* conn)
    : path_(std::move(path)), conn_(conn), cache_(std::make_unique<SqliteStatementCache>(conn)) {}

SqliteDatabase::~SqliteDatabase() {
  absl::MutexLock lock(&mu_);
  sqlite3_wal_hook(conn_, nullptr, nullptr);
  checkpointer_.reset();
  cache_.reset();  // statements must be finalized before the connection closes
  sqlite3_close_v2(conn_);
}

int SqliteDatabase::OnWalCommit(void* self, sqlite3* conn, const char* db_name, int wal_pages) {
  auto* db = static_cast<SqliteDatabase*>(self);
  if (wal_pages >= 16 * db->checkpoint_pages_) {
    // The background thread fell behind (or cannot finish while this
    // connection keeps appending): checkpoint here, where no commit can
    // interleave. Errors only mean the WAL stays long a little longer.
    sqlite3_wal_checkpoint_v2(conn, db_name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= db->checkpoint_pages_) {
    db->checkpointer_->Request();
  }
  return SQLITE_OK;
}

absl::Status SqliteDatabase::Configure(const SqliteOptions& options) {
  absl::MutexLock lock(&mu_);
  sqlite3_extended_result_codes(conn_, 1);
  busy_retry_.set_timeout(options.busy_timeout);
  busy_retry_.Install(conn_);
  const std::string context = absl::StrCat("configuring ", path_);
  // Before WAL mode: a new file takes its page size from its first write.
  ARREARS_RETURN_IF_ERROR(
      Annotate(Exec(conn_, absl::StrCat("PRAGMA page_size=", options.page_size)), context));
  // Replicas starting together on a store that does not exist yet switch it
  // to WAL at once: SQLite refuses one of them with SQLITE_BUSY without
  // calling the busy handler, so the switch waits as the handler would.
  std::string journal_mode;
  const absl::Status wal = busy_retry_.RetryWhileBusy(
      [&] { return Exec(conn_, "PRAGMA journal_mode=WAL", &journal_mode); });
  ARREARS_RETURN_IF_ERROR(Annotate(wal, context));
  const bool in_memory = options.path == ":memory:";
  if (absl::AsciiStrToLower(journal_mode) != (in_memory ? "memory" : "wal")) {
    return absl::FailedPreconditionError(
        absl::StrCat(context, ": journal_mode is '", journal_mode, "', WAL could not be enabled"));
  }
  const char* synchronous = options.synchronous == SqliteSynchronous::kFull ? "FULL" : "NORMAL";
  ARREARS_RETURN_IF_ERROR(
      Annotate(Exec(conn_, absl::StrCat("PRAGMA synchronous=", synchronous, ";",
                                        "PRAGMA foreign_keys=ON;", "PRAGMA temp_store=MEMORY;",
                                        "PRAGMA cache_size=-", options.cache_size_kib)),
               context));
  if (in_memory) return absl::OkStatus();
  if (!options.background_checkpoints) {
    sqlite3_wal_autocheckpoint(conn_, options.checkpoint_pages);
    return absl::OkStatus();
  }
  ARREARS_ASSIGN_OR_RETURN(checkpointer_, SqliteCheckpointer::Start(path_));
  checkpoint_pages_ = options.checkpoint_pages;
  // Replaces SQLite's own auto-checkpoint hook.
  sqlite3_wal_hook(conn_, &SqliteDatabase::OnWalCommit, this);
  return absl::OkStatus();
}

int64_t SqliteDatabase::background_checkpoints() const {
  return checkpointer_ != nullptr ? checkpointer_->checkpoints() : 0;
}

absl::StatusOr<SqliteTransaction*> SqliteDatabase::Unwrap(Transaction& txn) const {
  if (txn.store() != this) {
    return absl::FailedPreconditionError(
        absl::StrCat("transaction was not opened by the SQLite store ", path_));
  }
  // Only SqliteDatabase creates transactions whose store() is a SqliteDatabase.
  return static_cast<SqliteTransaction*>(&txn);
}

absl::Status SqliteDatabase::InTransaction(absl::FunctionRef<absl::Status(Transaction&)> body) {
  return InSqliteTransaction(SqliteTransactionMode::kImmediate,
                             [&](SqliteTransaction& txn) { return body(txn); });
}

absl::Status SqliteDatabase::InSqliteTransaction(
    SqliteTransactionMode mode, absl::FunctionRef<absl::Status(SqliteTransaction&)> body) {
  if (transaction_thread_.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("nested transaction on ", path_, ": use a savepoint"));
  }
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(this, conn_, cache_.get());
  const absl::string_view begin =
      mode == SqliteTransactionMode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN";
  ARREARS_RETURN_IF_ERROR(Annotate(txn.Execute(begin), path_));

  transaction_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  absl::Status status = body(txn);
  transaction_thread_.store(std::thread::id(), std::memory_order_relaxed);

  if (status.ok() && !txn.poisoned_.ok()) status = txn.poisoned_;
  if (status.ok() && sqlite3_get_autocommit(conn_) != 0) {
    // SQLite rolls back by itself after some errors (SQLITE_FULL, IOERR);
    // a body that went on regardless must not report success.
    return absl::AbortedError(
        absl::StrCat(path_, ": transaction was rolled back by SQLite after an earlier error"));
  }
  if (status.ok()) {
    status = Annotate(txn.Execute("COMMIT"), path_);
    if (status.ok()) return status;
  }
  if (sqlite3_get_autocommit(conn_) == 0) {
    // A failed ROLLBACK leaves nothing better to do: SQLite rolls back when
    // the connection closes, and the next BEGIN fails loudly meanwhile.
    txn.Execute("ROLLBACK").IgnoreError();
  }
  return status;
}

absl::Status SqliteDatabase::Migrate(absl::Span<const Migration> migrations) {
  ARREARS_RETURN_IF_ERROR(ValidateMigrations(migrations));
  ARREARS_RETURN_IF_ERROR(InSqliteTransaction(
      SqliteTransactionMode::kImmediate,
      [](SqliteTransaction& txn) { return txn.ExecuteScript(kCreateMigrationsTable); }));

  absl::flat_hash_map<int, std::string> recorded;
  ARREARS_RETURN_IF_ERROR(
      InSqliteTransaction(SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectMigrations));
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
          if (!row) return absl::OkStatus();
          recorded.emplace(static_cast<int>(select.ColumnInt64(0)), select.ColumnText(1));
        }
      }));

  const int highest = migrations.empty() ? 0 : migrations.back().version;
  absl::flat_hash_map<int, const Migration*> given;
  for (const Migration& m : migrations) given.emplace(m.version, &m);
  for (const auto& [version, name] : recorded) {
    auto it = given.find(version);
    if (it != given.end()) {
      if (it->second->name != name) return DriftError(version, name, it->second->name);
    } else if (version < highest) {
      return absl::FailedPreconditionError(
          absl::StrCat("schema drift: migration ", version, " ('", name,
                       "') is recorded but unknown to this binary"));
    }
  }
  for (const Migration& m : migrations) {
    if (!recorded.contains(m.version)) ARREARS_RETURN_IF_ERROR(ApplyMigration(m));
  }
  return absl::OkStatus();
}

absl::Status SqliteDatabase::ApplyMigration(const Migration& migration) {
  return InSqliteTransaction(SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) {
    // Another process may have applied it since we looked.
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectMigrationName));
    select.BindInt64(1, migration.version);
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (row) {
      if (select.ColumnText(0) != migration.name) {
        return DriftError(migration.version, select.ColumnText(0), migration.name);
      }
      return absl::OkStatus();
    }
    ARREARS_RETURN_IF_ERROR(
        Annotate(txn.ExecuteScript(migration.sql),
                 absl::StrCat("migration ", migration.version, " (", migration.name, ")")));
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, txn.Prepare(kInsertMigration));
    insert.BindInt64(1, migration.version);
    insert.BindText(2, migration.name);
    return insert.Run();
  });
}

}  // namespace arrears::store
