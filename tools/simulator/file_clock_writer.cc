#include "tools/simulator/file_clock_writer.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/time/simulated_clock.h"

namespace arrears::simulator {

absl::StatusOr<std::unique_ptr<FileClockWriter>> FileClockWriter::Open(std::string path) {
  absl::Time current = absl::InfinitePast();
  std::ifstream in(path);
  if (in) {
    std::stringstream content;
    content << in.rdbuf();
    const std::string text(absl::StripAsciiWhitespace(content.str()));
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &current, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("clock file \"", path, "\": \"", text,
                                                     "\" is not an RFC 3339 instant: ", error));
    }
  }
  return std::unique_ptr<FileClockWriter>(new FileClockWriter(std::move(path), current));
}

absl::Status FileClockWriter::Advance(absl::Time now) {
  if (now == current_) return absl::OkStatus();
  if (now < current_) {
    return absl::FailedPreconditionError(
        absl::StrCat("clock file \"", path_, "\": cannot move from ",
                     SimulatedClock::Format(current_), " back to ", SimulatedClock::Format(now)));
  }
  const std::string temporary = absl::StrCat(path_, ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << SimulatedClock::Format(now) << "\n";
    out.flush();
    if (!out) {
      return absl::UnavailableError(absl::StrCat("clock file \"", temporary, "\": write failed"));
    }
  }
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("clock file \"", path_, "\": rename failed"));
  }
  current_ = now;
  return absl::OkStatus();
}

}  // namespace arrears::simulator
