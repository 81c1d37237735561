// OutboxRelay: publishes a service's committed outbox rows and marks them
// published — the background half of the transactional outbox (outbox.h).
// It reads any OutboxSource the same way (a log published directly).
//
// A round (PublishPendingOnce) first makes sure this relay holds the leader
// lease `lease_name` (LeaderLease, renewed when half of `lease_duration` has
// passed), so that of several replicas sharing one store only one publishes;
// a relay without the lease does nothing. The leader then repeats, until a
// fetch returns less than a full batch: fetch up to `batch_size` rows in
// sequence order, Publish them as one call, MarkPublished. If Publish fails
// nothing is marked and the round ends with the error; the next round starts
// again from the lowest unpublished sequence. Batches go one at a time in
// sequence order, so every key's events are published in commit order.
// Delivery is at least once: a crash or lease loss between Publish and
// MarkPublished republishes the batch with the same ce_ids, which consumers
// dedupe; in the normal path nothing is published twice.
//
// Start() runs rounds on a background thread: after a round it waits for
// Notify() (call it after commits that enqueued events), `poll_interval`
// (other processes' commits and lease takeover are found by polling), or,
// after an error, a backoff doubling up to `max_backoff`. Stop() ends the
// thread, then keeps doing rounds until nothing is pending or `stop_timeout`
// passes, and releases the lease so another replica takes over at once.
//
// Lease times come from the injected Clock; waits use real time. Thread-safe;
// rounds are serialized.
//
// Wiring (SQLite): the relay's SqliteOutbox and SqliteLeaderLease may share
// the consumer's SqliteDatabase, but on a SqliteDatabase of their own (same
// file) the relay's reads do not queue behind the consumer's transactions.
#ifndef ARREARS_COMMON_STORE_OUTBOX_RELAY_H_
#define ARREARS_COMMON_STORE_OUTBOX_RELAY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/events/publisher.h"
#include "common/store/leader_lease.h"
#include "common/store/outbox.h"
#include "common/time/clock.h"

namespace arrears::store {

struct OutboxRelayOptions {
  // Rows per fetch and Publish call. A Publish waits for every delivery
  // report, so under a backlog the relay is latency-bound and bigger calls
  // go faster (through the dev broker: 500 → 16.7k events/s, 5000 → 59k/s,
  // kafka_pipeline_bench --relay_batch); without a backlog a round publishes
  // whatever is pending, so this costs no latency.
  int batch_size = 5000;
  absl::Duration poll_interval = absl::Milliseconds(50);
  absl::Duration lease_duration = absl::Seconds(10);
  std::string lease_name = "outbox";
  // Identifies this relay in the lease table; empty means
  // "<hostname>/<pid>/<random>".
  std::string owner_id = "";
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration stop_timeout = absl::Seconds(5);
};

struct OutboxRelayRound {
  // Whether this relay held the lease (and so did the publishing).
  bool leader = false;
  int64_t published = 0;
};

class OutboxRelay {
 public:
  // The pointers must outlive the relay. InvalidArgument naming the option
  // for a non-positive size or duration, a lease_duration not longer than
  // poll_interval, an empty lease_name or a null pointer.
  static absl::StatusOr<std::unique_ptr<OutboxRelay>> Create(OutboxRelayOptions options,
                                                             OutboxSource* outbox,
                                                             LeaderLease* lease,
                                                             events::EventPublisher* publisher,
                                                             const Clock* clock);
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;
  // Calls Stop().
  ~OutboxRelay();

  // Starts the background thread. FailedPrecondition if already started or
  // stopped.
  absl::Status Start();
  // Wakes the background thread for a round now. Cheap; callable any time.
  void Notify();
  // Stops the thread, drains (see above) and releases the lease. Returns the
  // last drain error if the deadline passed with events still pending.
  // Idempotent; later calls return OK.
  absl::Status Stop();

  // One round on the calling thread.
  absl::StatusOr<OutboxRelayRound> PublishPendingOnce();

  const std::string& owner_id() const { return options_.owner_id; }

 private:
  OutboxRelay(OutboxRelayOptions options, OutboxSource* outbox, LeaderLease* lease,
              events::EventPublisher* publisher, const Clock* clock)
      : options_(std::move(options)),
        outbox_(outbox),
        lease_(lease),
        publisher_(publisher),
        clock_(clock) {}

  void Loop();
  absl::StatusOr<bool> HoldLease() ABSL_EXCLUSIVE_LOCKS_REQUIRED(round_mu_);
  absl::Duration NextBackoff(absl::Duration backoff) const;

  const OutboxRelayOptions options_;
  OutboxSource* const outbox_;
  LeaderLease* const lease_;
  events::EventPublisher* const publisher_;
  const Clock* const clock_;

  absl::Mutex round_mu_;
  bool holds_lease_ ABSL_GUARDED_BY(round_mu_) = false;
  absl::Time lease_expires_ ABSL_GUARDED_BY(round_mu_) = absl::InfinitePast();

  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_OUTBOX_RELAY_H_
