#include "services/compliance_auditing/service/commit_queue.h"

#include <time.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/runtime/thread_name.h"

namespace arrears::compliance::service {
namespace {

// CPU time of the calling thread.
int64_t ThreadCpuNanos() {
  timespec now{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Run()'s unit: a borrowed function and a notification to wait on.
class WaitedUnit final : public CommitQueue::Unit {
 public:
  explicit WaitedUnit(
      absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> work)
      : work_(work) {}
  absl::Status Apply(store::Transaction& txn, store::OutboxWriter& outbox) override {
    return work_(txn, outbox);
  }
  void Done(absl::Status status) override {
    status_ = std::move(status);
    done_.Notify();
  }
  absl::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }

 private:
  absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> work_;
  absl::Status status_;
  absl::Notification done_;
};

}  // namespace

CommitQueue::CommitQueue(TransactionRunnerWithOutbox run, size_t max_group, GroupBatch* batch)
    : run_(std::move(run)), max_group_(max_group < 1 ? 1 : max_group), batch_(batch) {
  thread_ = std::thread([this] { Loop(); });
  completion_thread_ = std::thread([this] { CompletionLoop(); });
}

CommitQueue::~CommitQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  completion_thread_.join();
}

void CommitQueue::Submit(Unit* unit) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(unit);
}

absl::Status CommitQueue::Run(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> work) {
  WaitedUnit unit(work);
  Submit(&unit);
  return unit.Wait();
}

size_t CommitQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size() + committing_ + finishing_;
}

absl::Status CommitQueue::RunGroup(const std::vector<Unit*>& group, bool isolate,
                                   std::vector<absl::Status>& statuses, bool& batch_failed) {
  statuses.assign(group.size(), absl::OkStatus());
  batch_failed = false;
  GroupBatch* const batch = isolate ? nullptr : batch_;
  return run_([&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
    if (batch != nullptr) batch->Begin();
    absl::Cleanup end = [batch] {
      if (batch != nullptr) batch->End();
    };
    for (size_t i = 0; i < group.size(); ++i) {
      if (!isolate) {
        statuses[i] = group[i]->Apply(txn, outbox);
        // The first failure sends the whole group to the isolated rerun.
        if (!statuses[i].ok()) return statuses[i];
        continue;
      }
      absl::StatusOr<store::Savepoint> savepoint = store::Savepoint::Begin(txn, "group_unit");
      if (!savepoint.ok()) return savepoint.status();
      statuses[i] = group[i]->Apply(txn, outbox);
      const absl::Status ended = statuses[i].ok() ? savepoint->Release() : savepoint->Rollback();
      if (!ended.ok()) return ended;
    }
    if (batch == nullptr) return absl::OkStatus();
    absl::Status finished = batch->Finish(txn);
    batch_failed = !finished.ok();
    return finished;
  });
}

void CommitQueue::Loop() {
  runtime::NameCurrentThread(kCommitThreadName);
  std::vector<Unit*> group;
  std::vector<absl::Status> statuses;
  while (true) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) {  // stopping, and everything is committed
        committer_done_ = true;
        return;
      }
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      committing_ = group.size();
    }
    groups_.fetch_add(1, std::memory_order_relaxed);
    units_.fetch_add(static_cast<int64_t>(group.size()), std::memory_order_relaxed);
    const absl::Time started = absl::Now();
    bool batch_failed = false;
    absl::Status committed = RunGroup(group, /*isolate=*/false, statuses, batch_failed);
    bool unit_failed = false;
    for (const absl::Status& status : statuses) unit_failed = unit_failed || !status.ok();
    // A failed batch write may be one unit's fault too: the rerun, where
    // each unit writes alone, tells.
    if (!committed.ok() && (unit_failed || batch_failed)) {
      committed = RunGroup(group, /*isolate=*/true, statuses, batch_failed);
    }
    busy_ns_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - started), std::memory_order_relaxed);
    cpu_ns_.store(ThreadCpuNanos(), std::memory_order_relaxed);
    FinishedGroup finished;
    finished.statuses.resize(group.size());
    for (size_t i = 0; i < group.size(); ++i) {
      finished.statuses[i] = committed.ok() ? std::move(statuses[i]) : committed;
    }
    finished.units = std::move(group);
    absl::MutexLock lock(&mu_);
    committing_ = 0;
    finishing_ += finished.units.size();
    finished_.push_back(std::move(finished));
  }
}

void CommitQueue::CompletionLoop() {
  runtime::NameCurrentThread(kAnswerThreadName);
  while (true) {
    FinishedGroup finished;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return committer_done_ || !finished_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (finished_.empty()) return;  // the committer ended and everything is told
      finished = std::move(finished_.front());
      finished_.pop_front();
    }
    for (size_t i = 0; i < finished.units.size(); ++i) {
      finished.units[i]->Done(std::move(finished.statuses[i]));
    }
    absl::MutexLock lock(&mu_);
    finishing_ -= finished.units.size();
  }
}

}  // namespace arrears::compliance::service
