#include "services/overdue_detection/sqlite_parked_events.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::overdue {
namespace {

constexpr absl::string_view kInsert =
    "INSERT INTO overdue_parked_events (loan_id, topic, partition, offset, event_key, event_id,"
    " event_type, event_source, event_time_us, traceparent, payload, reason, status_code,"
    " attempts, parked_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1,"
    " ?14)";
#define ARREARS_PARKED_COLUMNS                                                           \
  "SELECT sequence, loan_id, topic, partition, offset, event_key, event_id, event_type," \
  " event_source, event_time_us, traceparent, payload, reason, status_code, attempts,"   \
  " parked_at_us FROM overdue_parked_events "
constexpr absl::string_view kWaitingFor =
    ARREARS_PARKED_COLUMNS "WHERE loan_id = ?1 AND dead_at_us IS NULL ORDER BY sequence";
constexpr absl::string_view kDead =
    ARREARS_PARKED_COLUMNS "WHERE dead_at_us IS NOT NULL ORDER BY sequence LIMIT ?1";
#undef ARREARS_PARKED_COLUMNS
constexpr absl::string_view kNoteRetry =
    "UPDATE overdue_parked_events SET attempts = attempts + 1, reason = ?2, status_code = ?3"
    " WHERE sequence = ?1";
constexpr absl::string_view kRemove = "DELETE FROM overdue_parked_events WHERE sequence = ?1";
constexpr absl::string_view kMarkDead =
    "UPDATE overdue_parked_events SET dead_at_us = ?2, reason = ?3, status_code = ?4"
    " WHERE sequence = ?1";
constexpr absl::string_view kExpire =
    "UPDATE overdue_parked_events SET dead_at_us = ?3, reason = reason || ?2"
    " WHERE dead_at_us IS NULL AND parked_at_us <= ?1";
constexpr absl::string_view kCount =
    "SELECT COUNT(*) FILTER (WHERE dead_at_us IS NULL), COUNT(*) FILTER (WHERE dead_at_us IS NOT"
    " NULL) FROM overdue_parked_events";

// Rows of a statement selecting the columns above.
absl::StatusOr<std::vector<ParkedEvent>> ReadParked(store::SqliteStatement& select) {
  std::vector<ParkedEvent> result;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return result;
    ParkedEvent& parked = result.emplace_back();
    parked.sequence = select.ColumnInt64(0);
    parked.loan_id = std::string(select.ColumnText(1));
    parked.inbound.position.topic = std::string(select.ColumnText(2));
    parked.inbound.position.partition = static_cast<int32_t>(select.ColumnInt64(3));
    parked.inbound.position.offset = select.ColumnInt64(4);
    events::Event& event = parked.inbound.event;
    event.topic = parked.inbound.position.topic;
    event.key = std::string(select.ColumnText(5));
    event.envelope.id = std::string(select.ColumnText(6));
    event.envelope.type = std::string(select.ColumnText(7));
    event.envelope.source = std::string(select.ColumnText(8));
    event.envelope.time = absl::FromUnixMicros(select.ColumnInt64(9));
    event.envelope.traceparent = std::string(select.ColumnText(10));
    event.payload = std::string(select.ColumnBlob(11));
    parked.reason =
        absl::Status(static_cast<absl::StatusCode>(select.ColumnInt64(13)), select.ColumnText(12));
    parked.attempts = static_cast<int>(select.ColumnInt64(14));
    parked.parked_at = absl::FromUnixMicros(select.ColumnInt64(15));
  }
}

}  // namespace

absl::Status SqliteParkedEvents::Park(store::Transaction& txn, absl::string_view loan_id,
                                      const events::InboundEvent& inbound,
                                      const absl::Status& reason, absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement insert, sqlite->Prepare(kInsert));
  const events::Event& event = inbound.event;
  insert.BindText(1, loan_id);
  insert.BindText(2, inbound.position.topic);
  insert.BindInt64(3, inbound.position.partition);
  insert.BindInt64(4, inbound.position.offset);
  insert.BindText(5, event.key);
  insert.BindText(6, event.envelope.id);
  insert.BindText(7, event.envelope.type);
  insert.BindText(8, event.envelope.source);
  insert.BindInt64(9, absl::ToUnixMicros(event.envelope.time));
  insert.BindText(10, event.envelope.traceparent);
  insert.BindBlob(11, event.payload);
  insert.BindText(12, reason.message());
  insert.BindInt64(13, static_cast<int64_t>(reason.code()));
  insert.BindInt64(14, absl::ToUnixMicros(now));
  return insert.Run();
}

absl::StatusOr<std::vector<ParkedEvent>> SqliteParkedEvents::WaitingFor(store::Transaction& txn,
                                                                        absl::string_view loan_id) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, sqlite->Prepare(kWaitingFor));
  select.BindText(1, loan_id);
  return ReadParked(select);
}

absl::StatusOr<std::vector<ParkedEvent>> SqliteParkedEvents::Dead(store::Transaction& txn,
                                                                  int limit) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, sqlite->Prepare(kDead));
  select.BindInt64(1, limit);
  return ReadParked(select);
}

absl::Status SqliteParkedEvents::NoteRetry(store::Transaction& txn, int64_t sequence,
                                           const absl::Status& reason) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, sqlite->Prepare(kNoteRetry));
  update.BindInt64(1, sequence);
  update.BindText(2, reason.message());
  update.BindInt64(3, static_cast<int64_t>(reason.code()));
  return update.Run();
}

absl::Status SqliteParkedEvents::Remove(store::Transaction& txn, int64_t sequence) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement remove, sqlite->Prepare(kRemove));
  remove.BindInt64(1, sequence);
  return remove.Run();
}

absl::Status SqliteParkedEvents::MarkDead(store::Transaction& txn, int64_t sequence,
                                          const absl::Status& reason, absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, sqlite->Prepare(kMarkDead));
  update.BindInt64(1, sequence);
  update.BindInt64(2, absl::ToUnixMicros(now));
  update.BindText(3, reason.message());
  update.BindInt64(4, static_cast<int64_t>(reason.code()));
  return update.Run();
}

absl::StatusOr<int64_t> SqliteParkedEvents::ExpireParkedBefore(store::Transaction& txn,
                                                               absl::Time parked_before,
                                                               absl::string_view note,
                                                               absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, sqlite->Prepare(kExpire));
  update.BindInt64(1, absl::ToUnixMicros(parked_before));
  update.BindText(2, note);
  update.BindInt64(3, absl::ToUnixMicros(now));
  ARREARS_RETURN_IF_ERROR(update.Run());
  return update.ChangedRows();
}

absl::StatusOr<SqliteParkedEvents::Counts> SqliteParkedEvents::Count(store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement count, sqlite->Prepare(kCount));
  ARREARS_ASSIGN_OR_RETURN(const bool row, count.Step());
  Counts counts;
  if (row) {
    counts.parked = count.ColumnInt64(0);
    counts.dead = count.ColumnInt64(1);
  }
  return counts;
}

}  // namespace arrears::overdue
