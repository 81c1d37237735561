#include "services/contact_channels/sqlite_contact_store.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"

namespace arrears::contact {
namespace {

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
// visit_day of a visit without a date: before every real one.
constexpr int64_t kNoVisitDay = -1'000'000;

int64_t Micros(absl::Time time) {
  if (time == absl::InfinitePast()) return kMinInt;
  if (time == absl::InfiniteFuture()) return kMaxInt;
  return absl::ToUnixMicros(time);
}

absl::Time FromMicros(int64_t micros) {
  if (micros == kMinInt) return absl::InfinitePast();
  if (micros == kMaxInt) return absl::InfiniteFuture();
  return absl::FromUnixMicros(micros);
}

// NULL for "never".
void BindTime(store::SqliteStatement& statement, int index, absl::Time time) {
  if (time == absl::InfinitePast()) {
    statement.BindNull(index);
  } else {
    statement.BindInt64(index, Micros(time));
  }
}

absl::Time ColumnTime(const store::SqliteStatement& statement, int column) {
  return statement.ColumnIsNull(column) ? absl::InfinitePast()
                                        : FromMicros(statement.ColumnInt64(column));
}

template <typename Message>
absl::StatusOr<Message> ParseColumn(const store::SqliteStatement& statement, int column,
                                    absl::string_view what) {
  Message message;
  const absl::string_view bytes = statement.ColumnBlob(column);
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("contact store: unreadable ", what));
  }
  return message;
}

// Steps `select` to its end, turning each row into a T with `read_row`.
template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> ReadRows(store::SqliteStatement& select, ReadRow read_row) {
  std::vector<T> rows;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    ARREARS_ASSIGN_OR_RETURN(T row, read_row(select));
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t DaysSinceEpoch(absl::CivilDay day) { return day - absl::CivilDay(1970, 1, 1); }

// Opaque page tokens: web-safe base64 of "<kind>|<field>|<field>...".
std::string EncodeToken(absl::string_view kind, const std::vector<std::string>& fields) {
  std::string raw(kind);
  for (const std::string& field : fields) absl::StrAppend(&raw, "|", field);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodeToken(absl::string_view token,
                                                     absl::string_view kind, size_t fields) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  std::vector<std::string> parts =
      absl::StrSplit(raw, absl::MaxSplits('|', static_cast<int>(fields)));
  if (parts.size() != fields + 1 || parts[0] != kind) {
    return absl::InvalidArgumentError("page_token: not a token of this list");
  }
  parts.erase(parts.begin());
  return parts;
}

int64_t ChannelMask(const std::vector<common::v1::Channel>& channels) {
  int64_t mask = 0;
  for (common::v1::Channel channel : channels) mask |= int64_t{1} << static_cast<int>(channel);
  return mask;
}

// The columns ReadRecord() reads, in its order.
#define CONTACT_RECORD_COLUMNS                                                        \
  "request_id, customer_id, attempt_id, state, timer_at, claimed_until, checks, "     \
  "failed_tries, event_sequence, holds_rate_token, last_decision_id, cancel_reason, " \
  "received_at, contact_point, sending_decision, request, batch_id"

absl::StatusOr<ContactRecord> ReadRecord(const store::SqliteStatement& row) {
  ContactRecord record;
  ARREARS_ASSIGN_OR_RETURN(record.request,
                           ParseColumn<strategy::v1::ContactRequest>(row, 15, "contact request"));
  record.attempt_id = std::string(row.ColumnText(2));
  const int64_t state = row.ColumnInt64(3);
  if (state < 0 || state > static_cast<int64_t>(kLastContactState)) {
    return absl::DataLossError(absl::StrCat("contact store: unknown state ", state));
  }
  record.state = static_cast<ContactState>(state);
  record.timer_at = ColumnTime(row, 4);
  record.claimed_until = ColumnTime(row, 5);
  record.checks = static_cast<int>(row.ColumnInt64(6));
  record.failed_tries = static_cast<int>(row.ColumnInt64(7));
  record.event_sequence = static_cast<int>(row.ColumnInt64(8));
  record.holds_rate_token = row.ColumnInt64(9) != 0;
  record.last_decision_id = std::string(row.ColumnText(10));
  record.cancel_reason = std::string(row.ColumnText(11));
  record.received_at = ColumnTime(row, 12);
  ARREARS_ASSIGN_OR_RETURN(record.contact_point,
                           ParseColumn<common::v1::ContactPoint>(row, 13, "contact point"));
  ARREARS_ASSIGN_OR_RETURN(record.sending_decision,
                           ParseColumn<v1::ComplianceDecisionRef>(row, 14, "decision"));
  record.batch_id = std::string(row.ColumnText(16));
  return record;
}

}  // namespace

