#include "common/store/sqlite_processed_events.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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

// Chunk sizes are powers of two up to this, so at most eight distinct
// statements reach the statement cache.
constexpr size_t kMaxMarkChunk = 128;

// Wraps each chunk, so that a chunk holding a duplicate can be undone and
// redone row by row.
constexpr absl::string_view kChunkSavepoint = "mark_chunk";

// "INSERT ... VALUES (?1, ?3, ?2), (?1, ?4, ?2), ... ON CONFLICT DO NOTHING":
// the consumer and the time bound once, the ids from ?3 on. No RETURNING:
// SQLite 3.40 materializes returned rows in an ephemeral table built and
// freed per execution (its malloc/free alone were ~20% of this function in a
// profile); without it the processor's CPU per 1000-event batch fell 5-8%
// (micro_bench BM_ExactlyOnceHandleBatch, 1k keys).
std::string MultiRowInsert(size_t rows) {
  std::string sql = "INSERT INTO processed_events (consumer, event_id, processed_at_us) VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ",", "(?1,?", i + 3, ",?2)");
  }
  absl::StrAppend(&sql, " ON CONFLICT DO NOTHING");
  return sql;
}

const std::string& MultiRowInsertSql(size_t rows) {
  static const auto* const statements = [] {
    auto* by_log2 = new std::vector<std::string>();
    for (size_t rows = 1; rows <= kMaxMarkChunk; rows *= 2)
      by_log2->push_back(MultiRowInsert(rows));
    return by_log2;
  }();
  size_t index = 0;
  while ((size_t{1} << index) < rows) ++index;
  return (*statements)[index];
}

struct Key {
  std::string consumer;
  std::string event_id;
};

// Inserts the rows of `event_ids` that are not marked yet; returns how many.
absl::StatusOr<int64_t> InsertChunk(SqliteTransaction& txn,
                                    absl::Span<const absl::string_view> event_ids,
                                    absl::string_view consumer, absl::Time at) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert,
                           txn.Prepare(MultiRowInsertSql(event_ids.size())));
  insert.BindText(1, consumer);
  insert.BindInt64(2, absl::ToUnixMicros(at));
  for (size_t i = 0; i < event_ids.size(); ++i) {
    insert.BindText(static_cast<int>(i + 3), event_ids[i]);
  }
  ARREARS_RETURN_IF_ERROR(insert.Run());
  return insert.ChangedRows();
}

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

absl::StatusOr<std::vector<bool>> SqliteProcessedEvents::MarkProcessedBatch(
    Transaction& txn, absl::Span<const absl::string_view> event_ids, absl::string_view consumer,
    absl::Time at) {
  if (consumer.empty()) return absl::InvalidArgumentError("consumer is empty");
  for (absl::string_view id : event_ids) {
    if (id.empty()) return absl::InvalidArgumentError("event id (ce_id) is empty");
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite_txn, db_->Unwrap(txn));
  // Almost every chunk is new ids only: one INSERT of the whole chunk, whose
  // changed-row count then says every row was inserted (all first time). A
  // chunk with a duplicate (marked before, or repeated within the list)
  // changes fewer rows; it is rolled back to its savepoint and marked row by
  // row, in order, which tells which ones were first.
  std::vector<bool> first_time(event_ids.size());
  size_t done = 0;
  while (done < event_ids.size()) {
    // The largest power of two that fits what is left.
    size_t rows = kMaxMarkChunk;
    while (rows > event_ids.size() - done) rows /= 2;
    ARREARS_RETURN_IF_ERROR(sqlite_txn->CreateSavepoint(kChunkSavepoint));
    absl::StatusOr<int64_t> inserted =
        InsertChunk(*sqlite_txn, event_ids.subspan(done, rows), consumer, at);
    if (!inserted.ok()) {
      // Leaves the transaction as it was before this chunk.
      sqlite_txn->RollbackToSavepoint(kChunkSavepoint).IgnoreError();
      return inserted.status();
    }
    if (*inserted == static_cast<int64_t>(rows)) {
      ARREARS_RETURN_IF_ERROR(sqlite_txn->ReleaseSavepoint(kChunkSavepoint));
      for (size_t i = 0; i < rows; ++i) first_time[done + i] = true;
    } else {
      ARREARS_RETURN_IF_ERROR(sqlite_txn->RollbackToSavepoint(kChunkSavepoint));
      for (size_t i = 0; i < rows; ++i) {
        ARREARS_ASSIGN_OR_RETURN(first_time[done + i],
                                 MarkProcessed(txn, event_ids[done + i], consumer, at));
      }
    }
    done += rows;
  }
  return first_time;
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
