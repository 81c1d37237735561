#include "tools/simulator/report_figures.h"

#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

using ::arrears::testing::StatusIs;

TEST(ReportFiguresTest, OverdueRowsAreSummedOverProductsByBucket) {
  delinquency::v1::OverdueReport report;
  for (const char* product : {"CAR_LOAN", "CREDIT_CARD"}) {
    delinquency::v1::OverdueReportRow& row = *report.add_rows();
    row.set_product_code(product);
    row.mutable_bucket()->set_code("M1");
    row.mutable_bucket()->set_ordinal(1);
    row.set_loan_count(2);
    row.mutable_total_overdue()->set_amount_minor(100);
    row.mutable_total_outstanding()->set_amount_minor(1000);
  }
  const std::map<std::string, BucketFigures> buckets = BucketsFromReport(report);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets.at("M1").loans, 4);
  EXPECT_EQ(buckets.at("M1").overdue_minor, 200);
  EXPECT_EQ(buckets.at("M1").outstanding_minor, 2000);
  EXPECT_EQ(buckets.at("M1").ordinal, 1);
}

TEST(ReportFiguresTest, RollRatesNeedValidDates) {
  delinquency::v1::OverdueReport report;
  EXPECT_THAT(RollRatesFromReport(report),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("as_of")));
  report.mutable_as_of()->set_year(2026);
  report.mutable_as_of()->set_month(2);
  report.mutable_as_of()->set_day(28);
  report.mutable_previous_month_end()->set_year(2026);
  report.mutable_previous_month_end()->set_month(1);
  report.mutable_previous_month_end()->set_day(31);
  delinquency::v1::RollRate& rate = *report.add_roll_rates();
  rate.set_product_code("CAR_LOAN");
  rate.mutable_from_bucket()->set_code("M1");
  rate.mutable_to_bucket()->set_code("M2");
  rate.set_from_loan_count(10);
  rate.set_to_loan_count(3);
  rate.set_count_rate_ppm(300'000);
  ASSERT_OK_AND_ASSIGN(RollRateTable table, RollRatesFromReport(report));
  EXPECT_EQ(table.as_of, absl::CivilDay(2026, 2, 28));
  EXPECT_EQ(table.previous_month_end, absl::CivilDay(2026, 1, 31));
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].to_bucket, "M2");
  EXPECT_EQ(table.rows[0].count_rate_ppm, 300'000);
}

TEST(ReportFiguresTest, VariantsAndAuditAreCopied) {
  strategy::v1::StrategyReport report;
  strategy::v1::VariantOutcome& outcome = *report.add_variants();
  outcome.set_strategy_version(2);
  outcome.set_variant_id("early-call");
  outcome.set_case_count(50);
  outcome.set_cured_count(20);
  outcome.set_cure_rate_ppm(400'000);
  const std::vector<VariantRow> rows = VariantsFromReport("default-retail", report);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].strategy_id, "default-retail");
  EXPECT_EQ(rows[0].version, 2);
  EXPECT_EQ(rows[0].cure_rate_ppm, 400'000);

  compliance::v1::VerifyLogResponse verify;
  verify.set_ok(false);
  verify.set_entries_verified(9);
  verify.set_first_bad_index(4);
  verify.set_problem("leaf hash mismatch");
  const AuditFigures audit = AuditFromVerifyLog(verify);
  EXPECT_FALSE(audit.ok);
  EXPECT_EQ(audit.first_bad_index, 4u);
  EXPECT_EQ(audit.problem, "leaf hash mismatch");
}

TEST(ReportFiguresTest, AuditedDecisionsAreCountedByVerdict) {
  compliance::v1::QueryAuditResponse page;
  for (compliance::v1::Verdict verdict :
       {compliance::v1::VERDICT_ALLOW, compliance::v1::VERDICT_DEFER,
        compliance::v1::VERDICT_ALLOW}) {
    compliance::v1::AuditEntry& entry = *page.add_entries();
    entry.mutable_record()->set_kind(compliance::v1::AUDIT_RECORD_KIND_DECISION);
    compliance::v1::ComplianceDecisionEvent decision;
    decision.mutable_decision()->set_verdict(verdict);
    decision.SerializeToString(entry.mutable_record()->mutable_payload());
  }
  page.add_entries()->mutable_record()->set_kind(compliance::v1::AUDIT_RECORD_KIND_CONTACT_EVENT);
  std::map<std::string, int64_t> counts;
  ASSERT_OK(CountAuditedVerdicts(page, counts));
  EXPECT_EQ(counts.at("ALLOW"), 2);
  EXPECT_EQ(counts.at("DEFER"), 1);
  EXPECT_EQ(counts.size(), 2u);

  compliance::v1::AuditEntry& bad = *page.add_entries();
  bad.set_name("auditEntries/9");
  bad.mutable_record()->set_kind(compliance::v1::AUDIT_RECORD_KIND_DECISION);
  bad.mutable_record()->set_payload("\x0f garbage");
  EXPECT_THAT(CountAuditedVerdicts(page, counts),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("auditEntries/9")));
}

TEST(ReportFiguresTest, BucketsFromEventsUseTheLatestSnapshots) {
  StatisticsSnapshot snapshot;
  snapshot.loans_by_bucket = {{"M2", 3}};
  snapshot.overdue_by_bucket = {{"M2", 900}};
  snapshot.bucket_ordinals = {{"M2", 2}};
  const auto buckets = BucketsFromEvents(snapshot);
  EXPECT_EQ(buckets.at("M2").loans, 3);
  EXPECT_EQ(buckets.at("M2").overdue_minor, 900);
  EXPECT_EQ(buckets.at("M2").ordinal, 2);
}

}  // namespace
}  // namespace arrears::simulator
