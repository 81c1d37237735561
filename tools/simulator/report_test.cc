#include "tools/simulator/report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/simulator/svg_chart.h"

namespace arrears::simulator {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

SimulationReport Sample() {
  SimulationReport report;
  report.seed = 7;
  report.loans = 100;
  report.days = 2;
  report.start = absl::CivilDay(2026, 1, 5);
  report.wall_time = absl::Seconds(12);
  report.book.customers = 80;
  report.book.loans = 100;
  report.book.loans_by_product = {{"CAR_LOAN", 20}, {"CREDIT_CARD", 80}};
  report.book.principal_by_product = {{"CAR_LOAN", 123'456'78}, {"CREDIT_CARD", 5'000'00}};
  report.book.customers_by_behaviour[0] = 70;
  report.book.customers_by_time_zone = {{"Asia/Shanghai", 75}, {"America/New_York", 5}};
  report.book.events_by_kind = {{"loan_opened", 100}, {"repayment_posted", 40}};
  report.run.days_completed = 2;
  report.run.days_closed = 2;
  for (int d = 0; d < 2; ++d) {
    DayPoint point;
    point.day = report.start + d;
    point.live.delinquent_loans = 3 + d;
    point.live.cured = d;
    point.overdue_report = std::map<std::string, BucketFigures>{
        {"CURRENT", {.ordinal = 0, .loans = 90}},
        {"M1",
         {.ordinal = 1, .loans = 3 + d, .overdue_minor = 1'234'56, .outstanding_minor = 9'000'00}}};
    report.days_series.push_back(point);
  }
  report.roll_rates =
      std::vector<RollRateTable>{RollRateTable{.as_of = report.start + 1,
                                               .previous_month_end = absl::CivilDay(2025, 12, 31),
                                               .rows = {{.product_code = "CAR_LOAN",
                                                         .from_bucket = "M1",
                                                         .from_ordinal = 1,
                                                         .to_bucket = "CURRENT",
                                                         .to_ordinal = 0,
                                                         .from_loans = 4,
                                                         .to_loans = 1,
                                                         .count_rate_ppm = 250'000}}}};
  report.topics.contact_events = {
      {{"SMS", "SENT"}, 10}, {{"SMS", "DELIVERED"}, 9}, {{"VOICE_CALL", "ANSWERED"}, 4}};
  report.topics.attempts_by_channel = {{"SMS", 10}, {"VOICE_CALL", 6}};
  report.topics.contact_reasons = {{"CANCELLED/CURED", 3}, {"FAILED/INVALID_NUMBER", 5}};
  report.topics.decisions_by_verdict = {{"ALLOW", 14}, {"DEFER", 2}};
  report.topics.decisions_by_channel = {{{"SMS", "ALLOW"}, 10}, {{"VOICE_CALL", "DEFER"}, 2}};
  report.topics.decisions_by_reason = {{"QUIET_HOURS", 2}};
  report.topics.delinquency_events = {{"DELINQUENCY_EVENT_KIND_STARTED", 4}};
  report.variants = absl::UnimplementedError("GetStrategyReport: not implemented");
  report.audit = absl::UnavailableError("compliance_auditing not running");
  return report;
}

TEST(ReportTest, TextShowsFiguresAndListsWhatIsNotAvailable) {
  const std::string text = RenderTextReport(Sample());
  EXPECT_THAT(text, HasSubstr("seed 7"));
  EXPECT_THAT(text, HasSubstr("Overdue by bucket on 2026-01-06 (GetOverdueReport)"));
  EXPECT_THAT(text, HasSubstr("1,234.56"));
  EXPECT_THAT(text, HasSubstr("→CURRENT 25.00%"));
  EXPECT_THAT(text, HasSubstr("QUIET_HOURS 2"));
  EXPECT_THAT(text, HasSubstr("reasons: FAILED/INVALID_NUMBER 5 · CANCELLED/CURED 3"));
  EXPECT_THAT(text, HasSubstr("GetStrategyReport: n/a (GetStrategyReport: not implemented)"));
  EXPECT_THAT(text, HasSubstr("audit chain: n/a (compliance_auditing not running)"));
  EXPECT_THAT(text, HasSubstr("Not available (n/a)"));
  EXPECT_THAT(text, HasSubstr("CAR_LOAN 20 (123,456.78 CNY)"));
}

TEST(ReportTest, NotAvailableNamesEachMissingFigure) {
  SimulationReport report = Sample();
  report.days_series[1].overdue_report = absl::UnavailableError("overdue detection down");
  report.services_absent["strategy_routing"] = "no address file";
  const std::vector<std::string> missing = NotAvailable(report);
  EXPECT_THAT(missing, Contains(HasSubstr("service strategy_routing: no address file")));
  EXPECT_THAT(missing, Contains(AllOf(HasSubstr("GetOverdueReport"), HasSubstr("1 of 2 days"))));
  EXPECT_THAT(missing, Contains(HasSubstr("GetStrategyReport")));
  EXPECT_THAT(missing, Contains(HasSubstr("VerifyLog")));
  EXPECT_THAT(missing, Not(Contains(HasSubstr("roll rates"))));

  SimulationReport complete = Sample();
  complete.variants = std::vector<VariantRow>{};
  AuditFigures audit;
  audit.ok = true;
  audit.checkpoint_size = 10;
  audit.decisions_by_verdict = std::map<std::string, int64_t>{{"ALLOW", 14}, {"DEFER", 2}};
  complete.audit = audit;
  EXPECT_THAT(RenderTextReport(complete),
              HasSubstr("decisions in the audit log (QueryAudit): ALLOW 14 · DEFER 2"));
  EXPECT_TRUE(NotAvailable(complete).empty());
}

TEST(ReportTest, WithoutServiceReportsTheOverdueChartUsesTheTopic) {
  SimulationReport report = Sample();
  for (DayPoint& point : report.days_series) {
    point.overdue_report = absl::UnavailableError("down");
    point.overdue_from_events = {{"M2", {.ordinal = 2, .loans = 1, .overdue_minor = 500}}};
  }
  const std::string text = RenderTextReport(report);
  EXPECT_THAT(text, HasSubstr("latest snapshots on the delinquency topic"));
  EXPECT_THAT(RenderHtmlReport(report), HasSubstr("n/a from GetOverdueReport"));
}

TEST(ReportTest, HtmlIsSelfContainedWithChartsAndEscapedText) {
  SimulationReport report = Sample();
  report.run.problems.push_back("2026-01-05 open: <script>alert(1)</script>");
  const std::string html = RenderHtmlReport(report);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("<polygon"));  // overdue by bucket (stacked areas)
  EXPECT_THAT(html, HasSubstr("Roll rates"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, HasSubstr("class=\"na\""));
  EXPECT_THAT(html, HasSubstr("</html>"));
}

TEST(ReportTest, TextAndHtmlFollowHardshipPlansFromDeclarationToRestructure) {
  SimulationReport report = Sample();
  report.responder.outcomes["CONTACT_OUTCOME_HARDSHIP_DECLARED"] = 31;
  report.responder.plans_proposed = 17;
  report.responder.proposals_skipped = {{"plan pending", 9}, {"no open case", 5}};
  report.responder.plans_accepted = 14;
  report.responder.plans_declined = 3;
  report.responder.restructures = 13;
  report.responder.restructure_failures = 1;
  report.responder.failure_samples = {"plan P9 loan L7: <terms>"};
  report.run.action_failures["ProposePlan"] = 2;
  report.topics.plans_proposed = 15;
  report.topics.plans_accepted = 14;
  report.topics.plan_events["plan_agreed"] = 14;
  report.topics.variants[{"default-retail", "champion"}] = VariantTally{
      .cases = 40, .closed = 20, .cured = 10, .plans_proposed = 6, .plans_accepted = 5};

  const std::string text = RenderTextReport(report);
  EXPECT_THAT(text, HasSubstr("Hardship plans"));
  EXPECT_THAT(text, ::testing::ContainsRegex("hardship declared \\(outcomes recorded\\) +31"));
  EXPECT_THAT(text, ::testing::ContainsRegex("proposed by collectors \\(ProposePlan\\) +17 "
                                             "\\(failed 2\\)"));
  EXPECT_THAT(text, HasSubstr("no open case 5 · plan pending 9"));
  EXPECT_THAT(text, ::testing::ContainsRegex("PlanProposed case events +15"));
  EXPECT_THAT(text, HasSubstr("14 (failed 0) · declined 3"));
  EXPECT_THAT(text, ::testing::ContainsRegex("PlanAgreed plan events +14"));
  EXPECT_THAT(text, ::testing::ContainsRegex("loans restructured \\(ScheduleRestructured\\) +13 "
                                             "\\(failed 1\\)"));
  EXPECT_THAT(text, HasSubstr("! plan P9 loan L7"));
  EXPECT_THAT(text, HasSubstr("cured 10 (25.0%) · plans proposed 6, accepted 5"));

  const std::string html = RenderHtmlReport(report);
  EXPECT_THAT(html, HasSubstr("<h2>Hardship plans</h2>"));
  EXPECT_THAT(html, HasSubstr("PlanAccepted case events</th><td>14</td>"));
  EXPECT_THAT(html, HasSubstr("<th>plans proposed</th><th>plans accepted</th>"));
  EXPECT_THAT(html, HasSubstr("&lt;terms&gt;"));
}

TEST(FormatTest, MoneyAndRates) {
  EXPECT_EQ(FormatMinor(0), "0.00");
  EXPECT_EQ(FormatMinor(123456789), "1,234,567.89");
  EXPECT_EQ(FormatMinor(-5), "-0.05");
  EXPECT_EQ(FormatPpm(250'000), "25.00%");
  EXPECT_EQ(ShortNumber(1'500'000), "1.5M");
  EXPECT_EQ(HtmlEscape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

TEST(SvgChartTest, ChartsScaleToTheDataAndLabelTheSeries) {
  const std::string area =
      StackedAreaChart({"01-05", "01-06"}, {{"M1", {1, 2}}, {"M2", {0, 3}}}, "CNY");
  EXPECT_THAT(area, HasSubstr("<svg"));
  EXPECT_THAT(area, HasSubstr(">M2<"));
  EXPECT_THAT(area, HasSubstr(">5<"));  // axis maximum: 2 + 3
  const std::string bars = StackedBarChart({"SMS"}, {{"SENT", {10}}, {"FAILED", {2}}}, "events");
  EXPECT_THAT(bars, HasSubstr("SENT: 10 events"));
  const std::string empty = LineChart({}, {}, "count");
  EXPECT_THAT(empty, HasSubstr("</svg>"));
}

}  // namespace
}  // namespace arrears::simulator
