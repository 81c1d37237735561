// SimulatedProvider: the embedded default ChannelProvider. It sends nothing;
// it appends what it would send to an outbox file (one JSON object per line)
// and answers like a real carrier would, with configurable latency, failure
// rate and outcome mix.
//
//  - Latency: each Send() waits a duration drawn uniformly from
//    [min_latency, max_latency] through the injected `wait` function
//    (production: absl::SleepFor; tests: advance a FakeClock), so tests never
//    sleep. The receipt's accepted_at is the clock after the wait.
//  - Failures: with probability failure_rate a Send() fails with Unavailable
//    (transient) and records nothing.
//  - Outcomes: an accepted Send() gets an outcome drawn from outcome_weights
//    (e.g. DELIVERED 95, FAILED 5); FAILED carries failure_code
//    "SIMULATED_FAILURE".
//  - Idempotency: a key seen before returns the first receipt; nothing is
//    written again. unique_sends() counts keys accepted. The outbox file is
//    also the provider's memory of keys: Create() reads the receipts of the
//    lines already there, so after a restart a key accepted before is not
//    sent again, and Lookup() answers for it. A line is written and flushed
//    before Send() returns; a torn last line (a crash mid-write) counts as
//    not sent.
//  - Randomness is drawn per key: the latency, failure and outcome of the
//    n-th Send() of a key depend only on (seed, key, n), never on what other
//    keys were sent before or concurrently. So the same seed gives every
//    contact the same answer whatever order the dispatch threads reach the
//    provider in (runs with the same seed are comparable figure by figure).
// The outbox holds the masked contact point only, never its raw value.
// Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_SIMULATED_PROVIDER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_SIMULATED_PROVIDER_H_

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"
#include "services/contact_channels/provider.h"

namespace arrears::contact {

class SimulatedProvider final : public ChannelProvider {
 public:
  struct Options {
    std::string name = "simulated";
    absl::Duration min_latency = absl::ZeroDuration();
    absl::Duration max_latency = absl::ZeroDuration();
    // Probability in [0, 1] that a Send() fails transiently.
    double failure_rate = 0.0;
    // Relative weights of final outcomes of accepted sends; empty means
    // DELIVERED for messages and no final outcome (UNSPECIFIED) for work orders.
    std::vector<std::pair<v1::ContactOutcome, int>> outcome_weights = {};
    uint64_t seed = 1;
    // JSON lines outbox; empty = keep nothing on disk (and forget keys on
    // restart).
    std::string outbox_path = {};
    // How latency is spent; default absl::SleepFor.
    std::function<void(absl::Duration)> wait = {};
  };

  // InvalidArgument for rates outside [0, 1], negative weights or latency,
  // min > max; an outbox that cannot be opened for appending is an error
  // naming the path.
  static absl::StatusOr<std::unique_ptr<SimulatedProvider>> Create(const Clock* clock,
                                                                   Options options);

  std::string name() const override { return options_.name; }
  absl::StatusOr<ProviderReceipt> Send(const Deliverable& deliverable,
                                       absl::string_view idempotency_key) override;
  absl::StatusOr<std::optional<ProviderReceipt>> Lookup(absl::string_view idempotency_key) override;

  // Keys accepted (each at most once).
  int64_t unique_sends() const;
  // Send() calls, including failures and duplicates.
  int64_t calls() const;
  // How many times `key` was accepted (0 or 1 by construction; kept for tests
  // that check exactly-once).
  int64_t accepted(absl::string_view key) const;

 private:
  SimulatedProvider(const Clock* clock, Options options)
      : clock_(clock), options_(std::move(options)) {}
  // The generator for the `try_index`-th Send() of `key`.
  std::mt19937_64 RandomFor(absl::string_view key, int64_t try_index) const;
  // Reads the receipts of an existing outbox file.
  absl::Status LoadOutbox() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  // Send() calls per key so far (not persisted: a restarted provider draws
  // the first try's numbers again, which only moves when a retry succeeds).
  absl::flat_hash_map<std::string, int64_t> tries_ ABSL_GUARDED_BY(mu_);
  std::ofstream outbox_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, ProviderReceipt> receipts_ ABSL_GUARDED_BY(mu_);
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_SIMULATED_PROVIDER_H_