std::vector<store::Migration> ContactMigrations() {
  const int base = store::kFirstServiceMigrationVersion;
  return {
      {base, "create contact_attempts",
       // One row per contact request (the idempotency key). due_at is the
       // durable timer: max(timer_at, claimed_until), NULL without a timer.
       "CREATE TABLE contact_attempts ("
       "  request_id TEXT PRIMARY KEY,"
       "  customer_id TEXT NOT NULL,"
       "  attempt_id TEXT NOT NULL,"
       "  state INTEGER NOT NULL,"
       "  due_at INTEGER,"
       "  timer_at INTEGER,"
       "  claimed_until INTEGER,"
       "  checks INTEGER NOT NULL,"
       "  failed_tries INTEGER NOT NULL,"
       "  event_sequence INTEGER NOT NULL,"
       "  holds_rate_token INTEGER NOT NULL,"
       "  last_decision_id TEXT NOT NULL,"
       "  cancel_reason TEXT NOT NULL,"
       "  received_at INTEGER,"
       "  contact_point BLOB NOT NULL,"
       "  sending_decision BLOB NOT NULL,"
       "  request BLOB NOT NULL);"
       "CREATE INDEX contact_attempts_due ON contact_attempts (due_at) WHERE due_at IS NOT NULL;"
       "CREATE INDEX contact_attempts_unsent ON contact_attempts (customer_id)"
       "  WHERE state IN (0, 1, 2, 3);"},
      {base + 1, "create field_visits",
       "CREATE TABLE field_visits ("
       "  field_visit_id TEXT PRIMARY KEY,"
       "  customer_id TEXT NOT NULL,"
       "  state INTEGER NOT NULL,"
       "  region TEXT NOT NULL,"
       "  visit_day INTEGER NOT NULL,"
       "  window_start INTEGER NOT NULL,"
       "  visit BLOB NOT NULL);"
       "CREATE INDEX field_visits_order ON field_visits (visit_day, window_start, field_visit_id);"
       "CREATE TABLE field_visit_staff ("
       "  staff_id TEXT NOT NULL,"
       "  field_visit_id TEXT NOT NULL,"
       "  PRIMARY KEY (staff_id, field_visit_id)) WITHOUT ROWID;"
       "CREATE INDEX field_visit_staff_visit ON field_visit_staff (field_visit_id);"},
      {base + 2, "create contact_cancellations",
       "CREATE TABLE contact_cancellations ("
       "  id INTEGER PRIMARY KEY,"
       "  customer_id TEXT NOT NULL,"
       "  effective_at INTEGER NOT NULL,"
       "  cancel BLOB NOT NULL);"
       "CREATE INDEX contact_cancellations_customer ON contact_cancellations (customer_id);"},
      {base + 3, "create contact_history",
       "CREATE TABLE contact_history ("
       "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  event_id TEXT NOT NULL UNIQUE,"
       "  customer_id TEXT NOT NULL,"
       "  occurred_at INTEGER NOT NULL,"
       "  channel INTEGER NOT NULL,"
       "  event BLOB NOT NULL);"
       "CREATE INDEX contact_history_customer"
       "  ON contact_history (customer_id, occurred_at DESC, seq DESC);"
       "CREATE TABLE contact_history_loans ("
       "  seq INTEGER NOT NULL,"
       "  loan_id TEXT NOT NULL,"
       "  PRIMARY KEY (seq, loan_id)) WITHOUT ROWID;"
       "CREATE TABLE outcome_requests ("
       "  request_id TEXT PRIMARY KEY,"
       "  event_id TEXT NOT NULL) WITHOUT ROWID;"},
      {base + 4, "create templates and contact_directory",
       "CREATE TABLE templates ("
       "  name TEXT PRIMARY KEY,"
       "  template BLOB NOT NULL);"
       "CREATE TABLE contact_directory ("
       "  customer_id TEXT PRIMARY KEY,"
       "  occurred_at INTEGER NOT NULL,"
       "  contact_data BLOB NOT NULL);"},
      {base + 5, "index field_visits by customer and attempts by attempt id",
       "CREATE INDEX field_visits_customer ON field_visits (customer_id, state);"
       "CREATE INDEX contact_attempts_attempt ON contact_attempts (attempt_id);"},
      {base + 6, "create outcome_notes",
       // RecordOutcome notes, sealed (notes_sealer.h); never published.
       "CREATE TABLE outcome_notes ("
       "  event_id TEXT PRIMARY KEY,"
       "  sealed_notes TEXT NOT NULL) WITHOUT ROWID;"},
      {base + 7, "agency batches: batch_id of placements, unsent index with batch states",
       // Batch records (kBatchOpen, kBatchHandingOver) are rows of their own
       // with no customer; their placements point at them by batch_id.
       "ALTER TABLE contact_attempts ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';"
       "CREATE INDEX contact_attempts_batch ON contact_attempts (batch_id) WHERE batch_id != '';"
       "DROP INDEX contact_attempts_unsent;"
       "CREATE INDEX contact_attempts_unsent ON contact_attempts (customer_id)"
       "  WHERE state IN (0, 1, 2, 3, 9, 10, 11);"},
  };
}

