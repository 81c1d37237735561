// ContactTransactions: how the dispatcher's worker side commits what it
// decides. Each Run() is one atomic unit: the store writes the body makes
// and the contact events it returns commit together (the events are
// published if and only if the writes commit) or not at all.
//
// The service runs it on its SQLite store, appending the events to the
// contact history and the transactional outbox in the same transaction
// (sqlite_contact_transactions.h). InMemoryContactTransactions is the fake
// for tests: the writes of a body that fails are undone (the store's
// journal), and committed events are kept in order.
//
// Thread-safe: concurrent Run() calls are serialized (as SQLite serializes
// transactions).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TRANSACTIONS_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TRANSACTIONS_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "services/contact_channels/contact_store.h"

namespace arrears::contact {

// What one step of the dispatcher produced, for the caller to commit with
// the store writes.
struct DispatchEffects {
  // To publish on arrears.contact.events.v1, in order; each has its event_id.
  std::vector<v1::ContactEvent> events;
  // The request had been seen before; nothing was done.
  bool duplicate = false;
};

class ContactTransactions {
 public:
  using Body = absl::FunctionRef<absl::StatusOr<DispatchEffects>(ContactStore&)>;
  virtual ~ContactTransactions() = default;
  // Runs `body` in one transaction and commits its effects; an error from
  // the body or the commit leaves nothing behind and is returned.
  virtual absl::Status Run(Body body) = 0;
};

class InMemoryContactTransactions final : public ContactTransactions {
 public:
  absl::Status Run(Body body) override {
    absl::MutexLock lock(&mu_);
    store_.BeginJournal();
    absl::StatusOr<DispatchEffects> effects = body(store_);
    if (!effects.ok()) {
      store_.RollbackJournal();
      return effects.status();
    }
    store_.EndJournal();
    for (v1::ContactEvent& event : effects->events) events_.push_back(std::move(event));
    return absl::OkStatus();
  }

  // The store, for set-up and inspection outside Run().
  InMemoryContactStore& store() { return store_; }
  std::vector<v1::ContactEvent> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  mutable absl::Mutex mu_;
  InMemoryContactStore store_;
  std::vector<v1::ContactEvent> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TRANSACTIONS_H_
