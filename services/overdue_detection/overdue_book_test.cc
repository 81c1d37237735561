// The book's queries: ListDelinquentLoans, GetOverdueReport (worked example
// with exact cents and roll rates against the month-end snapshot) and the
// delinquency history.
#include "services/overdue_detection/overdue_book.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/testing/book_fixture.h"
#include "services/overdue_detection/testing/loan_events.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

// S1 never pays; S2 pays its first installment on time, then stops; S3 is
// disbursed after the February month end. STRICT: no grace, no tolerance,
// 0.05% a day penalty on overdue principal (50.00 cents a day per 1,000.00).
class OverdueBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(f_.Deliver(
        Opened("S1", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)), "open-S1"));
    ASSERT_OK(f_.Deliver(
        Opened("S2", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)), "open-S2"));
    ASSERT_OK(f_.book().CloseBusinessDay(D(2024, 2, 1)).status());
    ASSERT_OK(f_.Deliver(Repayment("S2", "R1", 100000, D(2024, 2, 1)), "pay-S2"));
    ASSERT_OK(f_.book().CloseBusinessDay(D(2024, 3, 5)).status());
    ASSERT_OK(f_.Deliver(
        Opened("S3", "STRICT", D(2024, 3, 5), Monthly(D(2024, 4, 10), 3, 300000, 0)), "open-S3"));
    ASSERT_OK(f_.book().CloseBusinessDay(D(2024, 3, 15)).status());
  }

  std::vector<std::string> Ids(const DelinquentLoanPage& page) {
    std::vector<std::string> ids;
    for (const auto& s : page.snapshots) ids.push_back(s.loan_id());
    return ids;
  }

  BookFixture f_{D(2024, 1, 15)};
};

