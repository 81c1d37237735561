#include "common/runtime/shutdown.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/runtime/logging.h"

namespace arrears::runtime {
namespace {

std::atomic<bool> signal_instance_alive{false};

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

absl::string_view SignalName(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
  }
  return "signal";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShutdownSignal>> ShutdownSignal::Create(Options options) {
  if (signal_instance_alive.exchange(true)) {
    return absl::FailedPreconditionError("a ShutdownSignal already exists in this process");
  }
  const sigset_t set = ShutdownSignals();
  if (int error = pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0) {
    signal_instance_alive.store(false);
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", std::strerror(error)));
  }
  std::unique_ptr<ShutdownSignal> signal(new ShutdownSignal(options));
  try {
    signal->waiter_ = std::thread([raw = signal.get()] { raw->WaitForSignals(); });
  } catch (const std::system_error& e) {
    signal_instance_alive.store(false);
    return absl::InternalError(absl::StrCat("starting the signal thread: ", e.what()));
  }
  return signal;
}

ShutdownSignal::ShutdownSignal(Options options) : options_(options) {}

ShutdownSignal::~ShutdownSignal() {
  if (waiter_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    // Wakes sigwait in the waiter, which sees stopping_ and returns; the
    // signal is blocked everywhere, so it terminates nothing.
    pthread_kill(waiter_.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
    waiter_.join();
  }
  signal_instance_alive.store(false);
}

void ShutdownSignal::WaitForSignals() {
  const sigset_t set = ShutdownSignals();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (Record(SignalName(signal))) {
      LogInfo("shutdown requested").With("signal", SignalName(signal));
    } else if (options_.exit_on_second_signal) {
      LogWarning("second shutdown signal, exiting without draining")
          .With("signal", SignalName(signal));
      std::_Exit(128 + signal);
    }
  }
}

bool ShutdownSignal::Record(absl::string_view reason) {
  absl::MutexLock lock(&mu_);
  if (triggered_) return false;
  triggered_ = true;
  reason_ = std::string(reason);
  return true;
}

void ShutdownSignal::Wait() const {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&triggered_));
}

bool ShutdownSignal::WaitFor(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&triggered_), timeout);
}

void ShutdownSignal::Trigger(absl::string_view reason) {
  if (Record(reason)) LogInfo("shutdown requested").With("reason", reason);
}

bool ShutdownSignal::triggered() const {
  absl::MutexLock lock(&mu_);
  return triggered_;
}

std::string ShutdownSignal::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

bool DrainSequence::Report::ok() const { return status().ok(); }

absl::Status DrainSequence::Report::status() const {
  std::vector<std::string> failures;
  absl::StatusCode code = absl::StatusCode::kOk;
  for (const StepResult& step : steps) {
    if (step.status.ok()) continue;
    if (code == absl::StatusCode::kOk) code = step.status.code();
    failures.push_back(absl::StrCat(step.name, ": ", step.status.message()));
  }
  if (failures.empty()) return absl::OkStatus();
  return absl::Status(code, absl::StrCat("drain failed: ", absl::StrJoin(failures, "; ")));
}

void DrainSequence::AddStep(std::string name, absl::Duration timeout, Step step) {
  steps_.push_back({std::move(name), timeout, std::move(step)});
}

DrainSequence::Report DrainSequence::Run() {
  Report report;
  std::vector<PendingStep> steps = std::move(steps_);
  steps_.clear();
  const absl::Time begin = clock_->Now();
  for (PendingStep& pending : steps) {
    const absl::Time start = clock_->Now();
    LogInfo("drain step starting").With("step", pending.name).With("timeout", pending.timeout);
    absl::Status status = pending.step(start + pending.timeout);
    const absl::Duration duration = clock_->Now() - start;
    if (status.ok() && duration > pending.timeout) {
      status = absl::DeadlineExceededError(absl::StrCat("took ", absl::FormatDuration(duration),
                                                        ", over its deadline of ",
                                                        absl::FormatDuration(pending.timeout)));
    }
    if (status.ok()) {
      LogInfo("drain step done").With("step", pending.name).With("duration", duration);
    } else {
      LogWarning("drain step failed")
          .With("step", pending.name)
          .With("duration", duration)
          .With("status", status);
    }
    report.steps.push_back({std::move(pending.name), std::move(status), duration});
  }
  const absl::Status overall = report.status();
  if (overall.ok()) {
    LogInfo("drain finished").With("duration", clock_->Now() - begin);
  } else {
    LogWarning("drain finished with failures")
        .With("duration", clock_->Now() - begin)
        .With("status", overall);
  }
  return report;
}

}  // namespace arrears::runtime
