#include "services/overdue_detection/planned_notice.h"

#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/ledger.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

class PlannedNoticeTest : public ::testing::Test {
 protected:
  // CAR_LOAN: notices 7, 3 and 1 days before each due date; 3 grace days.
  Loan CarLoan() {
    absl::StatusOr<Loan> loan = Loan::Open(
        Opened("A", "CAR_LOAN", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 5000)), catalog_);
    EXPECT_OK(loan.status());
    return *std::move(loan);
  }

  // Each planned notice equals what a full evaluation on its day gives, and
  // every notice of the days before the boundary is planned.
  void ExpectPlanMatchesFullEvaluations(const Loan& loan, D from) {
    const ProductConfig& car = *catalog_.Find("CAR_LOAN");
    const LoanPosition position = ComputePosition(loan, car, from);
    ASSERT_EQ(position.state, dv1::DELINQUENCY_STATE_CURRENT);
    const absl::optional<D> boundary = NextBoundary(loan, car, position, /*notice_days=*/false);
    ASSERT_TRUE(boundary.has_value());
    const std::vector<PlannedNotice> planned = PlanNotices(car, position, boundary);
    std::vector<PlannedNotice> expected;
    for (D day = from + 1; day < *boundary; ++day) {
      const LoanPosition then = ComputePosition(loan, car, day);
      for (const DueSoonNotice& notice : then.notices) {
        expected.push_back({notice, SnapshotFigures::Of(then)});
      }
    }
    EXPECT_EQ(planned, expected);
    EXPECT_FALSE(planned.empty());
  }

  ProductCatalog catalog_ = TestCatalog();
};

TEST_F(PlannedNoticeTest, PlansTheNoticesBeforeTheStatusBoundary) {
  const Loan loan = CarLoan();
  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  const LoanPosition position = ComputePosition(loan, car, D(2024, 1, 20));
  // Nothing paid: the first installment becomes overdue on 2024-02-05.
  const absl::optional<D> boundary = NextBoundary(loan, car, position, /*notice_days=*/false);
  EXPECT_EQ(boundary, D(2024, 2, 5));
  EXPECT_EQ(NextBoundary(loan, car, position), D(2024, 1, 25)) << "with the notice days";
  const std::vector<PlannedNotice> planned = PlanNotices(car, position, boundary);
  ASSERT_EQ(planned.size(), 3u);
  EXPECT_EQ(planned[0].day(), D(2024, 1, 25));
  EXPECT_EQ(planned[0].notice.installment_number, 1);
  EXPECT_EQ(planned[0].notice.days_until_due, 7);
  EXPECT_EQ(planned[0].notice.amount_minor, 105000);
  EXPECT_EQ(planned[1].day(), D(2024, 1, 29));
  EXPECT_EQ(planned[2].day(), D(2024, 1, 31));
  EXPECT_EQ(planned[2].figures.next_due_date, D(2024, 2, 1));
  EXPECT_EQ(WakeDay(boundary, planned), D(2024, 1, 25));
  EXPECT_EQ(WakeDay(D(2024, 1, 22), planned), D(2024, 1, 22));
  EXPECT_EQ(WakeDay(absl::nullopt, planned), D(2024, 1, 25));
  EXPECT_EQ(WakeDay(boundary, {}), boundary);
  ExpectPlanMatchesFullEvaluations(loan, D(2024, 1, 20));
}

TEST_F(PlannedNoticeTest, CreditLowersTheAmountAndTheDueDateBoundsThePlan) {
  Loan loan = CarLoan();
  // Installment 1 paid on time plus 30,000 ahead: credit for installment 2.
  ASSERT_OK(loan.Record(Repayment("A", "R1", 135000, D(2024, 2, 1))).status());
  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  const LoanPosition position = ComputePosition(loan, car, D(2024, 2, 10));
  const absl::optional<D> boundary = NextBoundary(loan, car, position, /*notice_days=*/false);
  EXPECT_EQ(boundary, D(2024, 3, 1)) << "credit settles on the due date";
  const std::vector<PlannedNotice> planned = PlanNotices(car, position, boundary);
  ASSERT_EQ(planned.size(), 3u);
  EXPECT_EQ(planned[0].notice.amount_minor, 105000 - 30000);
  EXPECT_EQ(planned[0].figures.credit_minor, 30000);
  ExpectPlanMatchesFullEvaluations(loan, D(2024, 2, 10));
}

TEST_F(PlannedNoticeTest, NothingIsPlannedForALoanThatIsNotCurrent) {
  const Loan loan = CarLoan();
  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  const LoanPosition position = ComputePosition(loan, car, D(2024, 2, 20));
  ASSERT_EQ(position.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_TRUE(PlanNotices(car, position, D(2024, 3, 31)).empty());
}

}  // namespace
}  // namespace arrears::overdue