absl::StatusOr<SqliteContactStore> SqliteContactStore::In(store::SqliteDatabase& db,
                                                          store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db.Unwrap(txn));
  return SqliteContactStore(sqlite);
}

absl::StatusOr<std::optional<ContactRecord>> SqliteContactStore::Get(
    const std::string& request_id) {
  return FindRecordWhere("request_id = ?1", request_id);
}

absl::StatusOr<std::optional<ContactRecord>> SqliteContactStore::FindByAttemptId(
    const std::string& attempt_id) {
  return FindRecordWhere("attempt_id = ?1", attempt_id);
}

absl::StatusOr<std::optional<ContactRecord>> SqliteContactStore::FindRecordWhere(
    absl::string_view condition, const std::string& value) {
  ARREARS_ASSIGN_OR_RETURN(std::vector<ContactRecord> records, ListRecordsWhere(condition, value));
  if (records.empty()) return std::optional<ContactRecord>();
  return std::optional<ContactRecord>(std::move(records.front()));
}

absl::Status SqliteContactStore::Put(const ContactRecord& record) {
  const std::string contact_point = record.contact_point.SerializeAsString();
  const std::string decision = record.sending_decision.SerializeAsString();
  const std::string request = record.request.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement upsert,
      txn_->Prepare("INSERT OR REPLACE INTO contact_attempts (request_id, customer_id, attempt_id, "
                    "state, timer_at, claimed_until, checks, failed_tries, event_sequence, "
                    "holds_rate_token, last_decision_id, cancel_reason, received_at, "
                    "contact_point, sending_decision, request, due_at, batch_id) VALUES (?1, "
                    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                    "?18)"));
  upsert.BindText(1, record.request.request_id());
  upsert.BindText(2, record.request.customer_id());
  upsert.BindText(3, record.attempt_id);
  upsert.BindInt64(4, static_cast<int64_t>(record.state));
  BindTime(upsert, 5, record.timer_at);
  BindTime(upsert, 6, record.claimed_until);
  upsert.BindInt64(7, record.checks);
  upsert.BindInt64(8, record.failed_tries);
  upsert.BindInt64(9, record.event_sequence);
  upsert.BindInt64(10, record.holds_rate_token ? 1 : 0);
  upsert.BindText(11, record.last_decision_id);
  upsert.BindText(12, record.cancel_reason);
  BindTime(upsert, 13, record.received_at);
  upsert.BindBlob(14, contact_point);
  upsert.BindBlob(15, decision);
  upsert.BindBlob(16, request);
  BindTime(upsert, 17, DueAt(record));
  upsert.BindText(18, record.batch_id);
  return upsert.Run();
}

absl::StatusOr<std::vector<ContactRecord>> SqliteContactStore::ListUnsent(
    const std::string& customer_id) {
  return ListRecordsWhere("customer_id = ?1 AND state IN (0, 1, 2, 3, 9, 10, 11)", customer_id);
}

