// The progress line the simulator prints for each simulated day: which day,
// a bar over the day's phases (open, close, then each clock step), the
// simulated time, and the live counts from the services' events:
//
//   day  12/120 2026-01-16 [#########-----] 14:00  delinquent 1,234 · sent 5,678 ·
//       denied 3 · deferred 45 · cured 89
//
// (one line; wrapped here). Pure; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_PROGRESS_LINE_H_
#define ARREARS_TOOLS_SIMULATOR_PROGRESS_LINE_H_

#include <string>

#include "tools/simulator/pipeline.h"
#include "tools/simulator/run_statistics.h"

namespace arrears::simulator {

std::string FormatProgressLine(const StepProgress& progress, const LiveCounts& counts);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_PROGRESS_LINE_H_
