// SqliteDelinquencyIndex: the queries the gRPC API needs over the plain
// columns of overdue_loans (overdue_schema.h), so that none of them scans the
// book or decodes records it does not return:
//
//  - ListDelinquent: delinquent and charged-off loans by DPD descending then
//    loan id, through the partial index on (oldest overdue day, loan_id) of
//    those two states (a charged-off loan without an overdue installment,
//    written off while current, sorts as DPD 0: last); DPD = business date -
//    oldest overdue due date, so a minimum DPD is an upper bound on that date
//    and the order needs no daily update. Filters (state, product, branch,
//    and bucket code and class as DPD ranges of each product: a charged-off
//    loan is not re-evaluated, so its stored bucket and class are those of
//    its charge-off, while its DPD keeps growing) are checked on the indexed
//    rows.
//  - month-end bucket snapshots: the bucket of every delinquent loan when a
//    close passes a month end (one INSERT ... SELECT over the same index:
//    cost proportional to delinquent loans), and the number of loans that
//    existed then (handles are dense, so "handle < count" tells).
//
// The columns are those of each loan's last evaluation, valid until its next
// boundary, which the close never passes without re-evaluating the loan: so
// state, bucket and class are those of the current business date.
//
// Every method works inside the caller's transaction of the database given
// at construction.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_DELINQUENCY_INDEX_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_DELINQUENCY_INDEX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "services/overdue_detection/loan_store.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// Empty lists match everything.
struct DelinquentLoanFilter {
  std::vector<std::string> bucket_codes;
  std::vector<delinquency::v1::RegulatoryClass> regulatory_classes;
  std::vector<std::string> product_codes;
  std::vector<std::string> branch_ids;
  int32_t min_dpd = 0;
  // DELINQUENT and/or CHARGED_OFF; empty = both.
  std::vector<delinquency::v1::DelinquencyState> states;
};

// A position in the listing order; the next page starts after it.
struct DelinquentCursor {
  absl::CivilDay oldest_overdue_due_date;
  std::string loan_id;
};

struct DelinquentRow {
  std::string loan_id;
  // kNoOverdueDay for a charged-off loan with nothing overdue (DPD 0).
  absl::CivilDay oldest_overdue_due_date;
};

// The sort date of a listed loan that has no overdue due date: after every
// real one, so it lists last (DPD 0).
inline constexpr absl::CivilDay kNoOverdueDay(9999, 12, 31);

struct MonthEndSnapshot {
  // Loans with a handle below this existed at the month end.
  int64_t loan_handles = 0;
  // Bucket ordinal of each loan delinquent then.
  absl::flat_hash_map<LoanHandle, int32_t> bucket_by_handle;
};

class SqliteDelinquencyIndex {
 public:
  // `db` must outlive this object.
  explicit SqliteDelinquencyIndex(store::SqliteDatabase* db) : db_(db) {}

  // Up to `limit` delinquent loans matching `filter` on `business_date`,
  // after `after`, in listing order. `products` gives each product's
  // buckets and classes by DPD.
  absl::StatusOr<std::vector<DelinquentRow>> ListDelinquent(
      store::Transaction& txn, const DelinquentLoanFilter& filter, const ProductCatalog& products,
      absl::CivilDay business_date, const absl::optional<DelinquentCursor>& after, int limit);

  // Records the month-end snapshot of `month_end` from the current columns
  // (replacing one taken before for that date).
  absl::Status SnapshotMonthEnd(store::Transaction& txn, absl::CivilDay month_end);
  // nullopt when no snapshot of `month_end` was taken.
  absl::StatusOr<absl::optional<MonthEndSnapshot>> LoadMonthEnd(store::Transaction& txn,
                                                                absl::CivilDay month_end);

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_SQLITE_DELINQUENCY_INDEX_H_
