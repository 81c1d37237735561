// CircuitBreaker: stops hammering a provider that keeps failing.
//
//   closed    --(failure_threshold consecutive failures)--> open
//   open      --(cool_down elapsed, on the next AllowRequest)--> half-open
//   half-open --(probe succeeds)--> closed
//   half-open --(probe fails)--> open (cool-down starts again)
//
// In half-open exactly one probe is let through at a time; other callers are
// refused until it reports. Refusals do not count as failures. OpenUntil()
// tells a refused caller when to come back (a timer, not a sleep). Time
// comes from the injected Clock. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CIRCUIT_BREAKER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CIRCUIT_BREAKER_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears::contact {

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  struct Options {
    int failure_threshold = 5;
    absl::Duration cool_down = absl::Seconds(30);
  };

  CircuitBreaker(const Clock* clock, Options options) : clock_(clock), options_(options) {}

  // True if a call may go out now. In half-open the caller that gets true is
  // the probe and must report with RecordSuccess/RecordFailure.
  bool AllowRequest() {
    absl::MutexLock lock(&mu_);
    switch (state_) {
      case State::kClosed:
        return true;
      case State::kOpen:
        if (clock_->Now() < open_until_) return false;
        state_ = State::kHalfOpen;
        probe_in_flight_ = true;
        return true;
      case State::kHalfOpen:
        if (probe_in_flight_) return false;
        probe_in_flight_ = true;
        return true;
    }
    return false;
  }

  void RecordSuccess() {
    absl::MutexLock lock(&mu_);
    state_ = State::kClosed;
    consecutive_failures_ = 0;
    probe_in_flight_ = false;
  }

  // The caller that got true from AllowRequest() will not make the call
  // after all (its transaction failed): a half-open probe slot is freed
  // without a verdict on the provider.
  void AbandonRequest() {
    absl::MutexLock lock(&mu_);
    probe_in_flight_ = false;
  }

  void RecordFailure() {
    absl::MutexLock lock(&mu_);
    probe_in_flight_ = false;
    if (state_ == State::kHalfOpen || ++consecutive_failures_ >= options_.failure_threshold) {
      state_ = State::kOpen;
      open_until_ = clock_->Now() + options_.cool_down;
      consecutive_failures_ = 0;
    }
  }

  State state() const {
    absl::MutexLock lock(&mu_);
    return state_;
  }

  // When a refused caller should try again: the end of the cool-down while
  // open, now otherwise (a half-open probe reports soon).
  absl::Time RetryAt() const {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    return state_ == State::kOpen && open_until_ > now ? open_until_ : now;
  }

 private:
  const Clock* const clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CIRCUIT_BREAKER_H_
