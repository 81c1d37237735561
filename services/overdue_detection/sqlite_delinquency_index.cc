#include "services/overdue_detection/sqlite_delinquency_index.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {
namespace {

// Filter lists travel as one JSON array parameter each (json_each), so the
// SQL text stays constant (one cached statement) whatever the list lengths.
// ?9 lists [product, first day, last day] ranges of oldest_overdue_day (the
// sort day, see kSortDay) whose DPD has an allowed bucket and class.
constexpr absl::string_view kListDelinquent =
    "SELECT loan_id, COALESCE(oldest_overdue_day, 2932896) AS sort_day"
    " FROM overdue_loans INDEXED BY overdue_loans_listed"
    // min_dpd 0 (?1 = ?5) admits DPD 0 too: every sort day.
    " WHERE state IN (2, 3)"
    " AND COALESCE(oldest_overdue_day, 2932896) <= (CASE WHEN ?1 >= ?5 THEN 2932896 ELSE ?1 END)"
    " AND (COALESCE(oldest_overdue_day, 2932896), loan_id) > (?2, ?3)"
    " AND state IN (SELECT value FROM json_each(?4))"
    " AND (?6 IS NULL OR product_code IN (SELECT value FROM json_each(?6)))"
    " AND (?7 IS NULL OR branch_id IN (SELECT value FROM json_each(?7)))"
    " AND (?9 IS NULL OR EXISTS (SELECT 1 FROM json_each(?9) AS r"
    "   WHERE json_extract(r.value, '$[0]') = product_code"
    "   AND COALESCE(oldest_overdue_day, ?5) BETWEEN json_extract(r.value, '$[1]')"
    "   AND json_extract(r.value, '$[2]')))"
    " ORDER BY COALESCE(oldest_overdue_day, 2932896), loan_id LIMIT ?8";
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

// The day number of kNoOverdueDay, spelled in the SQL above and in the
// index (overdue_schema.cc).
static_assert(kNoOverdueDay - absl::CivilDay(1970, 1, 1) == 2932896);

bool Allowed(const std::vector<std::string>& codes, const std::string& code) {
  return codes.empty() || std::find(codes.begin(), codes.end(), code) != codes.end();
}

// [product, first oldest overdue day, last one] for each stretch of DPD of
// each product whose bucket and class pass the filter, on `business_date`;
// nullopt when neither filter is set.
absl::optional<nlohmann::json> DpdRanges(const DelinquentLoanFilter& filter,
                                         const ProductCatalog& products,
                                         absl::CivilDay business_date) {
  if (filter.bucket_codes.empty() && filter.regulatory_classes.empty()) return absl::nullopt;
  nlohmann::json ranges = nlohmann::json::array();
  const int64_t today = DayNumber(business_date);
  for (const ProductConfig& product : products.products()) {
    // Bucket and class are constant between consecutive boundaries.
    std::vector<int64_t> starts = {0};
    for (int32_t boundary : product.dpd_boundaries()) starts.push_back(boundary);
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t low = starts[i];
      if (i + 1 < starts.size() && starts[i + 1] <= low) continue;
      const int32_t ordinal = product.BucketOrdinalFor(low);
      const bool bucket_ok = ordinal >= 0 &&
                             ordinal < static_cast<int32_t>(product.buckets.size()) &&
                             Allowed(filter.bucket_codes, product.buckets[ordinal].code);
      const delinquency::v1::RegulatoryClass regulatory_class = product.ClassFor(low);
      const bool class_ok =
          filter.regulatory_classes.empty() ||
          std::find(filter.regulatory_classes.begin(), filter.regulatory_classes.end(),
                    regulatory_class) != filter.regulatory_classes.end();
      if (!bucket_ok || !class_ok) continue;
      // DPD in [low, next start - 1], i.e. oldest overdue day in
      // [today - (next start - 1), today - low]; open-ended for the last.
      const int64_t first_day =
          i + 1 < starts.size() ? today - (starts[i + 1] - 1) : std::numeric_limits<int64_t>::min();
      ranges.push_back(nlohmann::json::array({product.code, first_day, today - low}));
    }
  }
  return ranges;
}

}  // namespace

absl::StatusOr<std::vector<DelinquentRow>> SqliteDelinquencyIndex::ListDelinquent(
    store::Transaction& txn, const DelinquentLoanFilter& filter, const ProductCatalog& products,
    absl::CivilDay business_date, const absl::optional<DelinquentCursor>& after, int limit) {
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
  std::string states, products_json, branches, ranges_json;
  std::vector<int> state_numbers(filter.states.begin(), filter.states.end());
  if (state_numbers.empty()) {
    state_numbers = {delinquency::v1::DELINQUENCY_STATE_DELINQUENT,
                     delinquency::v1::DELINQUENCY_STATE_CHARGED_OFF};
  }
  BindList(select, 4, state_numbers, &states);
  select.BindInt64(5, DayNumber(business_date));
  BindList(select, 6, filter.product_codes, &products_json);
  BindList(select, 7, filter.branch_ids, &branches);
  select.BindInt64(8, limit);
  if (absl::optional<nlohmann::json> ranges = DpdRanges(filter, products, business_date)) {
    ranges_json = ranges->dump();
    select.BindText(9, ranges_json);
  } else {
    select.BindNull(9);
  }
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
