// ProcessClock: the one clock a service process hands to its domain logic.
//
//   ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, runtime::ProcessClock(config));
//   ... ServiceHost::Create(config, migrations, clock.get()) ...
//
// The system clock, unless --simulated_clock_file names a file a simulator
// writes (common/time/simulated_clock.h); then every clock reading in the
// process, the host's included, follows the simulation. Errors name the flag.
#ifndef ARREARS_COMMON_RUNTIME_PROCESS_CLOCK_H_
#define ARREARS_COMMON_RUNTIME_PROCESS_CLOCK_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/runtime/config.h"
#include "common/time/clock.h"

namespace arrears::runtime {

absl::StatusOr<std::unique_ptr<Clock>> ProcessClock(const RuntimeConfig& config);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_PROCESS_CLOCK_H_
