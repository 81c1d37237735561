#include "services/compliance_auditing/service/periodic_jobs.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "common/runtime/logging.h"
#include "common/runtime/thread_name.h"

namespace arrears::compliance::service {

void PeriodicJobs::Start() {
  {
    absl::MutexLock lock(&mu_);
    runs_.assign(jobs_.size(), 0);
  }
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicJobs::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

int PeriodicJobs::runs(size_t index) const {
  absl::MutexLock lock(&mu_);
  return index < runs_.size() ? runs_[index] : 0;
}

void PeriodicJobs::Loop() {
  runtime::NameCurrentThread("periodic-jobs");
  if (jobs_.empty()) return;
  std::vector<absl::Time> due(jobs_.size(), absl::Now());
  while (true) {
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (absl::Now() < due[i]) continue;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
      }
      const absl::Status status = jobs_[i].run();
      if (!status.ok()) {
        runtime::LogWarning("periodic job failed")
            .With("job", jobs_[i].name)
            .With("error", status.ToString());
      }
      due[i] = absl::Now() + jobs_[i].interval;
      absl::MutexLock lock(&mu_);
      ++runs_[i];
    }
    const absl::Time next = *std::min_element(due.begin(), due.end());
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithDeadline(absl::Condition(&stopping), next);
    if (stopping_) return;
  }
}

}  // namespace arrears::compliance::service
