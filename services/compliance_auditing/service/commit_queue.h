// CommitQueue: many callers' small write transactions committed as one, by a
// thread of its own.
//
// Callers submit units of work; the queue's thread takes everything queued
// (up to max_group), runs it in ONE transaction — one commit (and one fsync,
// when the store fsyncs) for the group — and then tells each unit how it
// ended. While a group commits, the next one gathers. Callers never hold a
// thread of their own waiting, so a gRPC callback handler can submit and
// return; Run() is the blocking form for everyone else.
//
// Failures. A group first runs without savepoints (they cost about as much as
// a unit). If a unit fails, the transaction is rolled back and the group is
// run again with a savepoint per unit, so only the failing unit is undone
// and gets its error; the others commit. Units may therefore run more than
// once: they must keep their effects inside the transaction (state they set
// outside it must be overwritten by a rerun). If the transaction itself fails
// (begin or commit), every unit of the group gets that error and nothing of
// the group is stored.
//
// Batching across units. A GroupBatch (optional) lets a group's units defer
// writes they share — the audit records they stage — to one write at the end
// of the group's first run: Begin before its first unit, Finish after its
// last, in the same transaction, End after either. A failed Finish fails the
// run like a failed unit, and the isolated rerun does without the batch
// (each unit writes alone under its savepoint).
//
// Units run on the queue's thread, in submission order, and must not block
// on callers. Their Done calls run on a second thread of the queue, group by
// group in commit order, so that answering one group's callers (a gRPC
// Finish each) overlaps the next group's transaction. Destruction finishes
// every submitted unit first. Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMMIT_QUEUE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMMIT_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/store/outbox_writer.h"
#include "common/store/transaction.h"

namespace arrears::compliance::service {

// Runs a body in one transaction with an outbox (ServiceHost::InTransaction).
using TransactionRunnerWithOutbox = std::function<absl::Status(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>)>;

class CommitQueue {
 public:
  // The names its two threads carry (runtime::NameCurrentThread): the one
  // that commits groups and the one that answers them.
  static constexpr char kCommitThreadName[] = "commit-queue";
  static constexpr char kAnswerThreadName[] = "commit-answers";

  class Unit {
   public:
    virtual ~Unit() = default;
    // The unit's writes, inside the group's transaction (maybe more than
    // once; see above).
    virtual absl::Status Apply(store::Transaction& txn, store::OutboxWriter& outbox) = 0;
    // Called once, on the queue's completion thread, when the group is over:
    // OK when the unit's writes committed. The unit may delete itself here;
    // it must be quick (it holds up the answers of the next groups) and must
    // not wait for the queue (Run() from here never returns).
    virtual void Done(absl::Status status) = 0;
  };

  // Writes a group's units share (see "Batching across units"). Its calls
  // come from the queue's thread, one group at a time.
  class GroupBatch {
   public:
    virtual ~GroupBatch() = default;
    virtual void Begin() = 0;
    // Inside the group's transaction, after its last unit; the transaction
    // commits only if this returns OK.
    virtual absl::Status Finish(store::Transaction& txn) = 0;
    // After every Begin, when the run is over (Finish called or not).
    virtual void End() = 0;
  };

  // `max_group` bounds the units one transaction takes (>= 1). `batch` may
  // be null; it must outlive the queue. Starts the thread.
  CommitQueue(TransactionRunnerWithOutbox run, size_t max_group, GroupBatch* batch = nullptr);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Queues `unit`, which must stay alive until its Done.
  void Submit(Unit* unit);
  // Runs `work` in a (shared) transaction and waits; its status, or the
  // transaction's.
  absl::Status Run(absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> work);

  // Units waiting, committing or being answered now (a gauge for metrics).
  size_t queued() const;
  // Transactions run, and the units they carried, since construction.
  int64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  int64_t units() const { return units_.load(std::memory_order_relaxed); }
  // Wall time the queue's thread spent running groups (transactions,
  // commits included) since construction: busy() / elapsed near 1 means the
  // one committing thread is what bounds throughput.
  absl::Duration busy() const {
    return absl::Nanoseconds(busy_ns_.load(std::memory_order_relaxed));
  }
  // CPU time the queue's committing thread used since construction, as of
  // its last finished group: CPU per unit that wall-time shares (busy())
  // blur when the machine is contended.
  absl::Duration cpu() const { return absl::Nanoseconds(cpu_ns_.load(std::memory_order_relaxed)); }

 private:
  void Loop();
  // Calls Done of the finished groups, in order.
  void CompletionLoop();
  struct FinishedGroup {
    std::vector<Unit*> units;
    std::vector<absl::Status> statuses;
  };
  // Runs `group` in one transaction (a savepoint per unit when `isolate`,
  // else with the batch); fills `statuses` with each unit's own status and
  // sets `batch_failed` when the batch's Finish failed.
  absl::Status RunGroup(const std::vector<Unit*>& group, bool isolate,
                        std::vector<absl::Status>& statuses, bool& batch_failed);

  const TransactionRunnerWithOutbox run_;
  const size_t max_group_;
  GroupBatch* const batch_;
  mutable absl::Mutex mu_;
  std::deque<Unit*> queue_ ABSL_GUARDED_BY(mu_);
  size_t committing_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Groups committed (or failed) whose units have not been told yet.
  std::deque<FinishedGroup> finished_ ABSL_GUARDED_BY(mu_);
  size_t finishing_ ABSL_GUARDED_BY(mu_) = 0;
  bool committer_done_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> groups_{0};
  std::atomic<int64_t> units_{0};
  std::atomic<int64_t> busy_ns_{0};
  std::atomic<int64_t> cpu_ns_{0};
  std::thread thread_;
  std::thread completion_thread_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMMIT_QUEUE_H_
