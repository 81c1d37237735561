// EventFeeds: the relays of a host's event feeds — logs a service keeps
// anyway and publishes directly, instead of writing each event a second time
// into the outbox (the compliance service's decisions, from its audit log).
//
// A feed is a store::OutboxSource: committed events in publishing order,
// marked published by sequence. Each feed gets its own OutboxRelay, with its
// own leader lease (the feed's name), so that of several replicas sharing a
// store one publishes each feed; delivery is at least once, in sequence
// order, as for the outbox (outbox_relay.h).
//
// Lifecycle: Add before Start; Notify after any commit that may have added
// to a feed (cheap; a relay also polls); Stop drains every feed as the
// outbox's relay drains. Thread-safe after Start (Notify, Pending).
#ifndef ARREARS_COMMON_SERVICE_EVENT_FEEDS_H_
#define ARREARS_COMMON_SERVICE_EVENT_FEEDS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/events/publisher.h"
#include "common/store/leader_lease.h"
#include "common/store/outbox.h"
#include "common/store/outbox_relay.h"
#include "common/time/clock.h"

namespace arrears::service {

struct EventFeedBinding {
  // The feed's relay lease name; unique among a host's feeds and different
  // from the outbox's ("outbox").
  std::string name;
  // Not owned; must outlive the host.
  store::OutboxSource* source = nullptr;
};

class EventFeeds {
 public:
  // The pointers must outlive this object. Leases are measured on
  // `lease_clock` (real time: see ServiceHost::Create).
  EventFeeds(store::LeaderLease* lease, events::EventPublisher* publisher, const Clock* lease_clock)
      : lease_(lease), publisher_(publisher), lease_clock_(lease_clock) {}

  // InvalidArgument naming the field for an empty or repeated name or a null
  // source; FailedPrecondition after Start.
  absl::Status Add(EventFeedBinding feed);
  absl::Status Start();
  void Notify();
  // Stops every relay (each drains first); the first error.
  absl::Status Stop();
  // Events of all feeds not yet published.
  absl::StatusOr<int64_t> Pending();

 private:
  struct Feed {
    EventFeedBinding binding;
    std::unique_ptr<store::OutboxRelay> relay;
  };

  store::LeaderLease* const lease_;
  events::EventPublisher* const publisher_;
  const Clock* const lease_clock_;
  std::vector<Feed> feeds_;  // fixed once started
  bool started_ = false;
};

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_EVENT_FEEDS_H_
