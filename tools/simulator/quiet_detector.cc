#include "tools/simulator/quiet_detector.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace arrears::simulator {

absl::Status AwaitQuiet(const std::function<absl::StatusOr<PipelineSample>()>& sample,
                        const QuietOptions& options, const Clock& clock,
                        const std::function<void(absl::Duration)>& sleep) {
  const absl::Time start = clock.Now();
  const absl::Time deadline = start + options.deadline;
  std::optional<std::vector<int64_t>> stable_progress;
  absl::Time stable_since = start;
  std::string last_detail = "no sample yet";
  while (true) {
    if (options.cancelled && options.cancelled()) {
      return absl::CancelledError("stopped while waiting for the pipeline to be quiet");
    }
    const absl::Time now = clock.Now();
    absl::StatusOr<PipelineSample> current = sample();
    if (!current.ok()) {
      stable_progress.reset();
      last_detail = absl::StrCat("sampling failed: ", current.status().ToString());
    } else {
      last_detail = current->detail;
      if (!stable_progress || *stable_progress != current->progress) {
        stable_progress = current->progress;
        stable_since = now;
      }
      if (current->backlog == 0 && now - stable_since >= options.settle &&
          now - start >= options.settle) {
        return absl::OkStatus();
      }
    }
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "pipeline not quiet after ", absl::FormatDuration(options.deadline), ": ", last_detail));
    }
    sleep(options.poll);
  }
}

}  // namespace arrears::simulator
