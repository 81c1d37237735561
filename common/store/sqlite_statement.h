// SqliteStatement: a prepared SQLite statement in use, and
// SqliteStatementCache, the per-connection cache that prepares each SQL text
// once.
//
// Every query of the SQLite backend goes through these: SQL text is constant
// (a string literal in a repository) and values are bound to `?N` parameters,
// never spliced into the text. A SqliteStatement is a move-only handle
// borrowed from the cache; when it is destroyed the statement is reset, its
// bindings are cleared and it goes back to the cache. Asking the cache for a
// statement that is already out (e.g. the same SELECT nested in its own row
// loop) prepares a private copy instead.
//
// Bound text and blobs are NOT copied (SQLITE_STATIC): the bytes must stay
// valid until the handle is destroyed or the parameter is bound again. Column
// values returned as string_view are valid until the next Step.
//
// Bind errors (bad index, value too big) are remembered and returned by the
// next Step/Run, so call sites bind without checking each call.
//
// Not thread-safe: the connection's owner (SqliteDatabase, under its mutex)
// serializes use. Handles must be destroyed before their cache.
#ifndef ARREARS_COMMON_STORE_SQLITE_STATEMENT_H_
#define ARREARS_COMMON_STORE_SQLITE_STATEMENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace arrears::store {

// An unsigned count or index as an SQLite integer, which is signed: values
// past INT64_MAX become INT64_MAX (as "no upper bound" does).
inline int64_t ToSqlInteger(uint64_t value) {
  return value > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(value);
}

class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based (`?1` is index 1).
  void BindInt64(int index, int64_t value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  void BindNull(int index);

  // Advances: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows (INSERT/UPDATE/DELETE/DDL), then
  // resets, keeping the bindings: rebind what changes and Run again.
  absl::Status Run();
  // Rewinds to before the first Step, keeping the bindings.
  void Reset();

  // Columns are 0-based; valid after Step returned true.
  int64_t ColumnInt64(int column) const;
  absl::string_view ColumnText(int column) const;  // "" for NULL
  absl::string_view ColumnBlob(int column) const;  // "" for NULL
  bool ColumnIsNull(int column) const;

  // Rows inserted, updated or deleted by the last completed Run/Step.
  int64_t ChangedRows() const;
  // SQL text, for messages.
  absl::string_view sql() const;

 private:
  friend class SqliteStatementCache;
  // `in_use` is the cache's flag for a borrowed statement, or null when this
  // handle owns (and finalizes) a private statement.
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}
  void Finish();
  void NoteBindResult(int rc, int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  absl::Status bind_error_;
};

class SqliteStatementCache {
 public:
  explicit SqliteStatementCache(sqlite3* db) : db_(db) {}
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;
  // Finalizes every cached statement; no handle may be outstanding.
  ~SqliteStatementCache();

  // `sql` must be exactly one statement (InvalidArgument otherwise).
  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);

 private:
  struct Entry {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  absl::StatusOr<sqlite3_stmt*> PrepareRaw(absl::string_view sql, bool persistent);

  sqlite3* db_;
  // unique_ptr: handles point at Entry::in_use, which must not move on rehash.
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_;
  // Fast path: repositories pass the same string literals every time, so the
  // text's address finds its entry without hashing the text (the text is
  // still compared, so a reused address cannot pick the wrong statement).
  absl::flat_hash_map<const char*, Entry*> by_address_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_STATEMENT_H_
