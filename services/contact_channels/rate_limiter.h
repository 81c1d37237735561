// TokenBucket: a per-provider rate limit, `rate_per_second` tokens refilled
// continuously up to `burst`. Exact (no floating point drift): it is kept in
// the equivalent GCRA form, one "theoretical arrival time" advanced by the
// emission interval 1/rate per token taken.
//
// Nothing blocks: TryAcquire() takes a token or says no (NextAvailable()
// tells when one will be there); Reserve() takes the next token and says when
// it may be used, so the dispatcher sets a timer instead of sleeping. Time comes from the injected
// Clock. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_RATE_LIMITER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_RATE_LIMITER_H_

#include <algorithm>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears::contact {

class TokenBucket {
 public:
  // `rate_per_second` > 0, `burst` >= 1; `clock` outlives the bucket. Starts full.
  TokenBucket(const Clock* clock, int64_t rate_per_second, int64_t burst)
      : clock_(clock),
        interval_(absl::Seconds(1) / std::max<int64_t>(rate_per_second, 1)),
        tolerance_(interval_ * (std::max<int64_t>(burst, 1) - 1)),
        theoretical_arrival_(absl::InfinitePast()) {}

  bool TryAcquire() {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    const absl::Time tat = std::max(theoretical_arrival_, now);
    if (tat - now > tolerance_) return false;
    theoretical_arrival_ = tat + interval_;
    return true;
  }

  // Takes the next token whether or not it is there yet and returns the
  // instant it is (now if it is there now). The caller acts at that instant
  // without asking again; waiting callers thus queue in order instead of all
  // retrying at the same instant.
  absl::Time Reserve() {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    const absl::Time at = std::max(now, theoretical_arrival_ - tolerance_);
    theoretical_arrival_ = std::max(theoretical_arrival_, at) + interval_;
    return at;
  }

  // The earliest instant TryAcquire() can succeed (now if it can now).
  absl::Time NextAvailable() const {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    return std::max(now, theoretical_arrival_ - tolerance_);
  }

 private:
  const Clock* const clock_;
  const absl::Duration interval_;
  const absl::Duration tolerance_;
  mutable absl::Mutex mu_;
  absl::Time theoretical_arrival_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_RATE_LIMITER_H_
