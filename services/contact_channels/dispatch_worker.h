// DispatchWorker: the durable timer loop. It claims contact requests whose
// timer is due (Dispatcher::ClaimDue, in the store, so timers survive
// restarts) and runs Dispatcher::RunClaimed for each on a pool of threads,
// so slow compliance checks and provider calls overlap and never run inside
// a consumer's transaction.
//
// One scanning thread claims, in one transaction, as many due requests as
// the pool can take (2 per thread in flight) and queues them, then sleeps
// until the next timer, a Wake() (a request was admitted), a finished try
// freeing a slot while more are due, or `idle_wait` (timers another replica
// sharing the store may have set). The pool's threads each run one claimed
// request at a time. A try that fails (a store error) is logged; its claim
// runs out and it becomes due again, which is its backoff.
//
// Crash safety is the dispatcher's (see dispatcher.h): the worker keeps
// nothing that is not in the store; claimed requests still queued when the
// worker stops become due again when their claim runs out.
//
// Thread-safety: all methods may be called from any thread. RunDueNow() is
// for tests with a FakeClock; do not mix it with a started worker.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCH_WORKER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCH_WORKER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/contact_channels/contact_transactions.h"
#include "services/contact_channels/dispatcher.h"

namespace arrears::contact {

class DispatchWorker {
 public:
  struct Options {
    // Requests worked on at once.
    int threads = 8;
    // Longest sleep between scans.
    absl::Duration idle_wait = absl::Seconds(1);
  };

  struct Stats {
    int64_t tries = 0;   // RunClaimed calls
    int64_t errors = 0;  // of which returned an error
    int64_t scans = 0;   // ClaimDue calls
  };

  // The pointers must outlive the worker. InvalidArgument for a null one or
  // a bad option. Does not start threads.
  static absl::StatusOr<std::unique_ptr<DispatchWorker>> Create(Dispatcher* dispatcher,
                                                                ContactTransactions* transactions,
                                                                const Clock* clock,
                                                                Options options);
  ~DispatchWorker();
  DispatchWorker(const DispatchWorker&) = delete;
  DispatchWorker& operator=(const DispatchWorker&) = delete;

  void Start();
  // Stops scanning, lets the tries in progress finish and joins the
  // threads. Idempotent.
  void Stop();
  // Something may be due now: scan without waiting.
  void Wake();

  // Claims and runs every request due at the clock's now on the calling
  // thread, again and again until none is due (without moving the clock).
  // Returns how many tries ran, or the first error.
  absl::StatusOr<int> RunDueNow(int max_tries = 1'000'000);

  Stats stats() const;

  // Requests due at the clock's now and not yet claimed (counted up to
  // kPendingCountCap), plus claimed ones queued or running: the work a
  // simulation waits for before it moves the clock (service::Assembly::
  // PendingBackgroundWork). A claim and its hand-over to the pool are one
  // step for this count, so a request is never in neither.
  absl::StatusOr<int64_t> Pending();
  static constexpr int kPendingCountCap = 1000;

 private:
  DispatchWorker(Dispatcher* dispatcher, ContactTransactions* transactions, const Clock* clock,
                 Options options)
      : dispatcher_(dispatcher), transactions_(transactions), clock_(clock), options_(options) {}

  void ScanLoop();
  void WorkLoop();
  int slots() const { return 2 * options_.threads; }

  Dispatcher* const dispatcher_;
  ContactTransactions* const transactions_;
  const Clock* const clock_;
  const Options options_;

  // Held from a claim to its records' queueing (ScanLoop) and by Pending().
  // Taken before mu_.
  absl::Mutex claim_mu_;
  mutable absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<ContactRecord> queue_ ABSL_GUARDED_BY(mu_);
  // Claimed records queued or running.
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::thread scanner_;
  std::vector<std::thread> pool_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCH_WORKER_H_
