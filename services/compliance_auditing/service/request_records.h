// RequestRecords: the answers already given to idempotent requests
// (CheckContact by check_id, RecordPreference by request_id, ...), so that a
// retry returns the first answer instead of acting twice. What a record
// holds is the caller's choice: the whole answer, or (CheckContact) a
// pointer to where the answer is already recorded.
//
// A record is written in the transaction that acts on the request, so the
// answer exists exactly when the effects do. Keys are namespaced by the
// caller ("check:<check_id>"). Thread-safe; use inside the caller's
// transaction of the service database.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_REQUEST_RECORDS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_REQUEST_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "google/protobuf/message_lite.h"

namespace arrears::compliance::service {

std::vector<store::Migration> RequestRecordMigrations(int first_version);

class RequestRecords {
 public:
  // `db` (migrated with RequestRecordMigrations) must outlive the object.
  explicit RequestRecords(store::SqliteDatabase* db) : db_(db) {}

  // The stored answer for `key` parsed into `answer`; false when none.
  absl::StatusOr<bool> Find(store::Transaction& txn, absl::string_view key,
                            google::protobuf::MessageLite& answer) const;
  absl::Status Put(store::Transaction& txn, absl::string_view key,
                   const google::protobuf::MessageLite& answer) const;

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_REQUEST_RECORDS_H_
