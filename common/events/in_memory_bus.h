// InMemoryEventBus: topics as in-memory logs inside one process, for the
// reference run (tools/simulator/in_process_system.h), which runs the four
// services without a broker to give the figures a Kafka run must equal.
//
// Publish appends each event to one global log in call order (the bus is a
// single partition for everything), so every subscriber sees the events of
// its topics in exactly the order they were published — one total order,
// where Kafka gives an order per partition only.
//
// Subscribe starts a delivery thread for a consumer group: from the start of
// the log, batches of up to `max_batch` events of the group's topics go to
// the handler under the EventBatchHandler contract (events/handler.h): OK →
// next; a permanent error → the event is appended to "<topic>.dlq" and
// delivery goes on; a retryable error → delivery resumes at that event after
// a backoff, and after `max_attempts` the event is dead-lettered.
//
// Quiet detection: backlog() is the number of events published to some
// subscription's topics that it has not finished handling (in-flight batches
// included); progress() changes whenever anything is published or handled.
//
// Thread-safe. Stop() (also the destructor) ends every delivery thread after
// its batch in hand; handlers must outlive Stop().
#ifndef ARREARS_COMMON_EVENTS_IN_MEMORY_BUS_H_
#define ARREARS_COMMON_EVENTS_IN_MEMORY_BUS_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/events/event.h"
#include "common/events/handler.h"
#include "common/events/publisher.h"

namespace arrears::events {

struct BusSubscription {
  std::string group;
  std::vector<std::string> topics;
  EventBatchHandler* handler = nullptr;  // not owned
  int max_batch = 500;
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(10);
  absl::Duration max_backoff = absl::Seconds(1);
};

class InMemoryEventBus final : public EventPublisher {
 public:
  InMemoryEventBus() = default;
  ~InMemoryEventBus() override;
  InMemoryEventBus(const InMemoryEventBus&) = delete;
  InMemoryEventBus& operator=(const InMemoryEventBus&) = delete;

  absl::Status Publish(absl::Span<const Event> events) override ABSL_LOCKS_EXCLUDED(mu_);

  // InvalidArgument for a null handler, no topics or max_batch < 1;
  // FailedPrecondition after Stop().
  absl::Status Subscribe(BusSubscription subscription) ABSL_LOCKS_EXCLUDED(mu_);

  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  int64_t backlog() const ABSL_LOCKS_EXCLUDED(mu_);
  // Events published, then events handled per subscription (in Subscribe
  // order).
  std::vector<int64_t> progress() const ABSL_LOCKS_EXCLUDED(mu_);
  // Events on `topic` so far.
  int64_t count(const std::string& topic) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Subscriber {
    BusSubscription options;
    std::set<std::string> topics;
    size_t cursor = 0;    // next log index to look at
    int64_t pending = 0;  // events of its topics at or after the cursor
    int64_t handled = 0;
    int attempts = 0;  // failed attempts of the event at the cursor
    std::thread thread;
  };

  void Deliver(Subscriber* subscriber) ABSL_LOCKS_EXCLUDED(mu_);
  void AppendLocked(const Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Event> log_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace arrears::events

#endif  // ARREARS_COMMON_EVENTS_IN_MEMORY_BUS_H_
