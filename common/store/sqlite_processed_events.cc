#include "common/store/sqlite_processed_events.h"

#include <string>
#include <utility>
#include <vector>

#include "common/status/status_macros.h"

namespace arrears::store {
namespace {

constexpr absl::string_view kInsert =
    "INSERT INTO processed_events (consumer, event_id, processed_at_us) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
// Prune walks the table in key order, one chunk per transaction, so that the
// write lock is held briefly and no index on the time is needed.
constexpr int64_t kPruneChunk = 5'000;
constexpr absl::string_view kScanChunk =
    "SELECT consumer, event_id, processed_at_us FROM processed_events "
    "WHERE (consumer, event_id) > (?1, ?2) ORDER BY consumer, event_id LIMIT ?3";
constexpr absl::string_view kDeleteOne =
    "DELETE FROM processed_events WHERE consumer = ?1 AND event_id = ?2";

struct Key {
  std::string consumer;
  std::string event_id;
};

}  // namespace

absl::StatusOr<bool> SqliteProcessedEvents::MarkProcessed(Transaction& txn,
                                                          absl::string_view event_id,
                                                          absl::string_view consumer,
                                                          absl::Time at) {
  if (event_id.empty()) return absl::InvalidArgumentError("event id (ce_id) is empty");
  if (consumer.empty()) return absl::InvalidArgumentError("consumer is empty");
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite_txn, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite_txn->Prepare(kInsert));
  insert.BindText(1, consumer);
  insert.BindText(2, event_id);
  insert.BindInt64(3, absl::ToUnixMicros(at));
  ARREARS_RETURN_IF_ERROR(insert.Run());
  return insert.ChangedRows() == 1;
}

absl::StatusOr<int64_t> SqliteProcessedEvents::Prune(absl::Time older_than) {
  const int64_t cutoff = absl::ToUnixMicros(older_than);
  int64_t total = 0;
  Key cursor;  // below every key: consumers are never empty
  bool more = true;
  std::vector<Key> doomed;
  while (more) {
    ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
        SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
          doomed.clear();
          int64_t scanned = 0;
          {
            ARREARS_ASSIGN_OR_RETURN(SqliteStatement scan, txn.Prepare(kScanChunk));
            scan.BindText(1, cursor.consumer);
            scan.BindText(2, cursor.event_id);
            scan.BindInt64(3, kPruneChunk);
            while (true) {
              ARREARS_ASSIGN_OR_RETURN(const bool row, scan.Step());
              if (!row) break;
              ++scanned;
              Key key{std::string(scan.ColumnText(0)), std::string(scan.ColumnText(1))};
              if (scan.ColumnInt64(2) < cutoff) doomed.push_back(key);
              cursor = std::move(key);
            }
          }
          ARREARS_ASSIGN_OR_RETURN(SqliteStatement remove, txn.Prepare(kDeleteOne));
          for (const Key& key : doomed) {
            remove.BindText(1, key.consumer);
            remove.BindText(2, key.event_id);
            ARREARS_RETURN_IF_ERROR(remove.Run());
          }
          more = scanned == kPruneChunk;
          return absl::OkStatus();
        }));
    total += static_cast<int64_t>(doomed.size());
  }
  return total;
}

}  // namespace arrears::store
