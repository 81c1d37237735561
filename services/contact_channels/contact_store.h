// ContactStore: where the dispatcher keeps the state of each contact
// request, so the service can persist it (SQLite in the service, memory in
// tests) and resume after a restart together with its durable timers.
//
// A ContactRecord is the whole state of one request; the dispatcher reads a
// record, decides, and writes it back (Put replaces). Implementations must be
// thread-safe; the dispatcher never holds two records of one customer at
// once, so per-record atomicity suffices.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"

namespace arrears::contact {

enum class ContactState {
  // Received, waiting for its earliest_time, a compliance answer (the gate
  // was unreachable), a rate-limit token or a closed breaker; a timer is set.
  kWaiting,
  // Compliance deferred it; a timer is set at defer_until.
  kDeferred,
  // A provider try failed transiently; a timer is set for the next try.
  kRetrying,
  // Handed to the provider; the final outcome is not known yet.
  kSent,
  // Terminal states.
  kDelivered,
  kFailed,
  kBlocked,
  kCancelled,
};

// Not yet sent: cancellation still applies.
inline bool IsPending(ContactState state) {
  return state == ContactState::kWaiting || state == ContactState::kDeferred ||
         state == ContactState::kRetrying;
}

struct ContactRecord {
  strategy::v1::ContactRequest request;
  std::string attempt_id;
  ContactState state = ContactState::kWaiting;
  // Compliance checks made so far (numbering of check ids).
  int checks = 0;
  // Provider tries that failed transiently (the retry budget used).
  int failed_tries = 0;
  // When the pending timer fires; InfinitePast when none.
  absl::Time timer_at = absl::InfinitePast();
  std::string last_decision_id;
  // A rate-limit token was reserved for the try the pending timer starts.
  bool holds_rate_token = false;
  // The contact point used: id, type and masked value only (never the raw
  // value), for events; filled once the directory was asked.
  common::v1::ContactPoint contact_point;
  absl::Time received_at = absl::InfinitePast();
};

class ContactStore {
 public:
  virtual ~ContactStore() = default;
  virtual absl::StatusOr<std::optional<ContactRecord>> Get(const std::string& request_id) = 0;
  virtual absl::Status Put(const ContactRecord& record) = 0;
  // Records of the customer in a pending state (IsPending).
  virtual absl::StatusOr<std::vector<ContactRecord>> ListPending(
      const std::string& customer_id) = 0;
};

class InMemoryContactStore final : public ContactStore {
 public:
  absl::StatusOr<std::optional<ContactRecord>> Get(const std::string& request_id) override {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(request_id);
    if (it == records_.end()) return std::optional<ContactRecord>();
    return std::optional<ContactRecord>(it->second);
  }
  absl::Status Put(const ContactRecord& record) override {
    absl::MutexLock lock(&mu_);
    records_[record.request.request_id()] = record;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ContactRecord>> ListPending(const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    std::vector<ContactRecord> pending;
    for (const auto& [id, record] : records_) {
      if (record.request.customer_id() == customer_id && IsPending(record.state)) {
        pending.push_back(record);
      }
    }
    return pending;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, ContactRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_STORE_H_
