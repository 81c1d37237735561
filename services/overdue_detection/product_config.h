// Product configuration of the overdue detection service: per loan product,
// the parameters that turn a schedule and its repayments into days past due
// (DPD), buckets, regulatory classes and penalty interest. The rules that use
// them are stated once, in ledger.h.
//
// Loaded from YAML (config/products.yaml is the shipped example):
//
//   products:
//     - code: CAR_LOAN                # [A-Z0-9_]+, unique
//       currency: CNY                 # every loan of the product is in it
//       grace_days: 3                 # overdue from due date + grace + 1; default 0
//       tolerance: "10.00"            # unpaid <= tolerance never makes an
//                                     # installment overdue; default "0"
//       allocation_order: [penalty, fees, interest, principal]   # the default
//       penalty:                      # omitted = no penalty interest
//         daily_rate: "0.05%"         # exact decimal (rate.h), 0 <= rate <= 1 %
//         rounding: half_even         # rounding.h spelling; default half_even
//       charge_off_dpd: 180           # required; > grace_days
//       pre_due_notice_days: [7, 3, 1]   # INSTALLMENT_DUE_SOON n days before;
//                                        # 0 = on the due date; default none
//       buckets:                      # default: CURRENT, M1 (1-30) ... M6
//         - {code: CURRENT, max_dpd: 0}     # (151-180), M7+ (over 180)
//         - {code: M1, max_dpd: 30}   # each bucket starts at the previous
//         - {code: M2+}               # max_dpd + 1; the last is open-ended
//       regulatory_classes:           # a class applies when DPD is OVER its
//         special_mention_over_dpd: 0 # threshold; defaults as shown (China's
//         substandard_over_dpd: 90    # 2023 risk classification rule);
//         doubtful_over_dpd: 270      # strictly increasing
//         loss_over_dpd: 360
//
// Unknown keys are errors (a misspelt "grace_day" must not silently become
// the default). Every validation error is InvalidArgument naming the product
// and field: "products[CAR_LOAN].buckets[2].max_dpd: must be greater than 30".
//
// Value types; immutable after loading, so a `const ProductCatalog` is safe to
// share between threads.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_PRODUCT_CONFIG_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_PRODUCT_CONFIG_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "common/money/currency.h"
#include "common/money/money.h"
#include "common/money/rate.h"
#include "common/money/rounding.h"

namespace arrears::overdue {

// The parts of an installment a repayment pays, in the order a product names.
enum class AllocationComponent { kPenalty, kFees, kInterest, kPrincipal };

// "penalty", "fees", "interest", "principal".
absl::string_view AllocationComponentName(AllocationComponent component);

struct BucketDefinition {
  std::string code;
  int32_t min_dpd = 0;
  // Unset only for the last, open-ended bucket.
  absl::optional<int32_t> max_dpd;
};

// A class applies when DPD is strictly greater than its threshold; below the
// first threshold a loan is NORMAL.
struct RegulatoryThresholds {
  int32_t special_mention_over_dpd = 0;
  int32_t substandard_over_dpd = 90;
  int32_t doubtful_over_dpd = 270;
  int32_t loss_over_dpd = 360;
};

struct ProductConfig {
  ProductConfig(std::string code, money::Currency currency);

  std::string code;
  money::Currency currency;
  int32_t grace_days = 0;
  money::Money tolerance;  // in `currency`, >= 0
  std::array<AllocationComponent, 4> allocation_order = {
      AllocationComponent::kPenalty, AllocationComponent::kFees, AllocationComponent::kInterest,
      AllocationComponent::kPrincipal};
  money::Rate penalty_daily_rate;  // zero = no penalty interest
  money::RoundingMode penalty_rounding = money::RoundingMode::kHalfEven;
  int32_t charge_off_dpd = 180;
  std::vector<int32_t> pre_due_notice_days;  // sorted ascending, unique
  std::vector<BucketDefinition> buckets;     // ordinal = index; [0] is current
  RegulatoryThresholds regulatory;

  // The default table: CURRENT (0), M1 (1-30), M2 (31-60) ... M6 (151-180),
  // M7+ (over 180).
  static std::vector<BucketDefinition> DefaultBuckets();

  // Ordinal of the bucket containing `dpd` (>= 0).
  int32_t BucketOrdinalFor(int64_t dpd) const;
  // NORMAL for dpd 0, then by the thresholds.
  delinquency::v1::RegulatoryClass ClassFor(int64_t dpd) const;
  // Penalty interest for one day on `unpaid_principal_minor` (>= 0, at most
  // kMaxAmountMinor of loan.h): principal x daily rate, rounded once with
  // penalty_rounding.
  int64_t DailyPenaltyMinor(int64_t unpaid_principal_minor) const;
  // Every DPD value at which the bucket, the class or the charge-off status
  // changes (bucket min_dpd > 0, class threshold + 1, charge_off_dpd), sorted
  // and unique. A delinquent loan needs re-evaluating only on these days.
  const std::vector<int32_t>& dpd_boundaries() const { return dpd_boundaries_; }

  // Recomputes dpd_boundaries(); the loaders call it after validation.
  void Finalize();

 private:
  std::vector<int32_t> dpd_boundaries_;
};

// OK or InvalidArgument "products[<code>].<field>: <reason>".
absl::Status ValidateProductConfig(const ProductConfig& product);

class ProductCatalog {
 public:
  // Parses and validates a whole configuration document.
  static absl::StatusOr<ProductCatalog> FromYaml(absl::string_view yaml_text);
  // Reads `path` and parses it; errors name the path.
  static absl::StatusOr<ProductCatalog> LoadFile(const std::string& path);
  // From products built in code (tests, tools); validates each and finalizes.
  static absl::StatusOr<ProductCatalog> FromProducts(std::vector<ProductConfig> products);

  // The product with `code`, or nullptr. Valid as long as the catalog lives.
  const ProductConfig* Find(absl::string_view code) const;
  const std::vector<ProductConfig>& products() const { return products_; }

 private:
  std::vector<ProductConfig> products_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_PRODUCT_CONFIG_H_