TEST_F(OverdueBookTest, ListsDelinquentLoansWithFiltersAndPages) {
  ASSERT_OK_AND_ASSIGN(DelinquentLoanPage all, f_.book().ListDelinquentLoans({}));
  EXPECT_THAT(Ids(all), ElementsAre("S1", "S2"));
  EXPECT_EQ(all.snapshots[0].dpd(), 43);
  EXPECT_EQ(all.snapshots[0].bucket().code(), "M2");
  EXPECT_EQ(all.snapshots[1].dpd(), 14);
  EXPECT_TRUE(all.next_page_token.empty());

  ASSERT_OK_AND_ASSIGN(DelinquentLoanPage m1,
                       f_.book().ListDelinquentLoans({.filter = {.bucket_codes = {"M1"}}}));
  EXPECT_THAT(Ids(m1), ElementsAre("S2"));
  ASSERT_OK_AND_ASSIGN(DelinquentLoanPage late,
                       f_.book().ListDelinquentLoans({.filter = {.min_dpd = 15}}));
  EXPECT_THAT(Ids(late), ElementsAre("S1"));

  ASSERT_OK_AND_ASSIGN(DelinquentLoanPage first, f_.book().ListDelinquentLoans({.page_size = 1}));
  EXPECT_THAT(Ids(first), ElementsAre("S1"));
  ASSERT_FALSE(first.next_page_token.empty());
  ASSERT_OK_AND_ASSIGN(
      DelinquentLoanPage second,
      f_.book().ListDelinquentLoans({.page_size = 1, .page_token = first.next_page_token}));
  EXPECT_THAT(Ids(second), ElementsAre("S2"));
  EXPECT_TRUE(second.next_page_token.empty());
  EXPECT_THAT(f_.book().ListDelinquentLoans(
                  {.filter = {.min_dpd = 1}, .page_size = 1, .page_token = first.next_page_token}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token: issued for")));
}

TEST_F(OverdueBookTest, RejectsBadQueriesNamingTheField) {
  auto list = [&](DelinquentLoanQuery q) { return f_.book().ListDelinquentLoans(q).status(); };
  EXPECT_THAT(list({.filter = {.min_dpd = -1}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_dpd: must be >= 0")));
  EXPECT_THAT(list({.filter = {.bucket_codes = {"M1", "M99"}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bucket_codes[1]")));
  EXPECT_THAT(list({.filter = {.regulatory_classes = {dv1::REGULATORY_CLASS_UNSPECIFIED}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("regulatory_classes[0]")));
  EXPECT_THAT(list({.filter = {.product_codes = {"BOAT"}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("product_codes[0]")));
  EXPECT_THAT(list({.page_size = -5}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  EXPECT_THAT(list({.page_token = "not a token"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token: malformed")));
  EXPECT_THAT(f_.book().GetOverdueReport({.as_of = D(2024, 3, 16)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("as_of: 2024-03-16")));
  EXPECT_THAT(f_.book().GetOverdueReport({.product_codes = {"BOAT"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("product_codes[0]")));
  EXPECT_THAT(f_.book().GetLoan("NOPE"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OverdueBookTest, ReportCountsAmountsAndRollRatesToTheCent) {
  ASSERT_OK_AND_ASSIGN(dv1::OverdueReport report, f_.book().GetOverdueReport({}));
  EXPECT_EQ(report.as_of().day(), 15);
  EXPECT_EQ(report.previous_month_end().month(), 2);
  EXPECT_EQ(report.previous_month_end().day(), 29);
  EXPECT_TRUE(report.previous_month_end_from_snapshot());
  ASSERT_EQ(report.rows_size(), 8) << "every STRICT bucket";
  auto row = [&](int ordinal) { return report.rows(ordinal); };
  EXPECT_EQ(row(0).bucket().code(), "CURRENT");
  EXPECT_EQ(row(0).loan_count(), 1);  // S3
  EXPECT_EQ(row(0).total_outstanding().amount_minor(), 300000);
  // S2: 1,000.00 due Mar 1, 14 days of penalty at 0.50.
  EXPECT_EQ(row(1).bucket().code(), "M1");
  EXPECT_EQ(row(1).loan_count(), 1);
  EXPECT_EQ(row(1).overdue_principal().amount_minor(), 100000);
  EXPECT_EQ(row(1).total_overdue().amount_minor(), 100000 + 14 * 50);
  EXPECT_EQ(row(1).total_outstanding().amount_minor(), 200000 + 14 * 50);
  // S1: Feb 1 (43 days of penalty) and Mar 1 (14 days) unpaid.
  EXPECT_EQ(row(2).bucket().code(), "M2");
  EXPECT_EQ(row(2).loan_count(), 1);
  EXPECT_EQ(row(2).overdue_principal().amount_minor(), 200000);
  EXPECT_EQ(row(2).total_overdue().amount_minor(), 200000 + (43 + 14) * 50);
  EXPECT_EQ(row(2).total_outstanding().amount_minor(), 300000 + (43 + 14) * 50);
  for (int i = 3; i < 8; ++i) EXPECT_EQ(row(i).loan_count(), 0) << i;

  ASSERT_EQ(report.regulatory_class_rows_size(), 5);
  EXPECT_EQ(report.regulatory_class_rows(0).regulatory_class(), dv1::REGULATORY_CLASS_NORMAL);
  EXPECT_EQ(report.regulatory_class_rows(0).loan_count(), 1);
  EXPECT_EQ(report.regulatory_class_rows(1).loan_count(), 2);
  EXPECT_EQ(report.regulatory_class_rows(1).total_outstanding().amount_minor(),
            200000 + 14 * 50 + 300000 + 57 * 50);

  // At Feb 29: S2 current (2,000.00 outstanding), S1 in M1 (28 days of
  // penalty). S3 did not exist.
  ASSERT_EQ(report.roll_rates_size(), 16) << "from CURRENT and from M1, to each of 8 buckets";
  const dv1::RollRate& current_to_m1 = report.roll_rates(1);
  EXPECT_EQ(current_to_m1.from_bucket().code(), "CURRENT");
  EXPECT_EQ(current_to_m1.to_bucket().code(), "M1");
  EXPECT_EQ(current_to_m1.from_loan_count(), 1);
  EXPECT_EQ(current_to_m1.to_loan_count(), 1);
  EXPECT_EQ(current_to_m1.count_rate_ppm(), 1'000'000);
  EXPECT_EQ(current_to_m1.from_outstanding().amount_minor(), 200000);
  EXPECT_EQ(current_to_m1.amount_rate_ppm(), 1'000'000);
  const dv1::RollRate& m1_to_m2 = report.roll_rates(8 + 2);
  EXPECT_EQ(m1_to_m2.from_bucket().code(), "M1");
  EXPECT_EQ(m1_to_m2.to_bucket().code(), "M2");
  EXPECT_EQ(m1_to_m2.to_loan_count(), 1);
  EXPECT_EQ(m1_to_m2.to_outstanding().amount_minor(), 300000 + 28 * 50);
  EXPECT_EQ(report.roll_rates(8 + 1).count_rate_ppm(), 0) << "no loan stayed in M1";
}

TEST_F(OverdueBookTest, ReportAsOfAnEarlierDateRecomputesIt) {
  ASSERT_OK_AND_ASSIGN(dv1::OverdueReport report,
                       f_.book().GetOverdueReport({.as_of = D(2024, 2, 20)}));
  EXPECT_EQ(report.previous_month_end().day(), 31);
  ASSERT_GE(report.rows_size(), 2);
  EXPECT_EQ(report.rows(0).loan_count(), 1) << "S2 current; S3 not disbursed yet";
  EXPECT_EQ(report.rows(1).loan_count(), 1) << "S1 19 days past due";
  ASSERT_GE(report.roll_rates_size(), 2);
  EXPECT_EQ(report.roll_rates(0).from_loan_count(), 2);
  EXPECT_EQ(report.roll_rates(0).count_rate_ppm(), 500'000);
  EXPECT_EQ(report.roll_rates(1).count_rate_ppm(), 500'000);
  ASSERT_OK_AND_ASSIGN(dv1::OverdueReport none,
                       f_.book().GetOverdueReport({.product_codes = {"CAR_LOAN"}}));
  EXPECT_THAT(none.rows(), IsEmpty());
}

// With its own connection the report scans a snapshot of what was committed
// and waits for no writer: here a write transaction (as ingest or a close
// holds one) is open on the book's connection and has, uncommitted, deleted
// every loan while the report runs.
TEST_F(OverdueBookTest, ReportReadsACommittedSnapshotWithoutWaitingForWriters) {
  ASSERT_OK_AND_ASSIGN(const dv1::OverdueReport before, f_.book().GetOverdueReport({}));
  ASSERT_EQ(before.rows(0).loan_count() + before.rows(1).loan_count() + before.rows(2).loan_count(),
            3);
  absl::StatusOr<dv1::OverdueReport> during;
  absl::Notification done;
  std::thread reporter;
  const absl::Status rolled_back =
      f_.db().InTransaction([&](store::Transaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, f_.db().Unwrap(txn));
        ARREARS_RETURN_IF_ERROR(sqlite->Execute("DELETE FROM overdue_loans"));
        reporter = std::thread([&] {
          during = f_.book().GetOverdueReport({});
          done.Notify();
        });
        // Through the book's own connection this would wait for this
        // transaction to end, i.e. never within the deadline.
        EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)))
            << "the report waited for the open write transaction";
        return absl::AbortedError("roll back");
      });
  reporter.join();
  EXPECT_THAT(rolled_back, StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(during.status());
  EXPECT_EQ(during->SerializeAsString(), before.SerializeAsString())
      << "the report saw the uncommitted delete";
}

// The report through the book's own connection (no report_db) is the same.
TEST_F(OverdueBookTest, ReportWithoutItsOwnConnectionIsTheSame) {
  BookFixture shared(D(2024, 1, 15), absl::FromUnixSeconds(1'706'000'000),
                     /*report_connection=*/false);
  ASSERT_OK(shared.Deliver(
      Opened("S1", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)), "open-S1"));
  ASSERT_OK(shared.Deliver(
      Opened("S2", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)), "open-S2"));
  ASSERT_OK(shared.book().CloseBusinessDay(D(2024, 2, 1)).status());
  ASSERT_OK(shared.Deliver(Repayment("S2", "R1", 100000, D(2024, 2, 1)), "pay-S2"));
  ASSERT_OK(shared.book().CloseBusinessDay(D(2024, 3, 5)).status());
  ASSERT_OK(shared.Deliver(
      Opened("S3", "STRICT", D(2024, 3, 5), Monthly(D(2024, 4, 10), 3, 300000, 0)), "open-S3"));
  ASSERT_OK(shared.book().CloseBusinessDay(D(2024, 3, 15)).status());
  for (const OverdueReportQuery& query :
       {OverdueReportQuery{}, OverdueReportQuery{.as_of = D(2024, 2, 20)},
        OverdueReportQuery{.product_codes = {"STRICT"}}}) {
    ASSERT_OK_AND_ASSIGN(const dv1::OverdueReport own, f_.book().GetOverdueReport(query));
    ASSERT_OK_AND_ASSIGN(const dv1::OverdueReport through_book,
                         shared.book().GetOverdueReport(query));
    EXPECT_EQ(own.SerializeAsString(), through_book.SerializeAsString());
    EXPECT_GT(own.rows_size(), 0);
  }
}

TEST_F(OverdueBookTest, HistoryShowsWhenEachBucketWasEnteredAndLeft) {
  ASSERT_OK_AND_ASSIGN(dv1::DelinquencyHistory history, f_.book().GetHistory("S1"));
  ASSERT_EQ(history.bucket_periods_size(), 3);
  EXPECT_EQ(history.bucket_periods(1).bucket().code(), "M1");
  EXPECT_EQ(history.bucket_periods(1).entered_on().day(), 2);
  EXPECT_EQ(history.bucket_periods(1).left_on().day(), 3);
  EXPECT_EQ(history.bucket_periods(2).bucket().code(), "M2");
  EXPECT_FALSE(history.bucket_periods(2).has_left_on());
}

}  // namespace
}  // namespace arrears::overdue