absl::StatusOr<std::vector<ContactRecord>> SqliteContactStore::ListBatchMembers(
    const std::string& batch_id) {
  return ListRecordsWhere("batch_id = ?1 AND batch_id != ''", batch_id);
}

absl::StatusOr<std::vector<ContactRecord>> SqliteContactStore::ListRecordsWhere(
    absl::string_view condition, const std::string& value) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare(absl::StrCat("SELECT " CONTACT_RECORD_COLUMNS " FROM contact_attempts WHERE ",
                                 condition, " ORDER BY request_id")));
  select.BindText(1, value);
  return ReadRows<ContactRecord>(select, ReadRecord);
}

absl::StatusOr<DueTimers> SqliteContactStore::ListDue(absl::Time now, int limit) {
  DueTimers due;
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                           txn_->Prepare("SELECT request_id FROM contact_attempts "
                                         "WHERE due_at IS NOT NULL AND due_at <= ?1 "
                                         "ORDER BY due_at LIMIT ?2"));
  select.BindInt64(1, Micros(now));
  select.BindInt64(2, limit);
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    due.request_ids.emplace_back(select.ColumnText(0));
  }
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement next,
                           txn_->Prepare("SELECT MIN(due_at) FROM contact_attempts "
                                         "WHERE due_at IS NOT NULL AND due_at > ?1"));
  next.BindInt64(1, Micros(now));
  ARREARS_ASSIGN_OR_RETURN(bool has_next, next.Step());
  if (has_next && !next.ColumnIsNull(0)) due.next_due = FromMicros(next.ColumnInt64(0));
  return due;
}

absl::StatusOr<std::optional<v1::FieldVisit>> SqliteContactStore::GetFieldVisit(
    const std::string& field_visit_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT visit FROM field_visits WHERE field_visit_id = ?1"));
  select.BindText(1, field_visit_id);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<v1::FieldVisit>();
  ARREARS_ASSIGN_OR_RETURN(v1::FieldVisit visit,
                           ParseColumn<v1::FieldVisit>(select, 0, "field visit"));
  return std::optional<v1::FieldVisit>(std::move(visit));
}

absl::Status SqliteContactStore::PutFieldVisit(const v1::FieldVisit& visit) {
  int64_t visit_day = kNoVisitDay;
  if (visit.has_visit_date()) {
    absl::StatusOr<absl::CivilDay> day = CivilDayFromProto(visit.visit_date(), "visit_date");
    if (day.ok()) visit_day = DaysSinceEpoch(*day);
  }
  const common::v1::TimeOfDay& start = visit.time_window().start();
  const int64_t window_start = start.hours() * 3600 + start.minutes() * 60 + start.seconds();
  const std::string bytes = visit.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement upsert,
      txn_->Prepare("INSERT OR REPLACE INTO field_visits (field_visit_id, customer_id, state, "
                    "region, visit_day, window_start, visit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  upsert.BindText(1, visit.field_visit_id());
  upsert.BindText(2, visit.customer_id());
  upsert.BindInt64(3, visit.state());
  upsert.BindText(4, visit.region());
  upsert.BindInt64(5, visit_day);
  upsert.BindInt64(6, window_start);
  upsert.BindBlob(7, bytes);
  ARREARS_RETURN_IF_ERROR(upsert.Run());
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement clear,
      txn_->Prepare("DELETE FROM field_visit_staff WHERE field_visit_id = ?1"));
  clear.BindText(1, visit.field_visit_id());
  ARREARS_RETURN_IF_ERROR(clear.Run());
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement add,
      txn_->Prepare("INSERT OR IGNORE INTO field_visit_staff (staff_id, field_visit_id) "
                    "VALUES (?1, ?2)"));
  add.BindText(2, visit.field_visit_id());
  for (const std::string& staff_id : visit.staff_ids()) {
    add.BindText(1, staff_id);
    ARREARS_RETURN_IF_ERROR(add.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::FieldVisit>> SqliteContactStore::ListUnstartedFieldVisits(
    const std::string& customer_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT visit FROM field_visits WHERE customer_id = ?1 AND state IN (?2, ?3) "
                    "ORDER BY field_visit_id"));
  select.BindText(1, customer_id);
  select.BindInt64(2, v1::FieldVisit::STATE_PLANNED);
  select.BindInt64(3, v1::FieldVisit::STATE_ASSIGNED);
  return ReadRows<v1::FieldVisit>(select, [](const store::SqliteStatement& row) {
    return ParseColumn<v1::FieldVisit>(row, 0, "field visit");
  });
}

