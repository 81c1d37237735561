#include "common/store/sqlite_outbox.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::store {
namespace {

constexpr absl::string_view kInsert =
    "INSERT INTO outbox (topic, event_key, event_id, event_type, event_source, event_time_us,"
    " traceparent, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr absl::string_view kSelectUnpublished =
    "SELECT sequence, topic, event_key, event_id, event_type, event_source, event_time_us,"
    " traceparent, payload FROM outbox ORDER BY sequence LIMIT ?1";
constexpr absl::string_view kDelete = "DELETE FROM outbox WHERE sequence = ?1 AND event_id = ?2";
constexpr absl::string_view kCount = "SELECT COUNT(*) FROM outbox";

}  // namespace

absl::Status SqliteOutbox::Enqueue(Transaction& txn, const events::Event& event) {
  if (event.topic.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("outbound event ", event.envelope.id, ": topic is empty"));
  }
  // Annotated only on failure: the message is built per event otherwise.
  if (absl::Status valid = events::ValidateEnvelope(event.envelope); !valid.ok()) {
    return Annotate(valid, absl::StrCat("outbound event to ", event.topic));
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite_txn, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite_txn->Prepare(kInsert));
  insert.BindText(1, event.topic);
  insert.BindText(2, event.key);
  insert.BindText(3, event.envelope.id);
  insert.BindText(4, event.envelope.type);
  insert.BindText(5, event.envelope.source);
  insert.BindInt64(6, absl::ToUnixMicros(event.envelope.time));
  insert.BindText(7, event.envelope.traceparent);
  insert.BindBlob(8, event.payload);
  return insert.Run();
}

absl::StatusOr<std::vector<OutboxRecord>> SqliteOutbox::FetchUnpublished(int limit) {
  if (limit <= 0) return absl::InvalidArgumentError(absl::StrCat("limit must be > 0: ", limit));
  std::vector<OutboxRecord> records;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        records.clear();
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectUnpublished));
        select.BindInt64(1, limit);
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
          if (!row) return absl::OkStatus();
          OutboxRecord& record = records.emplace_back();
          record.sequence = select.ColumnInt64(0);
          events::Event& event = record.event;
          event.topic = std::string(select.ColumnText(1));
          event.key = std::string(select.ColumnText(2));
          event.envelope.id = std::string(select.ColumnText(3));
          event.envelope.type = std::string(select.ColumnText(4));
          event.envelope.source = std::string(select.ColumnText(5));
          event.envelope.time = absl::FromUnixMicros(select.ColumnInt64(6));
          event.envelope.traceparent = std::string(select.ColumnText(7));
          event.payload = std::string(select.ColumnBlob(8));
        }
      }));
  return records;
}

absl::Status SqliteOutbox::MarkPublished(absl::Span<const OutboxRecordId> records) {
  if (records.empty()) return absl::OkStatus();
  return db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement remove, txn.Prepare(kDelete));
        for (const OutboxRecordId& record : records) {
          remove.BindInt64(1, record.sequence);
          remove.BindText(2, record.event_id);
          ARREARS_RETURN_IF_ERROR(remove.Run());
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> SqliteOutbox::PendingCount() {
  int64_t count = 0;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kCount));
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        count = row ? select.ColumnInt64(0) : 0;
        return absl::OkStatus();
      }));
  return count;
}

}  // namespace arrears::store
