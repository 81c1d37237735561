#include "services/compliance_auditing/service/decision_feed.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_statement.h"
#include "common/topics/topics.h"
#include "services/compliance_auditing/service/decision_event_bytes.h"

namespace arrears::compliance::service {
namespace {

using store::SqliteTransaction;
using store::SqliteTransactionMode;

constexpr char kCreateTable[] = R"sql(
CREATE TABLE compliance_decision_feed (
  id         INTEGER PRIMARY KEY CHECK (id = 0),
  next_index INTEGER NOT NULL
);
INSERT INTO compliance_decision_feed (id, next_index)
  SELECT 0, COALESCE((SELECT idx + 1 FROM audit_entries ORDER BY idx DESC LIMIT 1), 0);
)sql";
constexpr char kSelectProgress[] = "SELECT next_index FROM compliance_decision_feed WHERE id = 0";
constexpr char kAdvance[] =
    "UPDATE compliance_decision_feed SET next_index = ?1 WHERE id = 0 AND next_index < ?1";

// What the outbox carried for a decision (ComplianceCore before the feed).
absl::StatusOr<events::Event> DecisionEvent(const audit::StoredEntry& entry,
                                            const std::string& event_source) {
  v1::AuditRecord record;
  ARREARS_RETURN_IF_ERROR(audit::ParseStoredRecord(entry, record));
  if (record.source_id().empty()) {
    return absl::DataLossError(absl::StrCat("audit entry ", entry.index, ": no decision id"));
  }
  events::Event event;
  event.topic = topics::Spec(topics::v1::TOPIC_COMPLIANCE_DECISIONS).name();
  event.key = record.customer_id();
  event.envelope.id = record.source_id();
  event.envelope.type = std::string(v1::ComplianceDecisionEvent::descriptor()->full_name());
  event.envelope.source = event_source;
  event.envelope.time = entry.record_time;
  event.envelope.traceparent = record.traceparent();
  event.payload = absl::StrCat(record.payload(), DecisionAuditIndexSuffix(entry.index));
  return event;
}

}  // namespace

std::vector<store::Migration> DecisionFeedMigrations(int version) {
  return {{version, "create compliance decision feed progress", kCreateTable}};
}

absl::StatusOr<std::unique_ptr<DecisionFeed>> DecisionFeed::Create(store::SqliteDatabase* db,
                                                                   audit::AuditStore* log,
                                                                   std::string event_source) {
  if (db == nullptr || log == nullptr) {
    return absl::InvalidArgumentError("decision feed needs a database and an audit store");
  }
  std::unique_ptr<DecisionFeed> feed(new DecisionFeed(db, log, std::move(event_source)));
  if (absl::Status progress = feed->Progress().status(); !progress.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision feed progress missing in ", db->path(),
                     " (apply DecisionFeedMigrations): ", progress.message()));
  }
  return feed;
}

absl::StatusOr<uint64_t> DecisionFeed::Progress() {
  uint64_t next_index = 0;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, txn.Prepare(kSelectProgress));
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        if (!row) return absl::DataLossError("compliance_decision_feed has no row");
        next_index = static_cast<uint64_t>(select.ColumnInt64(0));
        return absl::OkStatus();
      }));
  return next_index;
}

absl::Status DecisionFeed::Advance(uint64_t next_index) {
  return db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, txn.Prepare(kAdvance));
        update.BindInt64(1, store::ToSqlInteger(next_index));
        return update.Run();
      });
}

absl::StatusOr<std::vector<store::OutboxRecord>> DecisionFeed::FetchUnpublished(int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  ARREARS_ASSIGN_OR_RETURN(const uint64_t begin, Progress());
  // The size first: entries committed after it are examined by the next
  // fetch, never passed over.
  ARREARS_ASSIGN_OR_RETURN(const uint64_t end, log_->Size());
  std::vector<store::OutboxRecord> records;
  if (begin >= end) return records;
  audit::EntryFilter filter;
  filter.kind_mask = audit::KindBit(v1::AUDIT_RECORD_KIND_DECISION);
  filter.begin_index = begin;
  filter.end_index = end;
  ARREARS_ASSIGN_OR_RETURN(std::vector<audit::StoredEntry> entries,
                           log_->FindEntries(filter, static_cast<size_t>(limit)));
  const uint64_t examined_end =
      entries.size() < static_cast<size_t>(limit) ? end : entries.back().index + 1;
  records.reserve(entries.size());
  std::vector<uint64_t> unreadable;
  for (const audit::StoredEntry& entry : entries) {
    absl::StatusOr<events::Event> event = DecisionEvent(entry, event_source_);
    if (!event.ok()) {
      runtime::LogError("decision feed: skipping an unreadable decision")
          .With("audit_index", static_cast<int64_t>(entry.index))
          .With("error", event.status().ToString());
      unreadable.push_back(entry.index);
      continue;
    }
    records.push_back({static_cast<int64_t>(entry.index), *std::move(event)});
  }
  {
    absl::MutexLock lock(&mu_);
    // A fetch repeated after a failed publish meets the same entries again.
    for (const uint64_t index : unreadable) {
      if (index < skipped_through_) continue;
      ++skipped_;
      skipped_through_ = index + 1;
    }
    if (!records.empty()) {
      fetched_last_ = static_cast<uint64_t>(records.back().sequence);
      fetched_end_ = examined_end;
    }
  }
  // Nothing to publish here (other kinds, or only unreadable decisions):
  // no MarkPublished will come for these entries.
  if (records.empty()) ARREARS_RETURN_IF_ERROR(Advance(examined_end));
  return records;
}

absl::Status DecisionFeed::MarkPublished(absl::Span<const store::OutboxRecordId> records) {
  if (records.empty()) return absl::OkStatus();
  uint64_t last = 0;
  for (const store::OutboxRecordId& record : records) {
    if (record.sequence < 0) return absl::InvalidArgumentError("sequence: negative");
    last = std::max(last, static_cast<uint64_t>(record.sequence));
  }
  uint64_t next_index = last + 1;
  {
    absl::MutexLock lock(&mu_);
    if (last == fetched_last_) next_index = std::max(next_index, fetched_end_);
  }
  return Advance(next_index);
}

absl::StatusOr<int64_t> DecisionFeed::PendingCount() {
  ARREARS_ASSIGN_OR_RETURN(const uint64_t next_index, Progress());
  ARREARS_ASSIGN_OR_RETURN(const uint64_t size, log_->Size());
  return size > next_index ? static_cast<int64_t>(size - next_index) : 0;
}

int64_t DecisionFeed::skipped() const {
  absl::MutexLock lock(&mu_);
  return skipped_;
}

}  // namespace arrears::compliance::service
