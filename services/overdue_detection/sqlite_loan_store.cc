#include "services/overdue_detection/sqlite_loan_store.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/overdue_detection/loan_record_codec.h"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {
namespace {

constexpr absl::string_view kFind = "SELECT handle FROM overdue_loans WHERE loan_id = ?1";
constexpr absl::string_view kInsert =
    "INSERT INTO overdue_loans (loan_id, next_boundary, product_code, branch_id, currency_code,"
    " state, bucket_ordinal, bucket_code, regulatory_class, oldest_overdue_day, record, brief)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (loan_id) DO NOTHING";
constexpr absl::string_view kUpdate =
    "UPDATE overdue_loans SET next_boundary = ?2, product_code = ?3, branch_id = ?4,"
    " currency_code = ?5, state = ?6, bucket_ordinal = ?7, bucket_code = ?8,"
    " regulatory_class = ?9, oldest_overdue_day = ?10, record = ?11, brief = ?12 WHERE handle = ?1";
constexpr absl::string_view kLoad = "SELECT record, brief FROM overdue_loans WHERE handle = ?1";
constexpr absl::string_view kLoadBrief = "SELECT brief FROM overdue_loans WHERE handle = ?1";
constexpr absl::string_view kUpdateBrief =
    "UPDATE overdue_loans SET next_boundary = ?2, brief = ?3 WHERE handle = ?1";
constexpr absl::string_view kLoadBusinessDate = "SELECT day FROM overdue_business_date";
constexpr absl::string_view kSaveBusinessDate =
    "INSERT INTO overdue_business_date (id, day) VALUES (1, ?1)"
    " ON CONFLICT (id) DO UPDATE SET day = excluded.day";
constexpr absl::string_view kBoundaries =
    "SELECT handle, next_boundary FROM overdue_loans INDEXED BY overdue_loans_by_boundary"
    " WHERE next_boundary IS NOT NULL";
constexpr absl::string_view kRecords =
    "SELECT handle, record, brief FROM overdue_loans ORDER BY handle";

// Rowids start at 1; handles at 0.
int64_t RowId(LoanHandle handle) { return static_cast<int64_t>(handle) + 1; }
LoanHandle HandleOf(int64_t rowid) { return static_cast<LoanHandle>(rowid - 1); }

void BindOptionalDay(store::SqliteStatement& statement, int index,
                     const absl::optional<absl::CivilDay>& day) {
  if (day.has_value()) {
    statement.BindInt64(index, DayNumber(*day));
  } else {
    statement.BindNull(index);
  }
}

// The record of columns `record` and `brief` (NULL in rows written before
// briefs existed: the record is then complete).
absl::StatusOr<LoanRecord> DecodeRow(const store::SqliteStatement& row, int record_column,
                                     int brief_column, LoanHandle handle) {
  absl::StatusOr<LoanRecord> record = LoanRecordCodec::Decode(row.ColumnBlob(record_column));
  if (!record.ok()) return Annotate(record.status(), absl::StrCat("loan handle ", handle));
  if (!row.ColumnIsNull(brief_column)) {
    absl::StatusOr<LoanBrief> brief = LoanRecordCodec::DecodeBrief(row.ColumnBlob(brief_column));
    if (!brief.ok()) return Annotate(brief.status(), absl::StrCat("loan handle ", handle));
    brief->ApplyTo(&*record);
  }
  return record;
}

}  // namespace

SqliteLoanStore::SqliteLoanStore(store::SqliteDatabase* db,
                                 std::shared_ptr<const ProductCatalog> products)
    : db_(db), products_(std::move(products)) {}

absl::StatusOr<SqliteLoanStore::Binding> SqliteLoanStore::Bind(store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  if (txn_ != nullptr && txn_ != sqlite) {
    return absl::FailedPreconditionError(
        "SqliteLoanStore is bound to another transaction (transactions must not overlap)");
  }
  store::SqliteTransaction* previous = txn_;
  txn_ = sqlite;
  return Binding(this, previous);
}

absl::StatusOr<store::SqliteTransaction*> SqliteLoanStore::Bound() const {
  if (txn_ == nullptr) {
    return absl::FailedPreconditionError("SqliteLoanStore used outside a bound transaction");
  }
  return txn_;
}

void SqliteLoanStore::BindColumns(store::SqliteStatement& statement, const LoanRecord& record,
                                  const std::string& encoded, const std::string& brief) const {
  BindOptionalDay(statement, 2, record.next_boundary);
  const Loan& loan = record.loan;
  statement.BindText(3, loan.product_code());
  statement.BindText(4, loan.branch_id());
  statement.BindText(5, loan.currency().code());
  const StatusSummary& status = record.status;
  statement.BindInt64(6, status.state);
  statement.BindInt64(7, status.bucket_ordinal);
  const ProductConfig* product = products_->Find(loan.product_code());
  const bool known_bucket = product != nullptr && status.bucket_ordinal >= 0 &&
                            status.bucket_ordinal < static_cast<int32_t>(product->buckets.size());
  // Static text: the catalog outlives every statement run.
  statement.BindText(8, known_bucket
                            ? absl::string_view(product->buckets[status.bucket_ordinal].code)
                            : absl::string_view());
  statement.BindInt64(9, status.regulatory_class);
  if (status.oldest_overdue_due_date.has_value()) {
    statement.BindInt64(10, DayNumber(*status.oldest_overdue_due_date));
  } else {
    statement.BindNull(10);
  }
  statement.BindBlob(11, encoded);
  statement.BindBlob(12, brief);
}

