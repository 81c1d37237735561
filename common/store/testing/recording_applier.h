// RecordingApplier: an EventApplier for tests and checks of the exactly-once
// path on a SqliteDatabase.
//
// Each applied event becomes one row of applied_events(event_id, event_key)
// (not unique on purpose: a double application shows as two rows) and one
// follow-up event "<ce_id>/out" on `out_topic` with the same key and payload.
// Failures can be scripted per ce_id; they happen after both writes, so a
// test sees whether the processor undid them. Thread-safe.
//
// Like a real applier, a scripted failure repeats for as long as it is set:
// the processor may call Apply more than once for an event before a commit.
#ifndef ARREARS_COMMON_STORE_TESTING_RECORDING_APPLIER_H_
#define ARREARS_COMMON_STORE_TESTING_RECORDING_APPLIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event.h"
#include "common/store/event_applier.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"

namespace arrears::store {

class RecordingApplier final : public EventApplier {
 public:
  // CoreMigrations() plus the applied_events table.
  static std::vector<Migration> Migrations();

  // `db` must outlive the applier.
  RecordingApplier(SqliteDatabase* db, std::string out_topic)
      : db_(db), out_topic_(std::move(out_topic)) {}

  absl::Status Apply(const events::InboundEvent& event, Transaction& txn,
                     OutboxWriter& outbox) override;

  // Applications of `event_id` fail with `status` until ClearFailure.
  void SetFailure(absl::string_view event_id, absl::Status status);
  void ClearFailure(absl::string_view event_id);

  // Calls of Apply, including failed and rolled-back ones.
  int64_t apply_calls() const;

  // Rows of applied_events per ce_id, and all ce_ids in insertion order.
  static absl::StatusOr<int64_t> CountApplied(SqliteDatabase& db, absl::string_view event_id);
  static absl::StatusOr<std::vector<std::string>> AppliedIds(SqliteDatabase& db);

 private:
  SqliteDatabase* const db_;
  const std::string out_topic_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  int64_t apply_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// An inbound event with ce_id `id`, key `key` and a payload of `payload_size`
// bytes, as a consumer loop would hand it over.
events::InboundEvent TestInboundEvent(absl::string_view id, absl::string_view key = "loan-1",
                                      size_t payload_size = 16);

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_TESTING_RECORDING_APPLIER_H_
