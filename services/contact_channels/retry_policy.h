// RetryPolicy: exponential backoff with full jitter ("AWS architecture blog:
// exponential backoff and jitter") over a bounded number of tries.
//
// The delay before try n+1 (after n failed tries, n >= 1) is uniform in
// [0, min(max_backoff, initial_backoff * multiplier^(n-1))]. After
// `max_attempts` tries there is no next delay: the budget is spent. When the
// provider said when to come back (HTTP Retry-After), the delay is at least
// that, up to `max_retry_after` (a provider asking for a day must not park a
// collection contact for a day). The RNG is seeded so a run is
// reproducible. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_RETRY_POLICY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_RETRY_POLICY_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arrears::contact {

class RetryPolicy {
 public:
  struct Options {
    // Total tries including the first, >= 1.
    int max_attempts = 8;
    absl::Duration initial_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(5);
    int multiplier = 2;
    // The longest provider-requested wait honoured.
    absl::Duration max_retry_after = absl::Hours(1);
  };

  RetryPolicy(Options options, uint64_t seed) : options_(options), random_(seed) {}

  int max_attempts() const { return options_.max_attempts; }

  // The delay before the next try after `failed_tries` failed tries, at
  // least `not_before` (capped at max_retry_after) when the provider asked
  // for it, or nullopt when the budget is spent.
  std::optional<absl::Duration> NextDelay(int failed_tries,
                                          std::optional<absl::Duration> not_before = std::nullopt) {
    std::optional<absl::Duration> delay = JitteredDelay(failed_tries);
    if (delay.has_value() && not_before.has_value()) {
      delay = std::max(*delay, std::min(*not_before, options_.max_retry_after));
    }
    return delay;
  }

 private:
  std::optional<absl::Duration> JitteredDelay(int failed_tries) {
    if (failed_tries < 1 || failed_tries >= options_.max_attempts) return std::nullopt;
    absl::Duration ceiling = options_.initial_backoff;
    for (int i = 1; i < failed_tries && ceiling < options_.max_backoff; ++i) {
      ceiling *= options_.multiplier;
    }
    ceiling = std::min(ceiling, options_.max_backoff);
    const int64_t ceiling_us = absl::ToInt64Microseconds(ceiling);
    absl::MutexLock lock(&mu_);
    std::uniform_int_distribution<int64_t> jitter(0, ceiling_us);
    return absl::Microseconds(jitter(random_));
  }

  const Options options_;
  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_RETRY_POLICY_H_
