// FileClockWriter: publishes the simulated instant in the file every service
// of the run reads through --simulated_clock_file (common/time/
// simulated_clock.h).
//
// Each Advance() writes SimulatedClock::Format(instant) to a temporary file
// in the same directory and renames it over the path, so a reader sees the
// old or the new instant, never a torn one. Time only moves forward:
// Advance() to an earlier instant than the file holds is FailedPrecondition
// (services would ignore it, and the run would silently disagree with them),
// to the same instant a no-op. The file stays when the writer goes (services
// keep running on the last instant). Not thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_FILE_CLOCK_WRITER_H_
#define ARREARS_TOOLS_SIMULATOR_FILE_CLOCK_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/simulator/pipeline.h"

namespace arrears::simulator {

class FileClockWriter final : public SimulatedClockWriter {
 public:
  // Reads the instant already in `path`, if any (a run resumes from it).
  // InvalidArgument naming the path when the file exists but does not parse.
  static absl::StatusOr<std::unique_ptr<FileClockWriter>> Open(std::string path);

  absl::Status Advance(absl::Time now) override;

  // The instant in the file; InfinitePast before the first write.
  absl::Time current() const { return current_; }

 private:
  FileClockWriter(std::string path, absl::Time current)
      : path_(std::move(path)), current_(current) {}

  const std::string path_;
  absl::Time current_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_FILE_CLOCK_WRITER_H_
