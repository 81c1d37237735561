#include "common/store/sqlite_busy_retry.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "absl/time/clock.h"

namespace arrears::store {

void SqliteBusyRetry::Install(sqlite3* conn) {
  sqlite3_busy_handler(conn, &SqliteBusyRetry::OnBusy, this);
}

absl::Status SqliteBusyRetry::RetryWhileBusy(absl::FunctionRef<absl::Status()> attempt) {
  for (int retries = 0;; ++retries) {
    absl::Status status = attempt();
    if (!absl::IsUnavailable(status) || OnBusy(this, retries) == 0) return status;
  }
}

int SqliteBusyRetry::OnBusy(void* self, int attempt) {
  auto* retry = static_cast<SqliteBusyRetry*>(self);
  const absl::Time now = absl::Now();
  if (attempt == 0) retry->since_ = now;
  const absl::Duration waited = now - retry->since_;
  if (waited >= retry->timeout_) return 0;  // give up: SQLITE_BUSY
  const absl::Duration pause = std::min(
      absl::Microseconds(20) * (int64_t{1} << std::min(attempt, 6)), absl::Milliseconds(1));
  absl::SleepFor(std::min(pause, retry->timeout_ - waited));
  return 1;
}

}  // namespace arrears::store
