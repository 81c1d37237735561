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
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

delinquency::v1::DelinquencySnapshot BuildSnapshot(const Loan& loan, const ProductConfig& product,
                                                   const LoanPosition& position);

delinquency::v1::Bucket BucketProto(const ProductConfig& product, int32_t ordinal);

// Installments (not standalone fees) of the position, in due-date order.
std::vector<delinquency::v1::InstallmentStatus> InstallmentStatuses(const Loan& loan,
                                                                    const LoanPosition& position);

// `name` is the resource name, "loans/{loan_id}/delinquencyHistory".
delinquency::v1::DelinquencyHistory HistoryProto(const ProductConfig& product,
                                                 const DelinquencyHistory& history,
                                                 absl::string_view name);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_SNAPSHOT_H_
