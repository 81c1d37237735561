// ContactStore: where the dispatcher keeps the state of each contact request
// (with its durable timer), the field visit work orders it creates, and the
// cancellations it must still apply to requests that arrive late. SQLite in
// the service (sqlite_contact_store.h, one object per open transaction),
// memory in tests (InMemoryContactStore).
//
// A ContactRecord is the whole state of one request; the dispatcher reads a
// record, decides, and writes it back (Put replaces). The record's timer is
// durable: it is part of the record, so it survives a restart with it.
//
// Due timers: a record is due when it has a timer (timer_at is finite) and
// both timer_at and claimed_until have passed. ListDue returns due records
// earliest first; a worker claims one by writing claimed_until (a lease)
// before it calls anything outside the store, so two workers (or replicas)
// never work on one record at once, and a crashed worker's records become
// due again when its lease runs out.
//
// Implementations must be thread-safe; calls made through one object are
// atomic together only as far as the object's transaction goes (the SQLite
// store is bound to one transaction, the in-memory one serializes each call).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/contact/v1/field_visit.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"

namespace arrears::contact {

// Persisted by number: never renumber.
enum class ContactState {
  // Received, waiting for its earliest_time, a compliance answer (the gate
  // was unreachable), a rate-limit token or a closed breaker; a timer is set.
  kWaiting = 0,
  // Compliance deferred it; a timer is set at defer_until.
  kDeferred = 1,
  // A provider try failed transiently; a timer is set for the next try.
  kRetrying = 2,
  // Compliance allowed it and the intent to send is recorded: a provider
  // call is in flight, or was when its worker crashed. The timer is the
  // worker's lease; if it runs out the dispatcher finds out from the provider
  // whether the try happened.
  kSending = 3,
  // Handed to the provider; the final outcome is not known yet.
  kSent = 4,
  // Terminal states.
  kDelivered = 5,
  kFailed = 6,
  kBlocked = 7,
  kCancelled = 8,
  // Agency placements (and recalls) are handed over in batches
  // (dispatcher.h). An allowed placement waits in its open batch: no timer
  // of its own, batch_id names the batch.
  kBatched = 9,
  // The record of an agency batch itself (request_id = batch id, no
  // customer): still taking placements; its timer is when it closes.
  kBatchOpen = 10,
  // A closed batch whose hand-over is in flight or retried; its timer is the
  // worker's lease or the retry.
  kBatchHandingOver = 11,
};
inline constexpr ContactState kLastContactState = ContactState::kBatchHandingOver;

// Not yet sent and not in flight: a cancellation cancels it at once.
inline bool IsPending(ContactState state) {
  return state == ContactState::kWaiting || state == ContactState::kDeferred ||
         state == ContactState::kRetrying;
}

// States of an agency batch's own record.
inline bool IsBatchRecordState(ContactState state) {
  return state == ContactState::kBatchOpen || state == ContactState::kBatchHandingOver;
}

// Not known to be sent: what a cancellation looks at (and what a worker may
// claim).
inline bool IsUnsent(ContactState state) {
  return IsPending(state) || state == ContactState::kSending || state == ContactState::kBatched ||
         IsBatchRecordState(state);
}

struct ContactRecord {
  strategy::v1::ContactRequest request;
  std::string attempt_id;
  ContactState state = ContactState::kWaiting;
  // Compliance checks made so far (numbering of check ids). Also the claim
  // generation: a worker's later writes check it is unchanged.
  int checks = 0;
  // Provider tries that failed transiently (the retry budget used).
  int failed_tries = 0;
  // When the pending timer fires; InfinitePast when none.
  absl::Time timer_at = absl::InfinitePast();
  // A worker owns the record until then; InfinitePast when none does.
  absl::Time claimed_until = absl::InfinitePast();
  std::string last_decision_id;
  // A rate-limit token was reserved for the try the pending timer starts.
  bool holds_rate_token = false;
  // The contact point used: id, type and masked value only (never the raw
  // value), for events; filled once the directory was asked.
  common::v1::ContactPoint contact_point;
  absl::Time received_at = absl::InfinitePast();
  // Events emitted so far; numbers each event's id.
  int event_sequence = 0;
  // A cancellation reason code that arrived while kSending: the try is not
  // repeated, and if it turns out not to have happened the request is
  // cancelled.
  std::string cancel_reason;
  // The ALLOW the try in flight (kSending) runs under.
  v1::ComplianceDecisionRef sending_decision;
  // The agency batch a placement joined (kBatched, and after the hand-over);
  // empty otherwise.
  std::string batch_id;
};

// When a record's timer is due: never (InfinitePast) without a timer.
inline absl::Time DueAt(const ContactRecord& record) {
  if (record.timer_at == absl::InfinitePast()) return absl::InfinitePast();
  return std::max(record.timer_at, record.claimed_until);
}

struct DueTimers {
  // Due request ids, earliest first.
  std::vector<std::string> request_ids;
  // The earliest timer not yet due; InfiniteFuture when none.
  absl::Time next_due = absl::InfiniteFuture();
};

// A cancellation that also applies to requests of the customer that are
// received later but were created before it took effect (a cure seen on the
// case-events topic before the contact request it overtook).
struct Cancellation {
  std::string customer_id;
  strategy::v1::CancelPendingContacts cancel;
  absl::Time effective_at = absl::InfinitePast();
};

class ContactStore {
 public:
  virtual ~ContactStore() = default;

