// Dispatcher: the state machine of one contact request, from the strategy's
// ContactRequest to the carrier and back as ContactEvents.
//
//   admitted --------------------------------> waiting (timer: now or
//                                               earliest_time)
//   waiting / deferred / retrying --timer--> a try:
//     prepare (directory, template) --permanent problem--> failed
//                                   --transient problem--> waiting
//     compliance check --no answer--> waiting (never sent unchecked)
//                      --DENY--> blocked            (BLOCKED event)
//                      --DEFER--> deferred          (DEFERRED event, timer
//                                                    at defer_until)
//                      --ALLOW--> (rate limit or breaker says wait --> waiting)
//                                 sending: the intent is committed first
//     provider call --ok--> sent (SENT event) [-> delivered / failed / other
//                                  known outcome event]
//                   --transient error--> retrying (timer after backoff with
//                                  jitter) or failed when the budget is spent
//                   --permanent error--> failed (FAILED event)
//   sending whose worker died (its lease ran out) --timer--> recovery: the
//     provider is asked whether the try happened (Lookup): yes -> sent as
//     above; no -> waiting (a new compliance check, then the same attempt
//     id again)
//   waiting / deferred / retrying --cancel (cure, hold, ...)--> cancelled
//   sending --cancel--> remembered: sent if the try happened, else cancelled
//   past latest_time --> cancelled ("EXPIRED")
//
// Agency placements on a lane with an AgencyBatchPolicy (agency_batch.h):
//   ALLOW --> batched: the placement joins its agency's open batch (for its
//     action and window; a new batch record is created when none is open)
//     and waits without a timer of its own. The batch is a record of its
//     own in the store (no customer; request_id = batch id), so it has the
//     same durable timer, claim and lease as any request:
//   batch open --timer (window end, or at once when max_placements is
//     reached)--> handing over: the members are fixed (later placements open
//     the next batch) --> one provider call with the manifest (one work
//     order, an item per placement), keyed by the batch's attempt id -->
//     each member: SENT (and the final outcome if the receipt has one), its
//     events carrying batch_id; the batch record ends kSent.
//     Transient error: the batch retries (backoff; same key); budget spent
//     or permanent error: each member FAILED. A crash anywhere: the batch
//     record's lease runs out and the hand-over runs again with the same
//     members and key, so nothing is lost and the agency gets it once.
//   batched --cancel--> cancelled while its batch is open (it leaves the
//     batch; an emptied batch ends without a call); once the batch is
//     handing over the cancellation is remembered as for `sending`.
//
// Two sides:
//  - Admit() and Cancel() run in the caller's transaction (a Kafka
//    consumer's) and only touch the store: nothing that can block.
//  - ClaimDue() + RunClaimed() (or RunDue() for one request) are the worker
//    side. A due request's next try runs in short transactions of its own
//    (ContactTransactions) with the compliance check and the provider call
//    between them, never inside one: claim (a lease, so no other worker or
//    replica touches the record; many claimed in one transaction) ->
//    [directory, template, compliance] -> decide (and record the intent to
//    send) -> [provider] -> record the result.
//
// Guarantees:
//  - Never unchecked: a provider is only called for an attempt whose
//    compliance check answered ALLOW in the same try; an error or no answer
//    makes the contact wait.
//  - Never twice: each request has one attempt id, derived from the request,
//    and every provider call for it carries that id as the idempotency key
//    (a provider accepts a key at most once, see provider.h). The intent to
//    send is committed before the call, so a crash at any point leaves
//    either no intent (nothing was sent) or an intent the recovery resolves
//    with Lookup(); a repeated call after a crash reuses the key. So a crash
//    can repeat a provider call but never a contact.
//  - Every attempt and outcome is an event, committed in the same
//    transaction as the state change it reports (published exactly once
//    through the outbox; ids are derived from the attempt id and a per-record
//    sequence).
//  - Idempotent by request_id: a request seen before has no effect.
//  - A cancellation reaches every contact not yet sent, deferred ones
//    included; one that arrives for a request still in flight is applied if
//    the try turns out not to have happened. Cancellations are remembered,
//    so a request created before a cure but received after it is cancelled
//    on arrival.
//
// Thread-safety: Admit/Cancel calls about one customer must be serialized by
// the caller (as a Kafka consumer does per key); RunDue may run concurrently
// for different requests and also for the same one (the claim makes all but
// one a no-op). The dependencies must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "common/time/clock.h"
#include "services/contact_channels/agency_batch.h"
#include "services/contact_channels/circuit_breaker.h"
#include "services/contact_channels/compliance_gate.h"
#include "services/contact_channels/contact_directory.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/contact_transactions.h"
#include "services/contact_channels/provider.h"
#include "services/contact_channels/rate_limiter.h"
#include "services/contact_channels/retry_policy.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {

