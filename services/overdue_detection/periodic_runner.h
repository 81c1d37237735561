// PeriodicRunner: a background thread that calls a task every `interval`
// until stopped, for the service's housekeeping (scheduled business-day
// closes, parked-event sweeps). The first call happens at once; a task that
// takes longer than the interval is not overlapped. Stop() wakes the thread
// and joins it (a running task finishes first); the destructor stops.
//
// The interval is real time (absl::Mutex::AwaitWithTimeout): what the task
// does with time is up to its own injected clock. Thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_PERIODIC_RUNNER_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_PERIODIC_RUNNER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arrears::overdue {

class PeriodicRunner {
 public:
  PeriodicRunner(absl::Duration interval, std::function<void()> task);
  ~PeriodicRunner();
  PeriodicRunner(const PeriodicRunner&) = delete;
  PeriodicRunner& operator=(const PeriodicRunner&) = delete;

  void Stop();

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_PERIODIC_RUNNER_H_
