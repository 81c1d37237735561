#include "common/time/simulated_clock.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arrears {
namespace {

absl::StatusOr<absl::Time> ReadInstant(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    return absl::NotFoundError(absl::StrCat("simulated clock file \"", path, "\": absent"));
  std::stringstream content;
  content << file.rdbuf();
  const std::string text(absl::StripAsciiWhitespace(content.str()));
  absl::Time instant;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &instant, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("simulated clock file \"", path, "\": \"", text,
                                                   "\" is not an RFC 3339 instant: ", error));
  }
  return instant;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SimulatedClock>> SimulatedClock::Create(std::string path) {
  if (path.empty()) return absl::InvalidArgumentError("simulated clock file: path is empty");
  absl::StatusOr<absl::Time> first = ReadInstant(path);
  if (!first.ok()) return first.status();
  std::unique_ptr<SimulatedClock> clock(new SimulatedClock(std::move(path)));
  absl::MutexLock lock(&clock->mu_);
  clock->Refresh();
  return clock;
}

absl::Time SimulatedClock::Now() const {
  absl::MutexLock lock(&mu_);
  Refresh();
  return now_;
}

void SimulatedClock::Refresh() const {
  struct stat info;
  if (stat(path_.c_str(), &info) != 0) return;  // briefly absent: keep the last instant
  const int64_t mtime_ns = int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec;
  if (info.st_ino == inode_ && info.st_size == size_ && mtime_ns == mtime_ns_) return;
  absl::StatusOr<absl::Time> instant = ReadInstant(path_);
  if (!instant.ok()) return;  // half-written by a non-atomic writer: next call retries
  inode_ = info.st_ino;
  size_ = info.st_size;
  mtime_ns_ = mtime_ns;
  if (*instant > now_) now_ = *instant;
}

std::string SimulatedClock::Format(absl::Time instant) {
  return absl::FormatTime(absl::RFC3339_full, instant, absl::UTCTimeZone());
}

}  // namespace arrears