  virtual absl::StatusOr<std::optional<ContactRecord>> Get(const std::string& request_id) = 0;
  virtual absl::Status Put(const ContactRecord& record) = 0;
  // Records of the customer that are IsUnsent.
  virtual absl::StatusOr<std::vector<ContactRecord>> ListUnsent(const std::string& customer_id) = 0;
  // Up to `limit` due records at `now` (see above) and the next due time.
  virtual absl::StatusOr<DueTimers> ListDue(absl::Time now, int limit) = 0;
  // Records whose batch_id is `batch_id`, by request_id.
  virtual absl::StatusOr<std::vector<ContactRecord>> ListBatchMembers(
      const std::string& batch_id) = 0;

  virtual absl::StatusOr<std::optional<v1::FieldVisit>> GetFieldVisit(
      const std::string& field_visit_id) = 0;
  virtual absl::Status PutFieldVisit(const v1::FieldVisit& visit) = 0;
  // The customer's visits that are PLANNED or ASSIGNED (not yet on site).
  virtual absl::StatusOr<std::vector<v1::FieldVisit>> ListUnstartedFieldVisits(
      const std::string& customer_id) = 0;

  virtual absl::Status AddCancellation(const Cancellation& cancellation) = 0;
  virtual absl::StatusOr<std::vector<Cancellation>> ListCancellations(
      const std::string& customer_id) = 0;
};

// Memory-only store for tests and benchmarks. Each call is atomic. A fake
// transaction rolls back with the journal: between BeginJournal() and
// EndJournal(), RollbackJournal() undoes every write made since
// BeginJournal(). Thread-safe.
class InMemoryContactStore final : public ContactStore {
 public:
  struct State {
    std::map<std::string, ContactRecord> records;
    std::map<std::string, v1::FieldVisit> visits;
    std::vector<Cancellation> cancellations;
  };

