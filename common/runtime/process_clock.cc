#include "common/runtime/process_clock.h"

#include "common/status/status_macros.h"
#include "common/time/simulated_clock.h"

namespace arrears::runtime {

absl::StatusOr<std::unique_ptr<Clock>> ProcessClock(const RuntimeConfig& config) {
  if (config.simulated_clock_file.empty()) return std::make_unique<SystemClock>();
  absl::StatusOr<std::unique_ptr<SimulatedClock>> clock =
      SimulatedClock::Create(config.simulated_clock_file);
  if (!clock.ok()) return Annotate(clock.status(), "--simulated_clock_file");
  return std::unique_ptr<Clock>(*std::move(clock));
}

}  // namespace arrears::runtime
