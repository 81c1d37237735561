// The contact channel service's consumers: one EventApplier per consumed
// topic, each run by the host's ExactlyOnceProcessor inside the consumer's
// transaction (dedupe mark + these writes + outbound events commit
// together). None of them calls compliance or a provider: that would block
// a consumer transaction. They only record; the DispatchWorker acts.
//
//  - ContactRequestApplier (arrears.strategy.contact-requests.v1): a contact
//    is admitted (a record with a due timer; the worker is woken), a
//    cancel_pending cancels what is not yet sent (CANCELLED events).
//  - CaseEventApplier (arrears.strategy.case-events.v1): a cure, a closed
//    case or a hold cancels every contact not yet sent, deferred ones
//    included (case_cancellation.h).
//  - CustomerEventApplier (arrears.customer.events.v1): the customer's
//    latest contact data (names, phones, e-mails, addresses, app accounts,
//    related persons, language, time zone) replaces the directory entry;
//    other customer events are compliance's business and are accepted
//    without effect.
//
// A payload that does not parse, or whose customer id differs from the
// record key, is InvalidArgument naming the field: the consumer loop
// dead-letters it. Store errors are returned as they come (retried).
// Thread-safety: Apply is called from one consumer thread at a time.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_APPLIERS_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_APPLIERS_H_

#include <functional>
#include <utility>

#include "common/store/event_applier.h"
#include "common/store/sqlite_database.h"
#include "services/contact_channels/dispatcher.h"

namespace arrears::contact {

class ContactRequestApplier final : public store::EventApplier {
 public:
  // `on_admitted` is called after a contact was admitted (wake the worker).
  ContactRequestApplier(store::SqliteDatabase* db, Dispatcher* dispatcher,
                        std::function<void()> on_admitted)
      : db_(db), dispatcher_(dispatcher), on_admitted_(std::move(on_admitted)) {}

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  store::SqliteDatabase* const db_;
  Dispatcher* const dispatcher_;
  const std::function<void()> on_admitted_;
};

class CaseEventApplier final : public store::EventApplier {
 public:
  CaseEventApplier(store::SqliteDatabase* db, Dispatcher* dispatcher)
      : db_(db), dispatcher_(dispatcher) {}

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  store::SqliteDatabase* const db_;
  Dispatcher* const dispatcher_;
};

class CustomerEventApplier final : public store::EventApplier {
 public:
  explicit CustomerEventApplier(store::SqliteDatabase* db) : db_(db) {}

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_APPLIERS_H_
