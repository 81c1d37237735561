#include "common/store/testing/recording_applier.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"

namespace arrears::store {
namespace {

constexpr absl::string_view kInsert =
    "INSERT INTO applied_events (event_id, event_key) VALUES (?1, ?2)";
constexpr absl::string_view kCount = "SELECT COUNT(*) FROM applied_events WHERE event_id = ?1";
constexpr absl::string_view kSelectAll = "SELECT event_id FROM applied_events ORDER BY row";

}  // namespace

std::vector<Migration> RecordingApplier::Migrations() {
  std::vector<Migration> migrations = CoreMigrations();
  migrations.push_back({kFirstServiceMigrationVersion, "create applied_events",
                        "CREATE TABLE applied_events ("
                        "  row INTEGER PRIMARY KEY,"
                        "  event_id TEXT NOT NULL,"
                        "  event_key TEXT NOT NULL);"});
  return migrations;
}

absl::Status RecordingApplier::Apply(const events::InboundEvent& inbound, Transaction& txn,
                                     OutboxWriter& outbox) {
  const events::Event& event = inbound.event;
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite_txn, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite_txn->Prepare(kInsert));
  insert.BindText(1, event.envelope.id);
  insert.BindText(2, event.key);
  ARREARS_RETURN_IF_ERROR(insert.Run());

  events::Event follow_up;
  follow_up.topic = out_topic_;
  follow_up.key = event.key;
  follow_up.envelope = event.envelope;
  follow_up.envelope.id = absl::StrCat(event.envelope.id, "/out");
  follow_up.envelope.source = "//arrears/store-test";
  follow_up.payload = event.payload;
  ARREARS_RETURN_IF_ERROR(outbox.Enqueue(follow_up));

  absl::MutexLock lock(&mu_);
  ++apply_calls_;
  auto it = failures_.find(event.envelope.id);
  return it != failures_.end() ? it->second : absl::OkStatus();
}

void RecordingApplier::SetFailure(absl::string_view event_id, absl::Status status) {
  absl::MutexLock lock(&mu_);
  failures_[event_id] = std::move(status);
}

void RecordingApplier::ClearFailure(absl::string_view event_id) {
  absl::MutexLock lock(&mu_);
  failures_.erase(event_id);
}

int64_t RecordingApplier::apply_calls() const {
  absl::MutexLock lock(&mu_);
  return apply_calls_;
}

absl::StatusOr<int64_t> RecordingApplier::CountApplied(SqliteDatabase& db,
                                                       absl::string_view event_id) {
  int64_t count = 0;
  ARREARS_RETURN_IF_ERROR(db.InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kCount));
        select.BindText(1, event_id);
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        count = row ? select.ColumnInt64(0) : 0;
        return absl::OkStatus();
      }));
  return count;
}

absl::StatusOr<std::vector<std::string>> RecordingApplier::AppliedIds(SqliteDatabase& db) {
  std::vector<std::string> ids;
  ARREARS_RETURN_IF_ERROR(db.InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectAll));
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
          if (!row) return absl::OkStatus();
          ids.emplace_back(select.ColumnText(0));
        }
      }));
  return ids;
}

events::InboundEvent TestInboundEvent(absl::string_view id, absl::string_view key,
                                      size_t payload_size) {
  events::InboundEvent inbound;
  inbound.event.topic = "arrears.loan.events";
  inbound.event.key = std::string(key);
  inbound.event.envelope.id = std::string(id);
  inbound.event.envelope.type = "arrears.loan.v1.RepaymentPosted";
  inbound.event.envelope.source = "//loan-system/core";
  inbound.event.envelope.time = absl::FromUnixSeconds(1'767'225'600);
  inbound.event.payload = std::string(payload_size, 'p');
  inbound.position = {inbound.event.topic, 0, 0};
  return inbound;
}

}  // namespace arrears::store
