// SqliteError: SQLite result codes as absl::Status, with codes chosen for the
// retry contract of events/handler.h.
//
//   SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PROTOCOL, SQLITE_IOERR -> kUnavailable
//   SQLITE_FULL, SQLITE_NOMEM                                  -> kResourceExhausted
//   SQLITE_INTERRUPT, SQLITE_ABORT                             -> kAborted
//   SQLITE_CONSTRAINT, SQLITE_MISMATCH                         -> kFailedPrecondition
//   SQLITE_TOOBIG, SQLITE_RANGE                                -> kInvalidArgument
//   SQLITE_CANTOPEN, SQLITE_NOTFOUND                           -> kNotFound
//   SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH                  -> kPermissionDenied
//   SQLITE_CORRUPT, SQLITE_NOTADB                              -> kDataLoss
//   anything else (SQLITE_ERROR: bad SQL, SQLITE_MISUSE, ...)  -> kInternal
//
// The first four groups are retryable: they are about the moment (a lock, a
// full disk), not about the event being applied.
#ifndef ARREARS_COMMON_STORE_SQLITE_STATUS_H_
#define ARREARS_COMMON_STORE_SQLITE_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

struct sqlite3;

namespace arrears::store {

// `rc` is a (possibly extended) SQLite result code other than SQLITE_OK,
// SQLITE_ROW or SQLITE_DONE. The message is "<context>: <detail> (<code name>)";
// `detail` is sqlite3_errmsg(db) when db is non-null, sqlite3_errstr(rc) otherwise.
absl::Status SqliteError(int rc, sqlite3* db, absl::string_view context);

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_STATUS_H_
