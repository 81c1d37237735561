// SqliteProcessedEvents: ProcessedEvents on the processed_events table of a
// SqliteDatabase (see sqlite_core_schema.h). Thread-safe.
#ifndef ARREARS_COMMON_STORE_SQLITE_PROCESSED_EVENTS_H_
#define ARREARS_COMMON_STORE_SQLITE_PROCESSED_EVENTS_H_

#include <cstdint>

#include "common/store/processed_events.h"
#include "common/store/sqlite_database.h"

namespace arrears::store {

class SqliteProcessedEvents final : public ProcessedEvents {
 public:
  // `db` must outlive this object.
  explicit SqliteProcessedEvents(SqliteDatabase* db) : db_(db) {}

  absl::StatusOr<bool> MarkProcessed(Transaction& txn, absl::string_view event_id,
                                     absl::string_view consumer, absl::Time at) override;
  // Multi-row INSERTs of up to 128 ids, each in a savepoint: a few
  // statements per batch instead of one per event. A chunk with a duplicate
  // is rolled back and marked one by one.
  absl::StatusOr<std::vector<bool>> MarkProcessedBatch(
      Transaction& txn, absl::Span<const absl::string_view> event_ids, absl::string_view consumer,
      absl::Time at) override;
  // Scans the whole table in key order, a chunk per transaction, so a large
  // prune never holds the write lock for long. Meant to run rarely (e.g.
  // hourly).
  absl::StatusOr<int64_t> Prune(absl::Time older_than) override;

 private:
  SqliteDatabase* db_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_PROCESSED_EVENTS_H_
