// PeriodicJobs: runs a few jobs (checkpoint publication, retention sweep)
// every interval on one background thread, until stopped.
//
// Each job runs once right after Start() and then every `interval` after its
// previous run ended. A failing job is logged (its status only: jobs must not
// put personal data in their errors) and retried at its next turn. Stop()
// wakes the thread at once and joins it; a job in progress finishes first.
//
// Real time: the waits use absl::Mutex timeouts. Tests call the jobs'
// functions directly with a fake clock instead. Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PERIODIC_JOBS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PERIODIC_JOBS_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arrears::compliance::service {

struct PeriodicJob {
  std::string name;
  absl::Duration interval;
  std::function<absl::Status()> run;
};

class PeriodicJobs {
 public:
  explicit PeriodicJobs(std::vector<PeriodicJob> jobs) : jobs_(std::move(jobs)) {}
  ~PeriodicJobs() { Stop(); }
  PeriodicJobs(const PeriodicJobs&) = delete;
  PeriodicJobs& operator=(const PeriodicJobs&) = delete;

  void Start();
  // Idempotent.
  void Stop();
  // Completed runs of job `index` (for tests and metrics).
  int runs(size_t index) const;

 private:
  void Loop();

  const std::vector<PeriodicJob> jobs_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int> runs_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PERIODIC_JOBS_H_
