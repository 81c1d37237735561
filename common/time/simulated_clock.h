// SimulatedClock: the current instant as a file says it is.
//
// Why: a simulated run (make run's loan book, the end-to-end tests) moves
// business days in seconds. Every service process of the run must agree on
// the time, and time must move only when the simulation moves it, so that
// quiet hours, due dates and timers fire as they would over real months. The
// simulator publishes the instant in one file (atomically, see
// common/runtime/published_file.h); each service started with
// --simulated_clock_file reads it through this clock.
//
// File content: one RFC 3339 instant, e.g. "2026-03-02T09:00:00+08:00".
//
// Contract:
//   - Create() fails (naming the path) unless the file exists and parses: a
//     run must not start on a guessed time.
//   - Now() re-reads the file when it has changed (one stat() per call, a
//     microsecond) and returns the latest instant read. Time never goes
//     backwards: an earlier instant in the file is ignored, as is a file that
//     is briefly absent or unparsable (the last good instant stands).
//
// Thread-safety: Now() from any thread.
#ifndef ARREARS_COMMON_TIME_SIMULATED_CLOCK_H_
#define ARREARS_COMMON_TIME_SIMULATED_CLOCK_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears {

class SimulatedClock final : public Clock {
 public:
  static absl::StatusOr<std::unique_ptr<SimulatedClock>> Create(std::string path);

  absl::Time Now() const override;

  const std::string& path() const { return path_; }

  // The text Create() and Now() accept, for writers of the file.
  static std::string Format(absl::Time instant);

 private:
  explicit SimulatedClock(std::string path) : path_(std::move(path)) {}

  // Re-reads the file if its identity (inode, size, mtime) changed.
  void Refresh() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  mutable absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable ino_t inode_ ABSL_GUARDED_BY(mu_) = 0;
  mutable off_t size_ ABSL_GUARDED_BY(mu_) = -1;
  mutable int64_t mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace arrears

#endif  // ARREARS_COMMON_TIME_SIMULATED_CLOCK_H_