absl::StatusOr<absl::optional<LoanHandle>> SqliteLoanStore::Find(absl::string_view loan_id) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement find, txn->Prepare(kFind));
  find.BindText(1, loan_id);
  ARREARS_ASSIGN_OR_RETURN(const bool row, find.Step());
  if (!row) return absl::optional<LoanHandle>();
  return absl::optional<LoanHandle>(HandleOf(find.ColumnInt64(0)));
}

absl::StatusOr<LoanHandle> SqliteLoanStore::Insert(const LoanRecord& record) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  const std::string encoded = LoanRecordCodec::Encode(record, /*planned_notices=*/false);
  const std::string brief = LoanRecordCodec::EncodeBrief(LoanBrief::Of(record));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement insert, txn->Prepare(kInsert));
  insert.BindText(1, record.loan.loan_id());
  BindColumns(insert, record, encoded, brief);
  ARREARS_RETURN_IF_ERROR(insert.Run());
  if (insert.ChangedRows() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("loan_id: loan ", record.loan.loan_id(), " is already stored"));
  }
  return HandleOf(txn->LastInsertRowId());
}

absl::StatusOr<LoanRecord> SqliteLoanStore::Load(LoanHandle handle) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement load, txn->Prepare(kLoad));
  load.BindInt64(1, RowId(handle));
  ARREARS_ASSIGN_OR_RETURN(const bool row, load.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  return DecodeRow(load, 0, 1, handle);
}

absl::StatusOr<LoanBrief> SqliteLoanStore::LoadBrief(LoanHandle handle) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement load, txn->Prepare(kLoadBrief));
    load.BindInt64(1, RowId(handle));
    ARREARS_ASSIGN_OR_RETURN(const bool row, load.Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
    if (!load.ColumnIsNull(0)) {
      absl::StatusOr<LoanBrief> brief = LoanRecordCodec::DecodeBriefHead(load.ColumnBlob(0));
      if (!brief.ok()) return Annotate(brief.status(), absl::StrCat("loan handle ", handle));
      return brief;
    }
  }
  return LoanStore::LoadBrief(handle);
}

absl::Status SqliteLoanStore::UpdateBrief(LoanHandle handle, const LoanBrief& brief) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  // Bound without a copy: must outlive Run().
  const std::string encoded = LoanRecordCodec::EncodeBrief(brief);
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, txn->Prepare(kUpdateBrief));
  update.BindInt64(1, RowId(handle));
  BindOptionalDay(update, 2, brief.next_boundary);
  update.BindBlob(3, encoded);
  ARREARS_RETURN_IF_ERROR(update.Run());
  if (update.ChangedRows() == 0) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  return absl::OkStatus();
}

absl::Status SqliteLoanStore::Update(LoanHandle handle, const LoanRecord& record) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  const std::string encoded = LoanRecordCodec::Encode(record, /*planned_notices=*/false);
  const std::string brief = LoanRecordCodec::EncodeBrief(LoanBrief::Of(record));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement update, txn->Prepare(kUpdate));
  update.BindInt64(1, RowId(handle));
  BindColumns(update, record, encoded, brief);
  ARREARS_RETURN_IF_ERROR(update.Run());
  if (update.ChangedRows() == 0) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<absl::CivilDay>> SqliteLoanStore::LoadBusinessDate() {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement load, txn->Prepare(kLoadBusinessDate));
  ARREARS_ASSIGN_OR_RETURN(const bool row, load.Step());
  if (!row) return absl::optional<absl::CivilDay>();
  return absl::optional<absl::CivilDay>(DayFromNumber(load.ColumnInt64(0)));
}

absl::Status SqliteLoanStore::SaveBusinessDate(absl::CivilDay date) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement save, txn->Prepare(kSaveBusinessDate));
  save.BindInt64(1, DayNumber(date));
  return save.Run();
}

absl::Status SqliteLoanStore::ForEachNextBoundary(
    absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)> visit) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement scan, txn->Prepare(kBoundaries));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, scan.Step());
    if (!row) return absl::OkStatus();
    visit(HandleOf(scan.ColumnInt64(0)), DayFromNumber(scan.ColumnInt64(1)));
  }
}

absl::Status SqliteLoanStore::ForEachRecord(
    absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)> visit) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * txn, Bound());
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement scan, txn->Prepare(kRecords));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, scan.Step());
    if (!row) return absl::OkStatus();
    const LoanHandle handle = HandleOf(scan.ColumnInt64(0));
    ARREARS_ASSIGN_OR_RETURN(LoanRecord record, DecodeRow(scan, 1, 2, handle));
    ARREARS_RETURN_IF_ERROR(visit(handle, record));
  }
}

}  // namespace arrears::overdue
