// BenchApplier: the EventApplier the benchmarks run behind
// ExactlyOnceProcessor, shaped like a typical service (overdue detection: a
// loan event in, the loan's state row updated, a delinquency event out).
//
// Per inbound event, inside the processor's transaction:
//   1. upserts the aggregate's row in bench_aggregates (key = the event key):
//      events += 1, last event id and time;
//   2. enqueues one follow-up event on `out_topic` with the same key, a
//      payload of `payload_bytes` bytes and the id DeriveId(inbound ce_id,
//      "bench-follow-up") — derived, as services derive theirs, so that
//      re-processing would emit the same id.
// SUM(events) over bench_aggregates therefore counts applications: after a
// run it equals the number of distinct inbound events exactly when each was
// applied once.
//
// Not thread-safe: one Apply at a time (the processor's contract).
#ifndef ARREARS_BENCH_BENCH_APPLIER_H_
#define ARREARS_BENCH_BENCH_APPLIER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/events/event.h"
#include "common/store/event_applier.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"

namespace arrears::bench {

class BenchApplier final : public store::EventApplier {
 public:
  // CoreMigrations() plus the bench_aggregates table.
  static std::vector<store::Migration> Migrations();

  // `db` must outlive the applier.
  BenchApplier(store::SqliteDatabase* db, std::string out_topic, size_t payload_bytes);

  absl::Status Apply(const events::InboundEvent& inbound, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

  // The follow-up event Apply enqueues for `inbound` (for sizing and checks).
  events::Event FollowUp(const events::Event& inbound) const;

  // SUM(events) of bench_aggregates: applications committed so far.
  static absl::StatusOr<int64_t> CountApplications(store::SqliteDatabase& db);

 private:
  // Fills `*out` (reused across calls, so steady state does not allocate).
  void FillFollowUp(const events::Event& inbound, events::Event* out) const;

  store::SqliteDatabase* const db_;
  const std::string out_topic_;
  const std::string payload_;
  events::Event follow_up_;
};

}  // namespace arrears::bench

#endif  // ARREARS_BENCH_BENCH_APPLIER_H_
