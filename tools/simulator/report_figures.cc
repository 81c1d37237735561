#include "tools/simulator/report_figures.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/proto_convert/proto_convert.h"

namespace arrears::simulator {

std::map<std::string, BucketFigures> BucketsFromReport(
    const delinquency::v1::OverdueReport& report) {
  std::map<std::string, BucketFigures> buckets;
  for (const delinquency::v1::OverdueReportRow& row : report.rows()) {
    BucketFigures& figures = buckets[row.bucket().code()];
    figures.ordinal = row.bucket().ordinal();
    figures.loans += row.loan_count();
    figures.overdue_minor += row.total_overdue().amount_minor();
    figures.outstanding_minor += row.total_outstanding().amount_minor();
  }
  return buckets;
}

absl::StatusOr<RollRateTable> RollRatesFromReport(const delinquency::v1::OverdueReport& report) {
  RollRateTable table;
  absl::StatusOr<absl::CivilDay> as_of = CivilDayFromProto(report.as_of(), "as_of");
  if (!as_of.ok()) return as_of.status();
  absl::StatusOr<absl::CivilDay> previous =
      CivilDayFromProto(report.previous_month_end(), "previous_month_end");
  if (!previous.ok()) return previous.status();
  table.as_of = *as_of;
  table.previous_month_end = *previous;
  for (const delinquency::v1::RollRate& rate : report.roll_rates()) {
    table.rows.push_back(RollRateRow{.product_code = rate.product_code(),
                                     .from_bucket = rate.from_bucket().code(),
                                     .from_ordinal = rate.from_bucket().ordinal(),
                                     .to_bucket = rate.to_bucket().code(),
                                     .to_ordinal = rate.to_bucket().ordinal(),
                                     .from_loans = rate.from_loan_count(),
                                     .to_loans = rate.to_loan_count(),
                                     .count_rate_ppm = rate.count_rate_ppm(),
                                     .amount_rate_ppm = rate.amount_rate_ppm()});
  }
  return table;
}

std::vector<VariantRow> VariantsFromReport(const std::string& strategy_id,
                                           const strategy::v1::StrategyReport& report) {
  std::vector<VariantRow> rows;
  for (const strategy::v1::VariantOutcome& outcome : report.variants()) {
    rows.push_back(VariantRow{.strategy_id = strategy_id,
                              .version = outcome.strategy_version(),
                              .variant_id = outcome.variant_id(),
                              .champion = outcome.champion(),
                              .cases = outcome.case_count(),
                              .cured = outcome.cured_count(),
                              .cure_rate_ppm = outcome.cure_rate_ppm(),
                              .contacts = outcome.contact_count(),
                              .contacts_per_cure_milli = outcome.contacts_per_cure_milli(),
                              .mean_days_to_cure_milli = outcome.mean_days_to_cure_milli()});
  }
  return rows;
}

AuditFigures AuditFromVerifyLog(const compliance::v1::VerifyLogResponse& response) {
  AuditFigures audit;
  audit.ok = response.ok();
  audit.entries_verified = response.entries_verified();
  audit.problem = response.problem();
  if (response.has_first_bad_index()) audit.first_bad_index = response.first_bad_index();
  return audit;
}

absl::Status CountAuditedVerdicts(const compliance::v1::QueryAuditResponse& page,
                                  std::map<std::string, int64_t>& counts) {
  for (const compliance::v1::AuditEntry& entry : page.entries()) {
    if (entry.record().kind() != compliance::v1::AUDIT_RECORD_KIND_DECISION) continue;
    compliance::v1::ComplianceDecisionEvent decision;
    if (!decision.ParseFromString(entry.record().payload())) {
      return absl::InvalidArgumentError(
          absl::StrCat(entry.name(), ": payload is not a ComplianceDecisionEvent"));
    }
    std::string verdict = compliance::v1::Verdict_Name(decision.decision().verdict());
    if (absl::StartsWith(verdict, "VERDICT_")) verdict = verdict.substr(8);
    ++counts[verdict];
  }
  return absl::OkStatus();
}

std::map<std::string, BucketFigures> BucketsFromEvents(const StatisticsSnapshot& snapshot) {
  std::map<std::string, BucketFigures> buckets;
  for (const auto& [code, loans] : snapshot.loans_by_bucket) {
    BucketFigures& figures = buckets[code];
    auto ordinal = snapshot.bucket_ordinals.find(code);
    figures.ordinal = ordinal == snapshot.bucket_ordinals.end() ? 0 : ordinal->second;
    figures.loans = loans;
    auto overdue = snapshot.overdue_by_bucket.find(code);
    figures.overdue_minor = overdue == snapshot.overdue_by_bucket.end() ? 0 : overdue->second;
  }
  return buckets;
}

}  // namespace arrears::simulator
