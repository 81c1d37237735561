// DecisionFeed: the compliance decisions topic, published from the audit log.
//
// Every CheckContact decision is an audit entry (kind DECISION) whose clear
// payload is the decision's ComplianceDecisionEvent less its audit index
// (audit_records.h). Enqueuing that event on the outbox as well wrote each
// decision twice in the group commit (about a third of its WAL pages), and
// the relay then deleted the row again. The audit log is already ordered,
// append-only and committed with the decision, so it serves as the topic's
// outbox: this feed hands its decision entries to an OutboxRelay
// (service::EventFeeds), in index order, as events identical to the ones the
// outbox carried — topic compliance.decisions, key the customer id, ce_id the
// decision id, the entry's record time and traceparent, and the payload the
// clear payload followed by the index (DecisionAuditIndexSuffix).
//
// Progress is one row (compliance_decision_feed: the next audit index to
// examine), advanced past published decisions and past entries of other
// kinds, which are skipped. Its first value is the log's size when the
// migration ran: decisions before it went through the outbox. Delivery is at
// least once (a crash between publish and MarkPublished republishes with the
// same ce_ids). A decision entry that does not parse (a damaged log, which
// VerifyLog reports) is logged and skipped, so it cannot stop the feed.
//
// Thread-safe (the relay serializes rounds anyway).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_FEED_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_FEED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/migration.h"
#include "common/store/outbox.h"
#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/audit_store.h"

namespace arrears::compliance::service {

// The feed's progress row, at `version`. Runs after the audit schema's
// migrations (it reads the log's size).
std::vector<store::Migration> DecisionFeedMigrations(int version);

class DecisionFeed final : public store::OutboxSource {
 public:
  // `db` (migrated with DecisionFeedMigrations) holds the progress row;
  // `log` is the audit store on the same database. Both must outlive the
  // feed. `event_source` is the events' ce_source. FailedPrecondition if the
  // progress row is missing.
  static absl::StatusOr<std::unique_ptr<DecisionFeed>> Create(store::SqliteDatabase* db,
                                                              audit::AuditStore* log,
                                                              std::string event_source);

  // Up to `limit` decision events at or after the progress index, in index
  // order; each record's sequence is its audit index. When the entries
  // examined hold no decision, progress moves past them at once.
  absl::StatusOr<std::vector<store::OutboxRecord>> FetchUnpublished(int limit) override;
  // Moves progress past these records (and past the other entries the fetch
  // that returned them examined). Never moves it back.
  absl::Status MarkPublished(absl::Span<const store::OutboxRecordId> records) override;
  // Audit entries not yet examined (decisions and others alike): 0 once the
  // feed has caught up with the log.
  absl::StatusOr<int64_t> PendingCount() override;

  // The next audit index the feed examines.
  absl::StatusOr<uint64_t> Progress();
  // Decision entries skipped because they did not parse.
  int64_t skipped() const;

 private:
  DecisionFeed(store::SqliteDatabase* db, audit::AuditStore* log, std::string event_source)
      : db_(db), log_(log), event_source_(std::move(event_source)) {}
  absl::Status Advance(uint64_t next_index);

  store::SqliteDatabase* const db_;
  audit::AuditStore* const log_;
  const std::string event_source_;

  mutable absl::Mutex mu_;
  // The last fetch: the index of its last record and where its examination
  // ended, so that MarkPublished of that record moves past the rest too.
  uint64_t fetched_last_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fetched_end_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t skipped_through_ ABSL_GUARDED_BY(mu_) = 0;  // past the last one counted
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_DECISION_FEED_H_
