// Graceful shutdown: learn that the process should stop (ShutdownSignal),
// then take it down in a fixed order, each step with its own deadline
// (DrainSequence). The usual order for an Arrears service:
//
//   readiness off -> stop gRPC intake -> stop consumers -> commit offsets
//   -> flush outbox -> close stores
//
//   int main(int argc, char** argv) {
//     auto signal = ShutdownSignal::Create();  // before any thread starts
//     ... start servers, consumers ...
//     (*signal)->Wait();
//     DrainSequence drain;
//     drain.AddStep("readiness off", absl::Seconds(1), [&](absl::Time) {
//       http->SetReady(false);
//       return absl::OkStatus();
//     });
//     drain.AddStep("stop grpc", absl::Seconds(5), [&](absl::Time deadline) {
//       grpc->Shutdown(deadline - absl::Now());
//       return absl::OkStatus();
//     });
//     ...
//     return drain.Run().ok() ? 0 : 1;
//   }
//
// ShutdownSignal blocks SIGTERM and SIGINT in the creating thread, which
// every thread started afterwards inherits, and takes them on its own thread
// with sigwait(2): no async-signal-safety constraints, no handler races. A
// second signal while the first is being handled exits at once with status
// 128+signal (an operator pressing Ctrl-C twice means it), unless disabled.
// The signals stay blocked after destruction (a process that is shutting down
// does not want the default action any more). At most one ShutdownSignal
// exists at a time. Thread-safety: Wait, WaitFor, Trigger, triggered and
// reason may be called from any thread.
//
// DrainSequence deadlines are cooperative: a step receives its deadline and
// is expected to honour it (gRPC Shutdown, consumer close and flush calls all
// take one); a step that returns late is reported as DeadlineExceeded, and
// the sequence goes on. A failed step is logged and reported, and the
// remaining steps still run, so one stuck component does not stop offsets
// from being committed. DrainSequence is not thread-safe: build and run it
// from one thread.
#ifndef ARREARS_COMMON_RUNTIME_SHUTDOWN_H_
#define ARREARS_COMMON_RUNTIME_SHUTDOWN_H_

#include <pthread.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears::runtime {

class ShutdownSignal {
 public:
  struct Options {
    // Exit immediately (status 128+signal) on a second SIGTERM/SIGINT.
    bool exit_on_second_signal = true;
  };

  // FailedPrecondition when another ShutdownSignal is alive; Internal when
  // the signal mask cannot be changed or the thread not started.
  static absl::StatusOr<std::unique_ptr<ShutdownSignal>> Create(Options options);
  static absl::StatusOr<std::unique_ptr<ShutdownSignal>> Create() { return Create(Options{}); }

  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Blocks until a signal arrives or Trigger is called.
  void Wait() const;
  // As Wait, for at most `timeout`; returns whether shutdown was requested.
  bool WaitFor(absl::Duration timeout) const;

  // Requests shutdown as a signal would (tests; fatal internal errors). Only
  // the first request's reason is kept.
  void Trigger(absl::string_view reason);

  bool triggered() const;
  // "SIGTERM", "SIGINT" or the reason given to Trigger; empty before.
  std::string reason() const;

 private:
  explicit ShutdownSignal(Options options);
  void WaitForSignals();
  // Records the first request; returns whether this call was the first.
  bool Record(absl::string_view reason);

  const Options options_;
  mutable absl::Mutex mu_;
  bool triggered_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  std::thread waiter_;
};

class DrainSequence {
 public:
  // `deadline` is when the step should be finished.
  using Step = std::function<absl::Status(absl::Time deadline)>;

  struct StepResult {
    std::string name;
    absl::Status status;
    absl::Duration duration;
  };

  struct Report {
    std::vector<StepResult> steps;
    bool ok() const;
    // OK, or the first failure's code with every failed step named.
    absl::Status status() const;
  };

  // `clock` times the steps and sets deadlines; not owned.
  explicit DrainSequence(const Clock* clock = &SystemClock::Get()) : clock_(clock) {}

  void AddStep(std::string name, absl::Duration timeout, Step step);

  // Runs every step once, in the order added, logging each with its outcome
  // and duration. Steps added afterwards run on the next call; steps already
  // run do not run again.
  Report Run();

 private:
  struct PendingStep {
    std::string name;
    absl::Duration timeout;
    Step step;
  };

  const Clock* const clock_;
  std::vector<PendingStep> steps_;
};

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_SHUTDOWN_H_