  absl::StatusOr<std::optional<ContactRecord>> Get(const std::string& request_id) override {
    absl::MutexLock lock(&mu_);
    auto it = state_.records.find(request_id);
    if (it == state_.records.end()) return std::optional<ContactRecord>();
    return std::optional<ContactRecord>(it->second);
  }
  absl::Status Put(const ContactRecord& record) override {
    absl::MutexLock lock(&mu_);
    Remember(state_.records, record.request.request_id(), journal_records_);
    state_.records[record.request.request_id()] = record;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ContactRecord>> ListUnsent(const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    std::vector<ContactRecord> unsent;
    for (const auto& [id, record] : state_.records) {
      if (record.request.customer_id() == customer_id && IsUnsent(record.state)) {
        unsent.push_back(record);
      }
    }
    return unsent;
  }
  absl::StatusOr<std::vector<ContactRecord>> ListBatchMembers(
      const std::string& batch_id) override {
    absl::MutexLock lock(&mu_);
    std::vector<ContactRecord> members;
    for (const auto& [id, record] : state_.records) {
      if (record.batch_id == batch_id) members.push_back(record);
    }
    return members;
  }
  absl::StatusOr<DueTimers> ListDue(absl::Time now, int limit) override {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<absl::Time, std::string>> due;
    DueTimers result;
    for (const auto& [id, record] : state_.records) {
      const absl::Time at = DueAt(record);
      if (at == absl::InfinitePast()) continue;
      if (at <= now) {
        due.emplace_back(at, id);
      } else {
        result.next_due = std::min(result.next_due, at);
      }
    }
    std::sort(due.begin(), due.end());
    for (const auto& [at, id] : due) {
      if (static_cast<int>(result.request_ids.size()) >= limit) break;
      result.request_ids.push_back(id);
    }
    return result;
  }
  absl::StatusOr<std::optional<v1::FieldVisit>> GetFieldVisit(
      const std::string& field_visit_id) override {
    absl::MutexLock lock(&mu_);
    auto it = state_.visits.find(field_visit_id);
    if (it == state_.visits.end()) return std::optional<v1::FieldVisit>();
    return std::optional<v1::FieldVisit>(it->second);
  }
  absl::Status PutFieldVisit(const v1::FieldVisit& visit) override {
    absl::MutexLock lock(&mu_);
    Remember(state_.visits, visit.field_visit_id(), journal_visits_);
    state_.visits[visit.field_visit_id()] = visit;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<v1::FieldVisit>> ListUnstartedFieldVisits(
      const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    std::vector<v1::FieldVisit> found;
    for (const auto& [id, visit] : state_.visits) {
      if (visit.customer_id() == customer_id && (visit.state() == v1::FieldVisit::STATE_PLANNED ||
                                                 visit.state() == v1::FieldVisit::STATE_ASSIGNED)) {
        found.push_back(visit);
      }
    }
    return found;
  }
  absl::Status AddCancellation(const Cancellation& cancellation) override {
    absl::MutexLock lock(&mu_);
    state_.cancellations.push_back(cancellation);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Cancellation>> ListCancellations(
      const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    std::vector<Cancellation> found;
    for (const Cancellation& c : state_.cancellations) {
      if (c.customer_id == customer_id) found.push_back(c);
    }
    return found;
  }

  void BeginJournal() {
    absl::MutexLock lock(&mu_);
    journaling_ = true;
    journal_records_.clear();
    journal_visits_.clear();
    journal_cancellations_ = state_.cancellations.size();
  }
  void RollbackJournal() {
    absl::MutexLock lock(&mu_);
    Undo(state_.records, journal_records_);
    Undo(state_.visits, journal_visits_);
    state_.cancellations.resize(journal_cancellations_);
    journaling_ = false;
  }
  void EndJournal() {
    absl::MutexLock lock(&mu_);
    journaling_ = false;
  }

 private:
  // Saves the value `key` had before its first write since BeginJournal().
  template <typename Value>
  void Remember(const std::map<std::string, Value>& map, const std::string& key,
                std::map<std::string, std::optional<Value>>& journal)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!journaling_ || journal.contains(key)) return;
    auto it = map.find(key);
    journal[key] = it == map.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  template <typename Value>
  static void Undo(std::map<std::string, Value>& map,
                   std::map<std::string, std::optional<Value>>& journal) {
    for (auto& [key, before] : journal) {
      if (before.has_value()) {
        map[key] = *std::move(before);
      } else {
        map.erase(key);
      }
    }
    journal.clear();
  }

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_);
  bool journaling_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::optional<ContactRecord>> journal_records_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::optional<v1::FieldVisit>> journal_visits_ ABSL_GUARDED_BY(mu_);
  size_t journal_cancellations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_
