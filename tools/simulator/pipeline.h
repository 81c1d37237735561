// The seams between the simulation driver (simulation.h) and the running
// system. Production implementations talk to files, gRPC and Kafka
// (tools/simulator/system_*.h); tests use in-memory fakes. Domain code sees
// none of those types.
#ifndef ARREARS_TOOLS_SIMULATOR_PIPELINE_H_
#define ARREARS_TOOLS_SIMULATOR_PIPELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/events/event.h"
#include "tools/simulator/debtor_responder.h"

namespace arrears::simulator {

// Moves the simulated clock every service runs on. Instants only move
// forward; setting the current instant again is a no-op. Errors are fatal to
// the run (the services would no longer agree on the time).
class SimulatedClockWriter {
 public:
  virtual ~SimulatedClockWriter() = default;
  virtual absl::Status Advance(absl::Time now) = 0;
};

struct CloseDayResult {
  bool already_closed = false;
  int64_t loans_evaluated = 0;
  int64_t events_emitted = 0;
};

// OverdueService.CloseBusinessDay.
class BusinessDayCloser {
 public:
  virtual ~BusinessDayCloser() = default;
  virtual absl::StatusOr<CloseDayResult> CloseBusinessDay(absl::CivilDay day) = 0;
};

// Waits until everything published so far has been processed by every
// service, every outbox is empty, and the simulator's own consumer has
// caught up (so the feedback is complete). DeadlineExceeded when the
// pipeline is still busy at the monitor's deadline (the run goes on).
class PipelineMonitor {
 public:
  virtual ~PipelineMonitor() = default;
  virtual absl::Status AwaitQuiet() = 0;
};

// Downstream events the simulator consumed since the previous Drain().
class FeedbackInbox {
 public:
  virtual ~FeedbackInbox() = default;
  virtual std::vector<events::Event> Drain() = 0;
};

// Makes a service call on a debtor's or collector's behalf.
class ActionExecutor {
 public:
  virtual ~ActionExecutor() = default;
  virtual absl::Status Execute(const ServiceAction& action) = 0;
};

// Where the driver is, for the progress display.
struct StepProgress {
  int day_index = 0;  // 0-based
  int days = 0;
  absl::CivilDay day;
  int phase_index = 0;  // 0-based; phases = "open", "close", then each clock step
  int phases = 0;
  std::string phase;
  absl::Time now;
};

class DayObserver {
 public:
  virtual ~DayObserver() = default;
  // After each phase of a day.
  virtual void OnPhaseDone(const StepProgress& progress) = 0;
  // After the day's last phase: a good time to ask the services for figures
  // as of `day`.
  virtual void OnDayDone(const StepProgress& progress) = 0;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_PIPELINE_H_
