#include "services/contact_channels/dispatch_worker.h"

#include <algorithm>
#include <utility>

#include "common/runtime/logging.h"
#include "common/status/status_macros.h"

namespace arrears::contact {

absl::StatusOr<std::unique_ptr<DispatchWorker>> DispatchWorker::Create(
    Dispatcher* dispatcher, ContactTransactions* transactions, const Clock* clock,
    Options options) {
  if (dispatcher == nullptr) return absl::InvalidArgumentError("dispatcher: must be set");
  if (transactions == nullptr) return absl::InvalidArgumentError("transactions: must be set");
  if (clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  if (options.threads < 1) return absl::InvalidArgumentError("threads: must be >= 1");
  if (options.idle_wait <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("idle_wait: must be positive");
  }
  return std::unique_ptr<DispatchWorker>(
      new DispatchWorker(dispatcher, transactions, clock, options));
}

DispatchWorker::~DispatchWorker() { Stop(); }

void DispatchWorker::Start() {
  absl::MutexLock lock(&mu_);
  if (running_ || stopping_) return;
  running_ = true;
  scanner_ = std::thread([this] { ScanLoop(); });
  for (int i = 0; i < options_.threads; ++i) pool_.emplace_back([this] { WorkLoop(); });
}

void DispatchWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!running_) return;
    running_ = false;
    stopping_ = true;
  }
  if (scanner_.joinable()) scanner_.join();
  for (std::thread& thread : pool_) thread.join();
  pool_.clear();
}

void DispatchWorker::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

DispatchWorker::Stats DispatchWorker::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::StatusOr<int64_t> DispatchWorker::Pending() {
  absl::MutexLock claiming(&claim_mu_);
  int64_t due = 0;
  ARREARS_RETURN_IF_ERROR(
      transactions_->Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
        ARREARS_ASSIGN_OR_RETURN(DueTimers timers, store.ListDue(clock_->Now(), kPendingCountCap));
        due = static_cast<int64_t>(timers.request_ids.size());
        return DispatchEffects{};
      }));
  absl::MutexLock lock(&mu_);
  return due + in_flight_;
}

void DispatchWorker::ScanLoop() {
  while (true) {
    int capacity = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
      capacity = slots() - in_flight_;
      ++stats_.scans;
    }
    const absl::Time now = clock_->Now();
    absl::Time next_scan = now + options_.idle_wait;
    bool more_due = false;
    if (capacity > 0) {
      absl::MutexLock claiming(&claim_mu_);
      absl::StatusOr<ClaimedBatch> batch = dispatcher_->ClaimDue(*transactions_, capacity);
      if (!batch.ok()) {
        runtime::LogWarning("contact timer scan failed").With("error", batch.status());
      } else {
        more_due = batch->listed == capacity;
        next_scan = std::min(next_scan, std::max(now, batch->next_due));
        absl::MutexLock lock(&mu_);
        for (ContactRecord& record : batch->records) {
          queue_.push_back(std::move(record));
          ++in_flight_;
        }
      }
    } else {
      more_due = true;
    }
    absl::MutexLock lock(&mu_);
    // Rescan when woken, when stopping, or, if more is due than we could
    // take, as soon as a slot frees.
    auto ready = [this, more_due]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return woken_ || stopping_ || (more_due && in_flight_ < slots());
    };
    const absl::Duration wait = more_due ? options_.idle_wait : next_scan - clock_->Now();
    if (wait > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  }
}

void DispatchWorker::WorkLoop() {
  while (true) {
    ContactRecord claimed;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](DispatchWorker* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      // Queued claims are left to run out: the requests become due again.
      if (stopping_) return;
      claimed = std::move(queue_.front());
      queue_.pop_front();
    }
    const absl::Status status = dispatcher_->RunClaimed(*transactions_, claimed);
    if (!status.ok()) {
      runtime::LogWarning("contact try failed")
          .With("request_id", claimed.request.request_id())
          .With("error", status);
    }
    absl::MutexLock lock(&mu_);
    ++stats_.tries;
    if (!status.ok()) ++stats_.errors;
    --in_flight_;
  }
}

absl::StatusOr<int> DispatchWorker::RunDueNow(int max_tries) {
  int tries = 0;
  while (tries < max_tries) {
    ARREARS_ASSIGN_OR_RETURN(ClaimedBatch batch,
                             dispatcher_->ClaimDue(*transactions_, max_tries - tries));
    if (batch.listed == 0) break;
    for (const ContactRecord& claimed : batch.records) {
      ARREARS_RETURN_IF_ERROR(dispatcher_->RunClaimed(*transactions_, claimed));
    }
    tries += batch.listed;
  }
  absl::MutexLock lock(&mu_);
  stats_.tries += tries;
  return tries;
}

}  // namespace arrears::contact
