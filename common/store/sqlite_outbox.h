// SqliteOutbox: Outbox on the outbox table of a SqliteDatabase (see
// sqlite_core_schema.h). Envelope attributes are columns (event_id,
// event_type, event_source, event_time_us, traceparent) next to topic,
// event_key and the payload BLOB. Published rows are deleted, which keeps the
// table as small as the publishing backlog. Thread-safe.
#ifndef ARREARS_COMMON_STORE_SQLITE_OUTBOX_H_
#define ARREARS_COMMON_STORE_SQLITE_OUTBOX_H_

#include <cstdint>
#include <vector>

#include "common/store/outbox.h"
#include "common/store/sqlite_database.h"

namespace arrears::store {

class SqliteOutbox final : public Outbox {
 public:
  // `db` must outlive this object.
  explicit SqliteOutbox(SqliteDatabase* db) : db_(db) {}

  absl::Status Enqueue(Transaction& txn, const events::Event& event) override;
  absl::StatusOr<std::vector<OutboxRecord>> FetchUnpublished(int limit) override;
  absl::Status MarkPublished(absl::Span<const OutboxRecordId> records) override;
  absl::StatusOr<int64_t> PendingCount() override;

 private:
  SqliteDatabase* db_;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_OUTBOX_H_
