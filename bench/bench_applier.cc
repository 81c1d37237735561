#include "bench/bench_applier.h"

#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/ids/id_generator.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"

namespace arrears::bench {
namespace {

// WITHOUT ROWID: the key is the only lookup, so one B-tree.
constexpr absl::string_view kCreateTable =
    "CREATE TABLE bench_aggregates ("
    "  aggregate_key TEXT PRIMARY KEY,"
    "  events INTEGER NOT NULL,"
    "  last_event_id TEXT NOT NULL,"
    "  last_event_time_us INTEGER NOT NULL"
    ") WITHOUT ROWID;";

constexpr absl::string_view kUpsert =
    "INSERT INTO bench_aggregates (aggregate_key, events, last_event_id, last_event_time_us)"
    " VALUES (?1, 1, ?2, ?3)"
    " ON CONFLICT (aggregate_key) DO UPDATE SET events = events + 1,"
    " last_event_id = excluded.last_event_id, last_event_time_us = excluded.last_event_time_us";

constexpr absl::string_view kSumEvents = "SELECT COALESCE(SUM(events), 0) FROM bench_aggregates";

constexpr absl::string_view kFollowUpType = "arrears.delinquency.v1.DelinquencyEvent";
constexpr absl::string_view kFollowUpSource = "//arrears/bench";
constexpr absl::string_view kFollowUpName = "bench-follow-up";

}  // namespace

std::vector<store::Migration> BenchApplier::Migrations() {
  std::vector<store::Migration> migrations = store::CoreMigrations();
  migrations.push_back(
      {store::kFirstServiceMigrationVersion, "create bench_aggregates", std::string(kCreateTable)});
  return migrations;
}

BenchApplier::BenchApplier(store::SqliteDatabase* db, std::string out_topic, size_t payload_bytes)
    : db_(db), out_topic_(std::move(out_topic)), payload_(payload_bytes, 'd') {}

absl::Status BenchApplier::Apply(const events::InboundEvent& inbound, store::Transaction& txn,
                                 store::OutboxWriter& outbox) {
  const events::Event& event = inbound.event;
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite_txn, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement upsert, sqlite_txn->Prepare(kUpsert));
  upsert.BindText(1, event.key);
  upsert.BindText(2, event.envelope.id);
  upsert.BindInt64(3, absl::ToUnixMicros(event.envelope.time));
  ARREARS_RETURN_IF_ERROR(upsert.Run());

  FillFollowUp(event, &follow_up_);
  return outbox.Enqueue(follow_up_);
}

events::Event BenchApplier::FollowUp(const events::Event& inbound) const {
  events::Event follow_up;
  FillFollowUp(inbound, &follow_up);
  return follow_up;
}

void BenchApplier::FillFollowUp(const events::Event& inbound, events::Event* out) const {
  out->topic = out_topic_;
  out->key = inbound.key;
  out->envelope.id = ids::DeriveId(inbound.envelope.id, kFollowUpName);
  out->envelope.type.assign(kFollowUpType.data(), kFollowUpType.size());
  out->envelope.source.assign(kFollowUpSource.data(), kFollowUpSource.size());
  out->envelope.time = inbound.envelope.time;
  out->envelope.traceparent = inbound.envelope.traceparent;
  out->payload = payload_;
}

absl::StatusOr<int64_t> BenchApplier::CountApplications(store::SqliteDatabase& db) {
  int64_t sum = 0;
  ARREARS_RETURN_IF_ERROR(db.InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, txn.Prepare(kSumEvents));
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        sum = row ? select.ColumnInt64(0) : 0;
        return absl::OkStatus();
      }));
  return sum;
}

}  // namespace arrears::bench