absl::Status SqliteContactStore::AddCancellation(const Cancellation& cancellation) {
  const std::string bytes = cancellation.cancel.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement insert,
      txn_->Prepare("INSERT INTO contact_cancellations (customer_id, effective_at, cancel) "
                    "VALUES (?1, ?2, ?3)"));
  insert.BindText(1, cancellation.customer_id);
  insert.BindInt64(2, Micros(cancellation.effective_at));
  insert.BindBlob(3, bytes);
  return insert.Run();
}

absl::StatusOr<std::vector<Cancellation>> SqliteContactStore::ListCancellations(
    const std::string& customer_id) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                           txn_->Prepare("SELECT effective_at, cancel FROM contact_cancellations "
                                         "WHERE customer_id = ?1 ORDER BY id"));
  select.BindText(1, customer_id);
  return ReadRows<Cancellation>(
      select, [&customer_id](const store::SqliteStatement& row) -> absl::StatusOr<Cancellation> {
        Cancellation cancellation;
        cancellation.customer_id = customer_id;
        cancellation.effective_at = FromMicros(row.ColumnInt64(0));
        ARREARS_ASSIGN_OR_RETURN(
            cancellation.cancel,
            ParseColumn<strategy::v1::CancelPendingContacts>(row, 1, "cancellation"));
        return cancellation;
      });
}

absl::Status SqliteContactStore::AppendHistory(const v1::ContactEvent& event) {
  const std::string bytes = event.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement insert,
      txn_->Prepare("INSERT OR IGNORE INTO contact_history (event_id, customer_id, occurred_at, "
                    "channel, event) VALUES (?1, ?2, ?3, ?4, ?5)"));
  insert.BindText(1, event.event_id());
  insert.BindText(2, event.customer_id());
  insert.BindInt64(3, Micros(FromTimestamp(event.occurred_at())));
  insert.BindInt64(4, event.channel());
  insert.BindBlob(5, bytes);
  ARREARS_RETURN_IF_ERROR(insert.Run());
  if (insert.ChangedRows() == 0) return absl::OkStatus();  // already there
  const int64_t seq = txn_->LastInsertRowId();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement loan,
      txn_->Prepare("INSERT OR IGNORE INTO contact_history_loans (seq, loan_id) VALUES (?1, ?2)"));
  loan.BindInt64(1, seq);
  for (const std::string& loan_id : event.loan_ids()) {
    loan.BindText(2, loan_id);
    ARREARS_RETURN_IF_ERROR(loan.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::ContactEvent>> SqliteContactStore::GetHistoryEvent(
    const std::string& event_id) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                           txn_->Prepare("SELECT event FROM contact_history WHERE event_id = ?1"));
  select.BindText(1, event_id);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<v1::ContactEvent>();
  ARREARS_ASSIGN_OR_RETURN(v1::ContactEvent event,
                           ParseColumn<v1::ContactEvent>(select, 0, "contact event"));
  return std::optional<v1::ContactEvent>(std::move(event));
}

