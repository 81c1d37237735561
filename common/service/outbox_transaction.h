// The transaction every Host offers (Host::InTransaction), in one place:
// `body` runs in one transaction of `database`, its events are enqueued in
// `outbox` with the current trace stamped on them, and `relay` is woken after
// a commit that enqueued any, so they go out at once.
#ifndef ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_
#define ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/store/outbox.h"
#include "common/store/outbox_relay.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"

namespace arrears::service {

absl::Status RunOutboxTransaction(
    store::SqliteDatabase& database, store::Outbox& outbox, store::OutboxRelay& relay,
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body);

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_OUTBOX_TRANSACTION_H_
