#include "services/compliance_auditing/service/request_records.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::service {
namespace {

constexpr char kCreateTable[] = R"sql(
CREATE TABLE compliance_requests (
  request_key TEXT PRIMARY KEY,
  answer      BLOB NOT NULL
) WITHOUT ROWID;
)sql";
constexpr char kSelect[] = "SELECT answer FROM compliance_requests WHERE request_key = ?1";
constexpr char kInsert[] = "INSERT INTO compliance_requests (request_key, answer) VALUES (?1, ?2)";

}  // namespace

std::vector<store::Migration> RequestRecordMigrations(int first_version) {
  return {{first_version, "create compliance request records", kCreateTable}};
}

absl::StatusOr<bool> RequestRecords::Find(store::Transaction& txn, absl::string_view key,
                                          google::protobuf::MessageLite& answer) const {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, sqlite->Prepare(kSelect));
  select.BindText(1, key);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return false;
  const absl::string_view bytes = select.ColumnBlob(0);
  if (!answer.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored answer to ", key, " does not parse"));
  }
  return true;
}

absl::Status RequestRecords::Put(store::Transaction& txn, absl::string_view key,
                                 const google::protobuf::MessageLite& answer) const {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement insert, sqlite->Prepare(kInsert));
  const std::string bytes = answer.SerializeAsString();
  insert.BindText(1, key);
  insert.BindBlob(2, bytes);
  return insert.Run();
}

}  // namespace arrears::compliance::service