absl::StatusOr<HistoryPage> SqliteContactStore::ListHistory(const HistoryQuery& query) {
  int64_t after_time = kMaxInt;
  int64_t after_seq = kMaxInt;
  if (!query.page_token.empty()) {
    ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> fields,
                             DecodeToken(query.page_token, "history", 2));
    if (!absl::SimpleAtoi(fields[0], &after_time) || !absl::SimpleAtoi(fields[1], &after_seq)) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
  }
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT h.seq, h.occurred_at, h.event FROM contact_history h "
                    "WHERE h.customer_id = ?1 AND h.occurred_at >= ?2 AND h.occurred_at < ?3 "
                    "AND (?4 = 0 OR ((1 << h.channel) & ?4) != 0) "
                    "AND (?5 = '' OR EXISTS (SELECT 1 FROM contact_history_loans l "
                    "                        WHERE l.seq = h.seq AND l.loan_id = ?5)) "
                    "AND (h.occurred_at < ?6 OR (h.occurred_at = ?6 AND h.seq < ?7)) "
                    "ORDER BY h.occurred_at DESC, h.seq DESC LIMIT ?8"));
  select.BindText(1, query.customer_id);
  select.BindInt64(2, Micros(query.start_time));
  select.BindInt64(3, Micros(query.end_time));
  select.BindInt64(4, ChannelMask(query.channels));
  select.BindText(5, query.loan_id);
  select.BindInt64(6, after_time);
  select.BindInt64(7, after_seq);
  select.BindInt64(8, query.page_size + 1);
  HistoryPage page;
  int64_t last_time = 0;
  int64_t last_seq = 0;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    if (static_cast<int>(page.events.size()) == query.page_size) {
      page.next_page_token =
          EncodeToken("history", {absl::StrCat(last_time), absl::StrCat(last_seq)});
      break;
    }
    last_seq = select.ColumnInt64(0);
    last_time = select.ColumnInt64(1);
    ARREARS_ASSIGN_OR_RETURN(v1::ContactEvent event,
                             ParseColumn<v1::ContactEvent>(select, 2, "contact event"));
    page.events.push_back(std::move(event));
  }
  return page;
}

absl::StatusOr<std::optional<std::string>> SqliteContactStore::FindOutcomeRequest(
    const std::string& request_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT event_id FROM outcome_requests WHERE request_id = ?1"));
  select.BindText(1, request_id);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::string(select.ColumnText(0)));
}

absl::Status SqliteContactStore::PutOutcomeRequest(const std::string& request_id,
                                                   const std::string& event_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement insert,
      txn_->Prepare("INSERT INTO outcome_requests (request_id, event_id) VALUES (?1, ?2)"));
  insert.BindText(1, request_id);
  insert.BindText(2, event_id);
  return insert.Run();
}

absl::Status SqliteContactStore::PutOutcomeNotes(const std::string& event_id,
                                                 const std::string& sealed_notes) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement insert,
      txn_->Prepare("INSERT OR REPLACE INTO outcome_notes (event_id, sealed_notes) "
                    "VALUES (?1, ?2)"));
  insert.BindText(1, event_id);
  insert.BindText(2, sealed_notes);
  return insert.Run();
}

absl::StatusOr<std::optional<std::string>> SqliteContactStore::GetOutcomeNotes(
    const std::string& event_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT sealed_notes FROM outcome_notes WHERE event_id = ?1"));
  select.BindText(1, event_id);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::string(select.ColumnText(0)));
}

absl::StatusOr<FieldVisitPage> SqliteContactStore::ListFieldVisits(const FieldVisitQuery& query) {
  int64_t after_day = kMinInt;
  int64_t after_window = kMinInt;
  std::string after_id;
  if (!query.page_token.empty()) {
    ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> fields,
                             DecodeToken(query.page_token, "visits", 3));
    if (!absl::SimpleAtoi(fields[0], &after_day) || !absl::SimpleAtoi(fields[1], &after_window)) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    after_id = fields[2];
  }
  int64_t state_mask = 0;
  if (query.states.empty()) {
    for (v1::FieldVisit::State state :
         {v1::FieldVisit::STATE_PLANNED, v1::FieldVisit::STATE_ASSIGNED,
          v1::FieldVisit::STATE_CHECKED_IN}) {
      state_mask |= int64_t{1} << state;
    }
  } else {
    for (v1::FieldVisit::State state : query.states) state_mask |= int64_t{1} << state;
  }
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare(
          "SELECT v.visit_day, v.window_start, v.field_visit_id, v.visit FROM field_visits v "
          "WHERE (?1 = '' OR v.customer_id = ?1) AND (?2 = '' OR v.region = ?2) "
          "AND ((1 << v.state) & ?3) != 0 AND v.visit_day >= ?4 AND v.visit_day <= ?5 "
          "AND (?6 = '' OR EXISTS (SELECT 1 FROM field_visit_staff s "
          "                        WHERE s.staff_id = ?6 AND s.field_visit_id = v.field_visit_id)) "
          "AND (v.visit_day, v.window_start, v.field_visit_id) > (?7, ?8, ?9) "
          "ORDER BY v.visit_day, v.window_start, v.field_visit_id LIMIT ?10"));
  select.BindText(1, query.customer_id);
  select.BindText(2, query.region);
  select.BindInt64(3, state_mask);
  select.BindInt64(4, query.start_date ? DaysSinceEpoch(*query.start_date) : kMinInt);
  select.BindInt64(5, query.end_date ? DaysSinceEpoch(*query.end_date) : kMaxInt);
  select.BindText(6, query.staff_id);
  select.BindInt64(7, after_day);
  select.BindInt64(8, after_window);
  select.BindText(9, after_id);
  select.BindInt64(10, query.page_size + 1);
  FieldVisitPage page;
  std::vector<std::string> last;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    if (static_cast<int>(page.field_visits.size()) == query.page_size) {
      page.next_page_token = EncodeToken("visits", last);
      break;
    }
    last = {absl::StrCat(select.ColumnInt64(0)), absl::StrCat(select.ColumnInt64(1)),
            std::string(select.ColumnText(2))};
    ARREARS_ASSIGN_OR_RETURN(v1::FieldVisit visit,
                             ParseColumn<v1::FieldVisit>(select, 3, "field visit"));
    page.field_visits.push_back(std::move(visit));
  }
  return page;
}

