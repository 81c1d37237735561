// Dispatcher: the state machine of one contact request, from the strategy's
// ContactRequest to the carrier and back as ContactEvents.
//
//   received --(earliest_time ahead | gate unreachable | no token | breaker
//              open)--> waiting (timer)
//   received --gate DENY--> blocked          (BLOCKED event with reasons)
//   received --gate DEFER--> deferred        (DEFERRED event, timer at
//                                             defer_until)
//   received --gate ALLOW--> send --ok--> sent (SENT event) [-> delivered /
//                                         failed / other known outcome event]
//                              --transient error--> retrying (timer after
//                                 backoff) or failed when the budget is spent
//                              --permanent error--> failed (FAILED event)
//   waiting / deferred / retrying --timer fires--> received (a new
//                                    compliance check: never sent unchecked)
//   waiting / deferred / retrying --cancel (cure, hold, ...)--> cancelled
//   past latest_time --> cancelled ("EXPIRED")
//
// Effects are explicit: every call returns the events to publish and the
// timers to persist (or drop); the dispatcher itself never sleeps, publishes
// or schedules. State lives in the injected ContactStore, so the caller can
// keep state, outbox and timers in one transaction and resume after a
// restart by re-firing the timers it stored (OnTimer).
//
// Idempotency: a contact request whose request_id was seen before has no
// effect (DispatchEffects::duplicate). A provider gets the attempt id as its
// idempotency key, the same on every retry, so a try whose answer was lost
// is not delivered twice. A timer for a request that is no longer pending is
// ignored, so stale timers are harmless.
//
// Thread-safety: calls about different customers may run concurrently (the
// dependencies are thread-safe); calls about one customer must be serialized
// by the caller, as a Kafka consumer does per record key.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "services/contact_channels/circuit_breaker.h"
#include "services/contact_channels/compliance_gate.h"
#include "services/contact_channels/contact_directory.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/provider.h"
#include "services/contact_channels/rate_limiter.h"
#include "services/contact_channels/retry_policy.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {

// "Call OnTimer(request_id) at fire_at." At most one timer per request is
// live: a new one for the same request replaces the old.
struct TimerRequest {
  std::string request_id;
  absl::Time fire_at;
};

struct DispatchEffects {
  // To publish on arrears.contact.events.v1, in order.
  std::vector<v1::ContactEvent> events;
  // To persist.
  std::vector<TimerRequest> timers;
  // Requests whose timers may be deleted (they would be ignored anyway).
  std::vector<std::string> cancelled_timers;
  // The request had been seen before; nothing was done.
  bool duplicate = false;
};

// The carrier of a channel with its protections. The limiter and breaker
// may be null (no limit / no breaker); all must outlive the dispatcher.
struct ChannelLane {
  ChannelProvider* provider = nullptr;
  TokenBucket* rate_limiter = nullptr;
  CircuitBreaker* breaker = nullptr;
};

class Dispatcher {
 public:
  struct Dependencies {
    ComplianceGate* gate = nullptr;
    ContactStore* store = nullptr;
    ContactDirectory* directory = nullptr;
    TemplateRegistry* templates = nullptr;
    std::map<common::v1::Channel, ChannelLane> lanes;
  };
  struct Options {
    // How long a contact waits before asking an unreachable compliance
    // service (or a busy half-open breaker) again.
    absl::Duration recheck_interval = absl::Seconds(30);
    RetryPolicy::Options retry;
    uint64_t retry_seed = 1;
    // Who asks compliance, for its audit log.
    std::string actor = "contact-channels";
  };

  // InvalidArgument naming a missing dependency or a lane without provider.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(Dependencies dependencies,
                                                            Options options);

  // A record of the contact-requests topic: a contact to make or a
  // cancellation. InvalidArgument naming the field for a malformed request;
  // store errors are returned as is (the caller retries the record).
  absl::StatusOr<DispatchEffects> Handle(const strategy::v1::ContactRequest& request,
                                         absl::Time now);

  // A timer the caller persisted has fired. NotFound for an unknown request.
  absl::StatusOr<DispatchEffects> OnTimer(const std::string& request_id, absl::Time now);

 private:
  Dispatcher(Dependencies dependencies, Options options)
      : deps_(std::move(dependencies)),
        options_(std::move(options)),
        retry_(options_.retry, options_.retry_seed) {}

  void Advance(ContactRecord& record, absl::Time now, DispatchEffects& effects);
  absl::StatusOr<DispatchEffects> Cancel(const strategy::v1::ContactRequest& request,
                                         absl::Time now);

  const Dependencies deps_;
  const Options options_;
  RetryPolicy retry_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_
