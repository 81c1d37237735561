#include "common/store/sqlite_checkpointer.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "common/runtime/thread_name.h"
#include "common/store/sqlite_status.h"

namespace arrears::store {

absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(
    const std::string& path) {
  sqlite3* conn = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status error = SqliteError(rc, conn, absl::StrCat("opening ", path, " for checkpoints"));
    sqlite3_close_v2(conn);
    return error;
  }
  // Its own commits (none) must not trigger checkpoints of their own.
  sqlite3_wal_autocheckpoint(conn, 0);
  // A connection that has never read the database has not opened its WAL,
  // and SQLite then "checkpoints" nothing while returning OK (log = -1). One
  // read opens it.
  if (const int read_rc = sqlite3_exec(conn, "PRAGMA schema_version", nullptr, nullptr, nullptr);
      read_rc != SQLITE_OK) {
    absl::Status error = SqliteError(read_rc, conn, absl::StrCat("reading ", path));
    sqlite3_close_v2(conn);
    return error;
  }
  std::unique_ptr<SqliteCheckpointer> checkpointer(new SqliteCheckpointer(conn));
  checkpointer->busy_retry_.Install(conn);
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Loop(); });
  return checkpointer;
}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  sqlite3_close_v2(conn_);
}

void SqliteCheckpointer::Request() {
  absl::MutexLock lock(&mu_);
  requested_ = true;
}

int64_t SqliteCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

void SqliteCheckpointer::Loop() {
  runtime::NameCurrentThread(kThreadName);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wanted = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return requested_ || stopping_; };
      mu_.Await(absl::Condition(&wanted));
      if (stopping_) return;
      requested_ = false;
    }
    // Failures (SQLITE_BUSY while another process checkpoints, I/O errors)
    // are left to the next request, and to the committing connection's
    // fallback checkpoint if the WAL keeps growing.
    int wal_frames = -1;
    int checkpointed_frames = -1;
    const int rc = sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                             &checkpointed_frames);
    // wal_frames == -1 means no WAL was checkpointed: not a checkpoint.
    if (rc != SQLITE_OK || wal_frames < 0) continue;
    {
      absl::MutexLock lock(&mu_);
      ++checkpoints_;
    }
    // Everything is in the database file, but under steady load some
    // reader always holds a snapshot that uses the WAL, and the next writer
    // can only start the WAL over when none does. Without this the WAL only
    // grew (to the committing thread's fallback threshold in the compliance
    // benchmark, whose commits then each checkpointed and fsynced), and every
    // commit appended to new blocks, which costs the file system more than
    // rewriting blocks it has: 15-20% of a CheckContact's CPU. RESTART
    // holds off writers for up to kRestartWait (busy_retry_) until those
    // readers are done (new ones read the database file), so that the next
    // commit starts over; if they take longer nothing is lost but the
    // restart.
    //
    // Commits go on while a pass copies (~50 ms for 10,000 pages here), and
    // RESTART copies what they added and fsyncs while writers wait: 10-15 ms
    // of a stalled commit pipeline after each checkpoint. Short passes catch
    // up first (each copies what came during the one before), so that
    // RESTART finds a few pages left: 1-2 ms.
    for (int pass = 0; pass < kCatchUpPasses && checkpointed_frames == wal_frames && wal_frames > 0;
         ++pass) {
      const int copied_before = wal_frames;
      if (sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                    &checkpointed_frames) != SQLITE_OK) {
        break;
      }
      if (wal_frames - copied_before < kCaughtUpFrames) break;
    }
    if (checkpointed_frames == wal_frames && wal_frames > 0) {
      sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
  }
}

}  // namespace arrears::store
