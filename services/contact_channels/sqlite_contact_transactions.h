// How the contact channel service commits contact state and contact events
// together on its SQLite store.
//
// Every ContactEvent the service emits (dispatcher steps, consumer-side
// cancellations, RecordOutcome, field visit check-in and completion) goes
// through CommitContactEvents(), inside the transaction that made the state
// change: it is appended to the contact history (GetContactHistory) and
// enqueued in the transactional outbox for arrears.contact.events.v1, so it
// is published if and only if the transaction commits. The event's event_id
// is its CloudEvents ce_id; the record key is the customer id.
//
// SqliteContactTransactions is the dispatcher's ContactTransactions on that
// store: each Run() is one transaction opened through the service's
// OutboxTransactionRunner (ServiceHost::InTransaction in the process, which
// also wakes the outbox relay), with a SqliteContactStore bound to it.
// Thread-safe (the database serializes transactions).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_TRANSACTIONS_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_TRANSACTIONS_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "common/events/event.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "services/contact_channels/contact_transactions.h"
#include "services/contact_channels/sqlite_contact_store.h"

namespace arrears::contact {

// Runs a body in one transaction with an outbox writer bound to it.
using OutboxTransactionRunner = std::function<absl::Status(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>)>;

// The CloudEvents source of the service's events.
inline constexpr char kContactEventSource[] = "//arrears/contact-channels";

// `event` as a record of arrears.contact.events.v1.
events::Event ToOutboundEvent(const v1::ContactEvent& event);

// Appends each event to the history and enqueues it, in `store`'s
// transaction. InvalidArgument naming the field for an event without
// event_id or customer_id.
absl::Status CommitContactEvents(SqliteContactStore& store, store::OutboxWriter& outbox,
                                 const std::vector<v1::ContactEvent>& events);

class SqliteContactTransactions final : public ContactTransactions {
 public:
  // `db` must outlive this; `runner` opens transactions of `db`.
  SqliteContactTransactions(store::SqliteDatabase* db, OutboxTransactionRunner runner)
      : db_(db), runner_(std::move(runner)) {}

  absl::Status Run(Body body) override;

 private:
  store::SqliteDatabase* const db_;
  const OutboxTransactionRunner runner_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_TRANSACTIONS_H_
