#include "services/overdue_detection/sqlite_delinquency_index.h"

#include <limits>
#include <utility>

#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {
namespace {

// Filter lists travel as one JSON array parameter each (json_each), so the
// SQL text stays constant (one cached statement) whatever the list lengths.
constexpr absl::string_view kListDelinquent =
    "SELECT loan_id, oldest_overdue_day FROM overdue_loans INDEXED BY overdue_loans_delinquent"
    " WHERE state = 2 AND oldest_overdue_day <= ?1"
    " AND (oldest_overdue_day, loan_id) > (?2, ?3)"
    " AND (?4 IS NULL OR bucket_code IN (SELECT value FROM json_each(?4)))"
    " AND (?5 IS NULL OR regulatory_class IN (SELECT value FROM json_each(?5)))"
    " AND (?6 IS NULL OR product_code IN (SELECT value FROM json_each(?6)))"
    " AND (?7 IS NULL OR branch_id IN (SELECT value FROM json_each(?7)))"
    " ORDER BY oldest_overdue_day, loan_id LIMIT ?8";
constexpr absl::string_view kDeleteMonthEnd =
    "DELETE FROM overdue_month_end_buckets WHERE month_end = ?1";
constexpr absl::string_view kSnapshotMonthEnd =
    "INSERT INTO overdue_month_end_buckets (month_end, handle, bucket_ordinal)"
    " SELECT ?1, handle - 1, bucket_ordinal FROM overdue_loans INDEXED BY overdue_loans_delinquent"
    " WHERE state = 2";
constexpr absl::string_view kRecordMonthEnd =
    "INSERT INTO overdue_month_ends (month_end, loan_handles)"
    " VALUES (?1, (SELECT COALESCE(MAX(handle), 0) FROM overdue_loans))"
    " ON CONFLICT (month_end) DO UPDATE SET loan_handles = excluded.loan_handles";
constexpr absl::string_view kLoadMonthEnd =
    "SELECT loan_handles FROM overdue_month_ends WHERE month_end = ?1";
constexpr absl::string_view kLoadMonthEndBuckets =
    "SELECT handle, bucket_ordinal FROM overdue_month_end_buckets WHERE month_end = ?1";

template <typename T>
void BindList(store::SqliteStatement& statement, int index, const std::vector<T>& values,
              std::string* storage) {
  if (values.empty()) {
    statement.BindNull(index);
    return;
  }
  nlohmann::json array = nlohmann::json::array();
  for (const T& value : values) array.push_back(value);
  *storage = array.dump();
  statement.BindText(index, *storage);
}

}  // namespace

absl::StatusOr<std::vector<DelinquentRow>> SqliteDelinquencyIndex::ListDelinquent(
    store::Transaction& txn, const DelinquentLoanFilter& filter, absl::CivilDay business_date,
    const absl::optional<DelinquentCursor>& after, int limit) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select, sqlite->Prepare(kListDelinquent));
  select.BindInt64(1, DayNumber(business_date) - filter.min_dpd);
  if (after.has_value()) {
    select.BindInt64(2, DayNumber(after->oldest_overdue_due_date));
    select.BindText(3, after->loan_id);
  } else {
    select.BindInt64(2, std::numeric_limits<int64_t>::min());
    select.BindText(3, "");
  }
  // JSON texts bound by reference: they must outlive the statement's use.
  std::string buckets, classes, products, branches;
  std::vector<int> class_numbers(filter.regulatory_classes.begin(),
                                 filter.regulatory_classes.end());
  BindList(select, 4, filter.bucket_codes, &buckets);
  BindList(select, 5, class_numbers, &classes);
  BindList(select, 6, filter.product_codes, &products);
  BindList(select, 7, filter.branch_ids, &branches);
  select.BindInt64(8, limit);
  std::vector<DelinquentRow> rows;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return rows;
    rows.push_back({std::string(select.ColumnText(0)), DayFromNumber(select.ColumnInt64(1))});
  }
}

absl::Status SqliteDelinquencyIndex::SnapshotMonthEnd(store::Transaction& txn,
                                                      absl::CivilDay month_end) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  for (absl::string_view sql : {kDeleteMonthEnd, kSnapshotMonthEnd, kRecordMonthEnd}) {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement statement, sqlite->Prepare(sql));
    statement.BindInt64(1, DayNumber(month_end));
    ARREARS_RETURN_IF_ERROR(statement.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<MonthEndSnapshot>> SqliteDelinquencyIndex::LoadMonthEnd(
    store::Transaction& txn, absl::CivilDay month_end) {
  ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement head, sqlite->Prepare(kLoadMonthEnd));
  head.BindInt64(1, DayNumber(month_end));
  ARREARS_ASSIGN_OR_RETURN(const bool found, head.Step());
  if (!found) return absl::optional<MonthEndSnapshot>();
  MonthEndSnapshot snapshot;
  snapshot.loan_handles = head.ColumnInt64(0);
  ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement rows, sqlite->Prepare(kLoadMonthEndBuckets));
  rows.BindInt64(1, DayNumber(month_end));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) break;
    snapshot.bucket_by_handle[static_cast<LoanHandle>(rows.ColumnInt64(0))] =
        static_cast<int32_t>(rows.ColumnInt64(1));
  }
  return absl::optional<MonthEndSnapshot>(std::move(snapshot));
}

}  // namespace arrears::overdue
