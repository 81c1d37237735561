// Deciding when the pipeline is quiet: nothing left to process and nothing
// moving for a while.
//
// A sample says how much work is known to be outstanding (records not yet
// consumed by a service's group, rows in an outbox, records the simulator's
// own consumer has not seen) and a progress vector (offsets, counters) that
// changes whenever anything happens. The pipeline is quiet once a sample shows
// no backlog and the progress vector has not changed for `settle`: a margin
// for work that neither shows. (Timers and agendas due at the simulated
// instant are in the backlog: each service counts them against the clock
// file when scraped, arrears_background_work_pending.)
//
// AwaitQuiet polls the sampler every `poll` until quiet, or returns
// DeadlineExceeded with the last sample's description at `deadline`, or
// Cancelled as soon as `cancelled` says so. A
// sampler error counts as "not quiet" (and is reported if it persists to the
// deadline). Time and sleeping are injected for tests.
#ifndef ARREARS_TOOLS_SIMULATOR_QUIET_DETECTOR_H_
#define ARREARS_TOOLS_SIMULATOR_QUIET_DETECTOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears::simulator {

struct PipelineSample {
  int64_t backlog = 0;
  std::vector<int64_t> progress;
  // What is outstanding, e.g. "strategy-routing: 12 on arrears.delinquency.events.v1".
  std::string detail;
};

struct QuietOptions {
  absl::Duration settle = absl::Milliseconds(250);
  absl::Duration poll = absl::Milliseconds(25);
  absl::Duration deadline = absl::Minutes(2);
  // Polled between samples; true ends the wait with Cancelled. Optional.
  std::function<bool()> cancelled;
};

absl::Status AwaitQuiet(const std::function<absl::StatusOr<PipelineSample>()>& sample,
                        const QuietOptions& options, const Clock& clock,
                        const std::function<void(absl::Duration)>& sleep);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_QUIET_DETECTOR_H_
