// AgendaWorker: the background half of the agenda (see case_manager.h). The
// consumer decides at most `inline_agenda_limit` due cases inside the event
// that advanced a business date; this worker decides the rest, and anything
// due that no event woke (e.g. after a restart), in units of work of `batch`
// cases: every `interval` it runs CaseManager::RunDueAgendas until a unit
// finds fewer than `batch` cases due.
//
// Each unit commits its case changes and requests together, so a crash
// between units loses nothing (the agenda dates are in the store) and a
// replica running its own worker against the same store decides nothing
// twice (a decided case's agenda date has moved past the business date).
//
// Thread-safety: Start/Stop from one thread; RunOnce is thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_AGENDA_WORKER_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_AGENDA_WORKER_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/unit_of_work.h"

namespace arrears::strategy {

class AgendaWorker {
 public:
  // Pointers must outlive the worker. `batch` >= 1.
  AgendaWorker(CaseManager* manager, UnitOfWork* unit_of_work, absl::Duration interval, int batch);
  ~AgendaWorker();  // Stop()
  AgendaWorker(const AgendaWorker&) = delete;
  AgendaWorker& operator=(const AgendaWorker&) = delete;

  void Start();
  // Finishes the unit in progress, then returns. Idempotent.
  void Stop();

  // Drains what is due now; returns the cases decided.
  absl::StatusOr<int> RunOnce();

  // Cases due now and not yet decided (up to kPendingCountCap): the work a
  // simulation waits for before moving its clock (service::Assembly::
  // PendingBackgroundWork). A unit commits its decisions with their events,
  // so a case is either counted here or already in the outbox.
  absl::StatusOr<int64_t> Pending();
  static constexpr int kPendingCountCap = 1000;

 private:
  void Loop();

  CaseManager* const manager_;
  UnitOfWork* const unit_of_work_;
  const absl::Duration interval_;
  const int batch_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_AGENDA_WORKER_H_