// The carrier of a channel with its protections. The limiter and breaker
// may be null (no limit / no breaker); all must outlive the dispatcher.
struct ChannelLane {
  ChannelProvider* provider = nullptr;
  TokenBucket* rate_limiter = nullptr;
  CircuitBreaker* breaker = nullptr;
  // Voice calls through this provider are recorded (told to compliance).
  bool records_calls = false;
  // Set: agency placements on this lane are handed over in batches
  // (agency_batch.h); unset: one work order each.
  std::optional<AgencyBatchPolicy> agency_batch = std::nullopt;
};

// Requests claimed for this worker by Dispatcher::ClaimDue.
struct ClaimedBatch {
  std::vector<ContactRecord> records;
  // Due records listed (claimed or concluded at once); when it equals the
  // limit, more may be due.
  int listed = 0;
  // The earliest timer not yet due.
  absl::Time next_due = absl::InfiniteFuture();
};

class Dispatcher {
 public:
  struct Dependencies {
    ComplianceGate* gate = nullptr;
    ContactDirectory* directory = nullptr;
    TemplateRegistry* templates = nullptr;
    const Clock* clock = nullptr;
    std::map<common::v1::Channel, ChannelLane> lanes;
  };
  struct Options {
    // How long a contact waits before asking an unreachable compliance
    // service (or a busy half-open breaker, or a directory that failed) again.
    absl::Duration recheck_interval = absl::Seconds(30);
    // How long a worker owns a claimed request: longer than a compliance
    // call plus a provider call can take. When it runs out the request is
    // due again (recovery after a crash).
    absl::Duration claim_lease = absl::Minutes(1);
    RetryPolicy::Options retry;
    uint64_t retry_seed = 1;
    // Language of a contact whose request and customer name none.
    std::string default_language = "zh-CN";
  };

  // InvalidArgument naming a missing dependency, a lane without provider or
  // a bad option.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(Dependencies dependencies,
                                                            Options options);

  // A record of the contact-requests topic: a contact to make (recorded with
  // a timer; no outside call) or a cancellation (see Cancel). InvalidArgument
  // naming the field for a malformed request; store errors as they come.
  absl::StatusOr<DispatchEffects> Admit(ContactStore& store,
                                        const strategy::v1::ContactRequest& request);

  // Cancels the customer's contacts not yet sent that `cancel` covers
  // (loan_ids, request_ids, keep_purposes), including their open field
  // visits, and remembers the cancellation for requests created before
  // `effective_at` that arrive later.
  absl::StatusOr<DispatchEffects> Cancel(ContactStore& store, const std::string& customer_id,
                                         const strategy::v1::CancelPendingContacts& cancel,
                                         absl::Time effective_at);

  // Claims up to `limit` due requests in one transaction (a lease each, so
  // no other worker or replica takes them), concluding at once those that
  // need no outside call (expired, no provider, not before earliest_time).
  // Each claimed record then goes to RunClaimed.
  absl::StatusOr<ClaimedBatch> ClaimDue(ContactTransactions& transactions, int limit);

  // The next step of a claimed record: a try, or the recovery of a try a
  // crashed worker left in flight. Store errors as they come (the claim then
  // runs out and the request becomes due again).
  absl::Status RunClaimed(ContactTransactions& transactions, const ContactRecord& claimed);

  // Claims `request_id` if its timer is due and no other worker holds it,
  // then RunClaimed; OK without effect otherwise. NotFound for an unknown
  // request.
  absl::Status RunDue(ContactTransactions& transactions, const std::string& request_id);

 private:
  Dispatcher(Dependencies dependencies, Options options)
      : deps_(std::move(dependencies)),
        options_(std::move(options)),
        retry_(options_.retry, options_.retry_seed) {}

  const ChannelLane* LaneFor(const ContactRecord& record) const;
  // Claims `record` in `store` if it is due, or concludes it if no outside
  // call is needed; the claimed record, or nullopt.
  absl::StatusOr<std::optional<ContactRecord>> ClaimInStore(ContactStore& store,
                                                            ContactRecord record,
                                                            DispatchEffects& effects);
  // A try of a claimed, pending record.
  absl::Status Try(ContactTransactions& transactions, const ContactRecord& claimed);
  // A claimed agency batch record: hand it over (again, after a crash).
  absl::Status HandOverBatch(ContactTransactions& transactions, const ContactRecord& claimed);
  // A claimed record found in kSending: did its try happen?
  absl::Status Recover(ContactTransactions& transactions, const ContactRecord& claimed);
  // Commits `decide` applied to the current record if the claim of
  // generation `generation` still holds and `expected(state)`.
  absl::Status Commit(
      ContactTransactions& transactions, const ContactRecord& claimed,
      bool (*expected)(ContactState),
      const std::function<absl::Status(ContactStore&, ContactRecord&, DispatchEffects&)>& decide);
  // The result of a provider call (or of Lookup after a crash).
  absl::Status ApplySendResult(ContactStore& store, ContactRecord& record,
                               const absl::StatusOr<ProviderReceipt>& receipt,
                               DispatchEffects& effects);

  const Dependencies deps_;
  const Options options_;
  RetryPolicy retry_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_DISPATCHER_H_
