// Conversions from the services' report messages to the report's figures
// (report.h), in one place. Pure functions; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_REPORT_FIGURES_H_
#define ARREARS_TOOLS_SIMULATOR_REPORT_FIGURES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "tools/simulator/report.h"
#include "tools/simulator/run_statistics.h"

namespace arrears::simulator {

// Rows summed over products and currencies, by bucket code.
std::map<std::string, BucketFigures> BucketsFromReport(
    const delinquency::v1::OverdueReport& report);

// The report's roll rates. InvalidArgument naming the field when as_of or
// previous_month_end is not a valid date.
absl::StatusOr<RollRateTable> RollRatesFromReport(const delinquency::v1::OverdueReport& report);

std::vector<VariantRow> VariantsFromReport(const std::string& strategy_id,
                                           const strategy::v1::StrategyReport& report);

AuditFigures AuditFromVerifyLog(const compliance::v1::VerifyLogResponse& response);

// Adds the verdicts of a QueryAudit page's decision entries to `counts`
// ("ALLOW", "DEFER", "DENY"). InvalidArgument naming the entry whose payload
// is not a ComplianceDecisionEvent.
absl::Status CountAuditedVerdicts(const compliance::v1::QueryAuditResponse& page,
                                  std::map<std::string, int64_t>& counts);

// The same bucket figures from the delinquency topic's latest snapshots.
std::map<std::string, BucketFigures> BucketsFromEvents(const StatisticsSnapshot& snapshot);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_REPORT_FIGURES_H_
