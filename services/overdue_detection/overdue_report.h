// OverdueReportBuilder: aggregates loan positions into the OverdueReport of
// overdue_service.proto: loans and amounts by product x bucket and by
// product x regulatory class on the report date, and roll rates from the
// buckets of the previous month end to those of the report date.
//
// Rules (the contract's, made exact):
//  - a loan counts in the rows when it exists on the report date and is not
//    closed; charged-off loans count in the bucket of their DPD;
//  - the roll starts from the loans that existed and were not closed at the
//    previous month end, each in its month-end bucket; a loan closed since
//    counts in its from-bucket's denominator but in no to-bucket (rates of a
//    from-bucket then sum to less than 100%);
//  - every bucket of a product's table and every class gets a row (zeros
//    included) for each product and currency with at least one loan; roll
//    rates list every to-bucket of each from-bucket that had loans;
//  - rates are parts per million rounded down, 0 for an empty denominator.
// Amounts are exact sums in minor units (int64; the rates use 128 bits).
//
// Not synchronized: one builder per report.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_REPORT_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// Where a loan stood at the previous month end.
struct MonthEndPosition {
  int32_t bucket_ordinal = 0;
  int64_t outstanding_minor = 0;
};

class OverdueReportBuilder {
 public:
  explicit OverdueReportBuilder(absl::CivilDay as_of);

  absl::CivilDay as_of() const { return as_of_; }
  // The last day of the month before as_of's.
  absl::CivilDay previous_month_end() const { return previous_month_end_; }

  // `now` is the loan's position at as_of (the loan exists then);
  // `month_end` is unset when the loan is not part of the roll.
  void Add(const Loan& loan, const ProductConfig& product, const LoanPosition& now,
           const absl::optional<MonthEndPosition>& month_end);

  delinquency::v1::OverdueReport Build(absl::Time generated_at, bool month_end_from_snapshot) const;

 private:
  struct BucketCell {
    int64_t loans = 0;
    int64_t total_overdue = 0;
    int64_t overdue_principal = 0;
    int64_t total_outstanding = 0;
  };
  struct Tally {
    int64_t loans = 0;
    int64_t outstanding = 0;
  };
  // (product, currency)
  using Group = std::pair<std::string, std::string>;
  struct GroupData {
    const ProductConfig* product = nullptr;
    std::map<int32_t, BucketCell> buckets;
    std::map<int, Tally> classes;
    std::map<int32_t, Tally> roll_from;                 // from bucket
    std::map<std::pair<int32_t, int32_t>, Tally> roll;  // (from, to), month-end amounts
  };

  const absl::CivilDay as_of_;
  const absl::CivilDay previous_month_end_;
  std::map<Group, GroupData> groups_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_REPORT_H_
