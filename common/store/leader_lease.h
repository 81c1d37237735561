// LeaderLease: a named, time-bounded lock shared by the replicas of a service
// through its store, so that exactly one replica at a time does a singleton
// job (the outbox relay).
//
// A lease is held by one owner until its expiry; the owner renews it before
// then, anyone may take it after. Times come from the caller's injected Clock;
// replicas are assumed to have clocks agreeing to well within the lease
// duration. Leadership is advisory: a holder that stalls past its expiry may
// briefly overlap with the next one, so work guarded by a lease must tolerate
// rare repetition (the relay's may republish events; consumers dedupe).
// Implementations are thread-safe.
#ifndef ARREARS_COMMON_STORE_LEADER_LEASE_H_
#define ARREARS_COMMON_STORE_LEADER_LEASE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arrears::store {

class LeaderLease {
 public:
  virtual ~LeaderLease() = default;

  // Takes or renews lease `name` for `owner` until `now + duration` if it is
  // free, expired at `now`, or already held by `owner`. Returns whether
  // `owner` holds it afterwards.
  virtual absl::StatusOr<bool> TryAcquire(absl::string_view name, absl::string_view owner,
                                          absl::Time now, absl::Duration duration) = 0;

  // Gives the lease up if `owner` holds it, so another owner need not wait
  // for the expiry. No-op otherwise.
  virtual absl::Status Release(absl::string_view name, absl::string_view owner) = 0;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_LEADER_LEASE_H_
