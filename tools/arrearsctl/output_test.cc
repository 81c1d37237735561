#include "tools/arrearsctl/output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ctl {
namespace {

using ::testing::HasSubstr;

common::v1::Money Cny(int64_t minor) {
  common::v1::Money money;
  money.set_amount_minor(minor);
  money.set_currency_code("CNY");
  return money;
}

TEST(OutputTest, MoneyIsExactWithThousandsSeparators) {
  EXPECT_EQ(FormatMoney(Cny(123456789)), "1,234,567.89 CNY");
  EXPECT_EQ(FormatMoney(Cny(5)), "0.05 CNY");
  EXPECT_EQ(FormatMoney(Cny(-150000)), "-1,500.00 CNY");
  common::v1::Money odd;
  odd.set_amount_minor(7);
  odd.set_currency_code("XXZ");
  EXPECT_THAT(FormatMoney(odd), HasSubstr("7"));
}

TEST(OutputTest, LoanDecisionAndVerifyReadLikeSentences) {
  delinquency::v1::LoanDelinquency loan;
  delinquency::v1::DelinquencySnapshot& s = *loan.mutable_snapshot();
  s.set_loan_id("L1");
  s.set_customer_id("C1");
  s.set_state(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
  s.set_dpd(12);
  s.mutable_bucket()->set_code("M1");
  *s.mutable_total_overdue() = Cny(100000);
  const std::string text = FormatLoanDelinquency(loan, nullptr);
  EXPECT_THAT(text, HasSubstr("state DELINQUENT · dpd 12 · bucket M1"));
  EXPECT_THAT(text, HasSubstr("overdue 1,000.00 CNY"));

  compliance::v1::ContactDecision decision;
  decision.set_verdict(compliance::v1::VERDICT_DEFER);
  decision.add_reason_codes("QUIET_HOURS");
  decision.mutable_defer_until()->set_seconds(1'767'600'000);
  EXPECT_THAT(FormatDecision(decision), HasSubstr("DEFER (QUIET_HOURS) until 2026-01-05"));

  compliance::v1::VerifyLogResponse verify;
  verify.set_ok(false);
  verify.set_entries_verified(10);
  verify.set_first_bad_index(4);
  EXPECT_THAT(FormatVerifyLog(verify),
              HasSubstr("DOES NOT verify after 10 entries: first bad entry 4"));
  EXPECT_THAT(ToJson(verify), HasSubstr("\"firstBadIndex\":\"4\""));
}

TEST(OutputTest, OverdueReportShowsRowsAndRollRates) {
  delinquency::v1::OverdueReport report;
  report.mutable_as_of()->set_year(2026);
  report.mutable_as_of()->set_month(2);
  report.mutable_as_of()->set_day(1);
  delinquency::v1::OverdueReportRow& row = *report.add_rows();
  row.set_product_code("CAR_LOAN");
  row.mutable_bucket()->set_code("M2");
  row.set_loan_count(3);
  *row.mutable_total_overdue() = Cny(300000);
  delinquency::v1::RollRate& rate = *report.add_roll_rates();
  rate.set_product_code("CAR_LOAN");
  rate.mutable_from_bucket()->set_code("M1");
  rate.mutable_to_bucket()->set_code("M2");
  rate.set_from_loan_count(4);
  rate.set_count_rate_ppm(250000);
  const std::string text = FormatOverdueReport(report);
  EXPECT_THAT(text, HasSubstr("as of 2026-02-01"));
  EXPECT_THAT(text, HasSubstr("3,000.00 CNY"));
  EXPECT_THAT(text, HasSubstr("->M2 25.00%"));
}

}  // namespace
}  // namespace arrears::ctl
