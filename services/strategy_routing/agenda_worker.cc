#include "services/strategy_routing/agenda_worker.h"

#include <algorithm>

#include "common/runtime/logging.h"

namespace arrears::strategy {

AgendaWorker::AgendaWorker(CaseManager* manager, UnitOfWork* unit_of_work, absl::Duration interval,
                           int batch)
    : manager_(manager),
      unit_of_work_(unit_of_work),
      interval_(interval),
      batch_(std::max(1, batch)) {}

AgendaWorker::~AgendaWorker() { Stop(); }

void AgendaWorker::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void AgendaWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> AgendaWorker::RunOnce() {
  int total = 0;
  while (true) {
    int decided = 0;
    absl::Status status = unit_of_work_->Run(
        [&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
          absl::StatusOr<int> n = manager_->RunDueAgendas(txn, outbox, batch_);
          if (!n.ok()) return n.status();
          decided = *n;
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    total += decided;
    if (decided < batch_) return total;
    absl::MutexLock lock(&mu_);
    if (stopping_) return total;
  }
}

absl::StatusOr<int64_t> AgendaWorker::Pending() {
  int due = 0;
  absl::Status status =
      unit_of_work_->Run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        absl::StatusOr<int> n = manager_->CountDueAgendas(txn, kPendingCountCap);
        if (!n.ok()) return n.status();
        due = *n;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return due;
}

void AgendaWorker::Loop() {
  while (true) {
    absl::StatusOr<int> decided = RunOnce();
    if (!decided.ok()) {
      runtime::LogWarning("agenda run failed; retrying").With("error", decided.status().ToString());
    } else if (*decided > 0) {
      runtime::LogInfo("agenda decided cases").With("cases", *decided);
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

}  // namespace arrears::strategy