absl::Status SqliteContactStore::PutContactData(const std::string& customer_id,
                                                const customer::v1::ContactData& data,
                                                absl::Time occurred_at) {
  const std::string bytes = data.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement upsert,
      txn_->Prepare("INSERT INTO contact_directory (customer_id, occurred_at, contact_data) "
                    "VALUES (?1, ?2, ?3) ON CONFLICT (customer_id) DO UPDATE SET "
                    "occurred_at = excluded.occurred_at, contact_data = excluded.contact_data "
                    "WHERE excluded.occurred_at >= contact_directory.occurred_at"));
  upsert.BindText(1, customer_id);
  upsert.BindInt64(2, Micros(occurred_at));
  upsert.BindBlob(3, bytes);
  return upsert.Run();
}

absl::StatusOr<std::optional<customer::v1::ContactData>> SqliteContactStore::GetContactData(
    const std::string& customer_id) {
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      txn_->Prepare("SELECT contact_data FROM contact_directory WHERE customer_id = ?1"));
  select.BindText(1, customer_id);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<customer::v1::ContactData>();
  ARREARS_ASSIGN_OR_RETURN(customer::v1::ContactData data,
                           ParseColumn<customer::v1::ContactData>(select, 0, "contact data"));
  return std::optional<customer::v1::ContactData>(std::move(data));
}

absl::StatusOr<std::optional<v1::Template>> SqliteContactStore::LoadTemplate(
    const std::string& name) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                           txn_->Prepare("SELECT template FROM templates WHERE name = ?1"));
  select.BindText(1, name);
  ARREARS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<v1::Template>();
  ARREARS_ASSIGN_OR_RETURN(v1::Template t, ParseColumn<v1::Template>(select, 0, "template"));
  return std::optional<v1::Template>(std::move(t));
}

absl::Status SqliteContactStore::SaveTemplate(const v1::Template& message_template) {
  const std::string bytes = message_template.SerializeAsString();
  ARREARS_ASSIGN_OR_RETURN(
      store::SqliteStatement upsert,
      txn_->Prepare("INSERT OR REPLACE INTO templates (name, template) VALUES (?1, ?2)"));
  upsert.BindText(1, message_template.name());
  upsert.BindBlob(2, bytes);
  return upsert.Run();
}

absl::StatusOr<CustomerContact> SqliteContactDirectory::Lookup(const ContactLookup& lookup) {
  std::optional<customer::v1::ContactData> data;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
        ARREARS_ASSIGN_OR_RETURN(data, store.GetContactData(lookup.customer_id));
        return absl::OkStatus();
      }));
  if (!data.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("customer_id: no contact data yet for customer ", lookup.customer_id));
  }
  return LookupInContactData(*data, lookup);
}

absl::StatusOr<std::optional<v1::Template>> SqliteTemplateStore::Load(const std::string& name) {
  std::optional<v1::Template> found;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
        ARREARS_ASSIGN_OR_RETURN(found, store.LoadTemplate(name));
        return absl::OkStatus();
      }));
  return found;
}

absl::Status SqliteTemplateStore::Save(const v1::Template& message_template) {
  return db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
    return store.SaveTemplate(message_template);
  });
}

}  // namespace arrears::contact
