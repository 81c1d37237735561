// InMemoryPublisher: an EventPublisher fake that keeps what it is given.
//
// Tests read back the published events, and can make the next N calls fail
// to exercise retry paths. Thread-safe.
#ifndef ARREARS_COMMON_EVENTS_TESTING_IN_MEMORY_PUBLISHER_H_
#define ARREARS_COMMON_EVENTS_TESTING_IN_MEMORY_PUBLISHER_H_

#include <cstddef>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/events/publisher.h"

namespace arrears::events {

class InMemoryPublisher final : public EventPublisher {
 public:
  absl::Status Publish(absl::Span<const Event> events) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (failures_left_ > 0) {
      --failures_left_;
      return failure_;
    }
    published_.insert(published_.end(), events.begin(), events.end());
    return absl::OkStatus();
  }

  // The next `count` calls fail with `status` and publish nothing.
  void FailNext(int count, absl::Status status = absl::UnavailableError("injected failure")) {
    absl::MutexLock lock(&mu_);
    failures_left_ = count;
    failure_ = std::move(status);
  }

  std::vector<Event> published() const {
    absl::MutexLock lock(&mu_);
    return published_;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Waits until `count` events in all have been published, or `timeout`
  // passes; whether they were.
  bool WaitForPublished(size_t count, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return published_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Event> published_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::events

#endif  // ARREARS_COMMON_EVENTS_TESTING_IN_MEMORY_PUBLISHER_H_
