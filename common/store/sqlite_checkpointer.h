// SqliteCheckpointer: runs WAL checkpoints of a database file on a background
// thread with its own connection, so that committing threads do not pay for
// copying pages into the database file and fsyncing it.
//
// SqliteDatabase installs a WAL hook that calls Request() once the WAL holds
// more than a threshold of pages; the checkpointer then runs a PASSIVE
// checkpoint, which never blocks readers or writers (and never waits for
// them: it copies what it can and is asked again after later commits). When
// that copied everything, short passive passes copy what commits added
// meanwhile, then a RESTART checkpoint copies the last few pages and waits a
// few milliseconds for readers still using the WAL (holding off writers
// meanwhile) so that the next commit starts the WAL over instead of growing
// it.
// Thread-safe.
#ifndef ARREARS_COMMON_STORE_SQLITE_CHECKPOINTER_H_
#define ARREARS_COMMON_STORE_SQLITE_CHECKPOINTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/store/sqlite_busy_retry.h"

struct sqlite3;

namespace arrears::store {

class SqliteCheckpointer {
 public:
  // The name its thread carries (runtime::NameCurrentThread).
  static constexpr char kThreadName[] = "checkpointer";

  // Opens a second connection to `path` and starts the thread.
  static absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> Start(const std::string& path);

  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;
  // Stops the thread (a running checkpoint finishes first) and closes the
  // connection.
  ~SqliteCheckpointer();

  // Asks for a checkpoint soon. Never blocks on the checkpoint itself.
  void Request();

  // Checkpoints completed so far (for tests and metrics).
  int64_t checkpoints() const;

 private:
  explicit SqliteCheckpointer(sqlite3* conn) : conn_(conn) {}
  void Loop();

  // How long the restart step waits for the write lock and for readers
  // still using the WAL. Writers of these stores hold the lock for about a
  // millisecond, and readers their snapshots for microseconds to
  // milliseconds.
  static constexpr absl::Duration kRestartWait = absl::Milliseconds(5);
  // Catch-up passes before RESTART (see Loop): at most this many, and none
  // once a pass found fewer new frames than kCaughtUpFrames.
  static constexpr int kCatchUpPasses = 4;
  static constexpr int kCaughtUpFrames = 16;

  sqlite3* const conn_;                       // used only by the thread
  SqliteBusyRetry busy_retry_{kRestartWait};  // conn_'s, on the thread
  mutable absl::Mutex mu_;
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_CHECKPOINTER_H_
