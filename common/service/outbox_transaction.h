// The transaction every Host offers (Host::InTransaction), in one place:
// `body` runs in one transaction of `database`, its events are enqueued in
// `outbox` with the current trace stamped on them, and after a commit the
// publishers are woken — `relay` if the commit enqueued any event, and the
// event feeds always (a feed's log may have grown in any transaction) — so
// that events go out at once. Also what both hosts do with the same two
// publishers after a consumer's commit and at shutdown.
#ifndef ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_
#define ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/service/event_feeds.h"
#include "common/store/outbox.h"
#include "common/store/outbox_relay.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"

namespace arrears::service {

absl::Status RunOutboxTransaction(
    store::SqliteDatabase& database, store::Outbox& outbox, store::OutboxRelay& relay,
    EventFeeds& feeds,
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body);

// After a commit whose enqueued events are not counted (a consumer's batch).
void WakePublishers(store::OutboxRelay& relay, EventFeeds& feeds);

// Stops (draining) the outbox's relay, then the feeds'; the first error.
absl::Status StopPublishers(store::OutboxRelay& relay, EventFeeds& feeds);

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_
