// Clock: the only way domain logic learns the current instant.
//
// Domain code takes a `const Clock&` (or Clock*) and never calls absl::Now():
// tests inject a FakeClock and control time exactly; production wires
// SystemClock. Both implementations are thread-safe.
#ifndef ARREARS_COMMON_TIME_CLOCK_H_
#define ARREARS_COMMON_TIME_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace arrears {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance, for main() wiring only.
  static SystemClock& Get() {
    static SystemClock clock;
    return clock;
  }
};

// Time stands still until a test moves it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'767'225'600)  // 2026-01-01Z
                     )
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears

#endif  // ARREARS_COMMON_TIME_CLOCK_H_
