// Conversions from a LoanPosition to the delinquency contract types: the
// DelinquencySnapshot carried by every delinquency event, and the installment
// and history views of overdue_service.proto.
//
// Every Money is set (zeros included) in the loan's currency, every date
// that the contract says is "unset when ..." is left unset exactly then.
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_SNAPSHOT_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_SNAPSHOT_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "arrears/common/v1/money.pb.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// Who a snapshot is about: the loan's identifying fields (views into a Loan
// or a LoanBrief, which must outlive it).
struct LoanIdentity {
  absl::string_view loan_id;
  absl::string_view customer_id;
  absl::string_view product_code;
  absl::string_view branch_id;
  absl::string_view currency_code;
  absl::string_view time_zone;

  static LoanIdentity Of(const Loan& loan);
};

// What a snapshot reports of a position: everything BuildSnapshot reads, so
// a snapshot can be rebuilt later without the position (planned notices,
// planned_notice.h).
struct SnapshotFigures {
  absl::CivilDay as_of;
  delinquency::v1::DelinquencyState state = delinquency::v1::DELINQUENCY_STATE_CURRENT;
  int32_t dpd = 0;
  int32_t bucket_ordinal = 0;
  delinquency::v1::RegulatoryClass regulatory_class = delinquency::v1::REGULATORY_CLASS_NORMAL;
  ComponentAmounts overdue;
  int64_t total_outstanding_minor = 0;
  absl::optional<absl::CivilDay> oldest_overdue_due_date;
  int32_t missed_installment_count = 0;
  int64_t credit_minor = 0;
  absl::optional<absl::CivilDay> next_due_date;
  int64_t next_due_amount_minor = 0;
  absl::optional<absl::CivilDay> delinquent_since;

  static SnapshotFigures Of(const LoanPosition& position);

  friend bool operator==(const SnapshotFigures&, const SnapshotFigures&) = default;
};

delinquency::v1::DelinquencySnapshot BuildSnapshot(const LoanIdentity& loan,
                                                   const ProductConfig& product,
                                                   const SnapshotFigures& figures);
// The same, filled into `*out` (a cleared or new message).
void BuildSnapshot(const LoanIdentity& loan, const ProductConfig& product,
                   const SnapshotFigures& figures, delinquency::v1::DelinquencySnapshot* out);
delinquency::v1::DelinquencySnapshot BuildSnapshot(const Loan& loan, const ProductConfig& product,
                                                   const LoanPosition& position);

// `minor` in `currency_code`, as common/proto_convert's ToProto(Money) sets it.
common::v1::Money MoneyProto(int64_t minor, absl::string_view currency_code);
void SetMoney(int64_t minor, absl::string_view currency_code, common::v1::Money* money);

delinquency::v1::Bucket BucketProto(const ProductConfig& product, int32_t ordinal);
void SetBucket(const ProductConfig& product, int32_t ordinal, delinquency::v1::Bucket* bucket);

// Installments (not standalone fees) of the position, in due-date order.
std::vector<delinquency::v1::InstallmentStatus> InstallmentStatuses(const Loan& loan,
                                                                    const LoanPosition& position);

// `name` is the resource name, "loans/{loan_id}/delinquencyHistory".
delinquency::v1::DelinquencyHistory HistoryProto(const ProductConfig& product,
                                                 const DelinquencyHistory& history,
                                                 absl::string_view name);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_SNAPSHOT_H_
