// Worked examples of the rules in ledger.h, to the cent and to the day. Each
// position is computed by the engine's ledger and by the day-by-day
// reference model, which must agree exactly.
#include "services/overdue_detection/ledger.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/reference_model.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using ::testing::ElementsAre;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

class LedgerTest : public ::testing::Test {
 protected:
  // Loan A: CAR_LOAN (grace 3, tolerance 10.00), disbursed 2024-01-15, three
  // installments of 1000.00 principal + 50.00 interest due on the 15th.
  void OpenLoanA() {
    Open(Opened("A", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000)));
  }

  void Open(const loan::v1::LoanEvent& event) {
    absl::StatusOr<Loan> loan = Loan::Open(event, catalog_);
    ASSERT_OK(loan.status());
    loan_.emplace(*std::move(loan));
  }

  void Record(const loan::v1::LoanEvent& event) { ASSERT_OK(loan_->Record(event).status()); }

  // The position at `day` from the engine's ledger, checked against the
  // reference model.
  LoanPosition At(D day) {
    const ProductConfig& product = *catalog_.Find(loan_->product_code());
    LoanPosition position = ComputePosition(*loan_, product, day);
    EXPECT_EQ(position, ReferencePosition(*loan_, product, day)) << "engine:\n" << position;
    return position;
  }

  const Obligation& Installment(const LoanPosition& p, int number) {
    for (const Obligation& o : p.obligations) {
      if (o.kind == ObligationKind::kInstallment && o.number == number) {
        return o;
      }
    }
    ADD_FAILURE() << "no installment " << number;
    return p.obligations.front();
  }

  ProductCatalog catalog_ = TestCatalog();
  absl::optional<Loan> loan_;
};

TEST_F(LedgerTest, GraceDays) {
  OpenLoanA();
  LoanPosition p = At(D(2024, 2, 18));  // due + 3: still in grace
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(p.dpd, 0);
  EXPECT_EQ(p.total_outstanding_minor, 105000 + 200000);
  EXPECT_EQ(p.next_due_date, D(2024, 3, 15));
  EXPECT_EQ(p.next_due_amount_minor, 105000);

  p = At(D(2024, 2, 19));  // due + 4: overdue, DPD counted from the due date
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.dpd, 4);
  EXPECT_EQ(p.bucket_ordinal, 1);
  EXPECT_EQ(p.regulatory_class, dv1::REGULATORY_CLASS_SPECIAL_MENTION);
  EXPECT_EQ(p.oldest_overdue_due_date, D(2024, 2, 15));
  EXPECT_EQ(p.missed_installment_count, 1);
  EXPECT_EQ(p.overdue, (ComponentAmounts{100000, 5000, 0, 50}));  // one day: 1000.00 x 0.05 %
  EXPECT_EQ(p.delinquent_since, D(2024, 2, 19));
  EXPECT_EQ(p.total_outstanding_minor, 105050 + 200000);

  p = At(D(2024, 3, 1));  // 12 days of penalty: Feb 19..29 (leap year) and Mar 1
  EXPECT_EQ(p.dpd, 15);
  EXPECT_EQ(p.overdue.penalty, 12 * 50);
}

TEST_F(LedgerTest, PaymentInsideGraceIsOnTime) {
  OpenLoanA();
  Record(Repayment("A", "R1", 105000, D(2024, 2, 18)));
  const LoanPosition p = At(D(2024, 2, 19));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(Installment(p, 1).paid_on, D(2024, 2, 18));
  EXPECT_EQ(Installment(p, 1).due.penalty, 0);
}

TEST_F(LedgerTest, ToleranceKeepsASmallShortfallCurrent) {
  OpenLoanA();
  Record(Repayment("A", "R1", 104500, D(2024, 2, 15)));  // 5.00 short, tolerance 10.00
  LoanPosition p = At(D(2024, 2, 19));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(Installment(p, 1).paid, (ComponentAmounts{99500, 5000, 0, 0}));
  EXPECT_FALSE(Installment(p, 1).paid_on.has_value());
  EXPECT_EQ(p.total_outstanding_minor, 500 + 200000);

  // The next missed installment makes it delinquent; DPD counts from that
  // one, the tolerated 5.00 neither counts nor accrues penalty.
  p = At(D(2024, 3, 19));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.oldest_overdue_due_date, D(2024, 3, 15));
  EXPECT_EQ(p.dpd, 4);
  EXPECT_EQ(p.missed_installment_count, 1);
  EXPECT_EQ(p.overdue, (ComponentAmounts{100000, 5000, 0, 50}));
  EXPECT_EQ(Installment(p, 1).due.penalty, 0);
}

TEST_F(LedgerTest, ShortfallJustAboveToleranceIsOverdue) {
  OpenLoanA();
  Record(Repayment("A", "R1", 103999, D(2024, 2, 15)));  // 10.01 short
  const LoanPosition p = At(D(2024, 2, 19));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.dpd, 4);
  // Penalty on 10.01: 0.5005 fen rounds half-even to 1 fen.
  EXPECT_EQ(p.overdue, (ComponentAmounts{1001, 0, 0, 1}));
}

TEST_F(LedgerTest, PartialPaymentAndPenaltyToTheCent) {
  Open(Opened("P", "STRICT", D(2024, 1, 1), {Inst(1, D(2024, 1, 31), 123456, 1000)}));
  LoanPosition p = At(D(2024, 2, 10));
  EXPECT_EQ(p.dpd, 10);
  EXPECT_EQ(p.overdue.penalty, 10 * 62);  // 1234.56 x 0.05 % = 61.728 fen -> 62 a day

  // 500.00 on Feb 5 pays 5 days of penalty (3.10), the interest (10.00) and
  // 486.90 principal; 747.66 principal is left: 37.383 -> 37 fen a day.
  Record(Repayment("P", "R1", 50000, D(2024, 2, 5)));
  p = At(D(2024, 2, 10));
  EXPECT_EQ(Installment(p, 1).paid, (ComponentAmounts{48690, 1000, 0, 310}));
  EXPECT_EQ(p.overdue, (ComponentAmounts{74766, 0, 0, 5 * 37}));
  EXPECT_EQ(p.dpd, 10);
}

TEST_F(LedgerTest, OverpaymentIsCreditForTheNextInstallment) {
  OpenLoanA();
  Record(Repayment("A", "R1", 150000, D(2024, 2, 15)));
  LoanPosition p = At(D(2024, 3, 8));  // 7 days before installment 2
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(p.credit_minor, 45000);
  EXPECT_EQ(p.next_due_amount_minor, 105000);
  EXPECT_THAT(p.notices, ElementsAre(DueSoonNotice{2, D(2024, 3, 15), 60000, 7}));

  p = At(D(2024, 3, 15));  // the credit settles part of installment 2 on its due date
  EXPECT_EQ(p.credit_minor, 0);
  EXPECT_EQ(Installment(p, 2).paid, (ComponentAmounts{40000, 5000, 0, 0}));

  p = At(D(2024, 3, 19));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.overdue, (ComponentAmounts{60000, 0, 0, 30}));
}

TEST_F(LedgerTest, CreditCoveringTheNextInstallmentSuppressesItsNotice) {
  OpenLoanA();
  Record(Repayment("A", "R1", 210000, D(2024, 2, 15)));
  EXPECT_TRUE(At(D(2024, 3, 8)).notices.empty());
  const LoanPosition p = At(D(2024, 3, 15));
  EXPECT_EQ(Installment(p, 2).paid_on, D(2024, 3, 15));
}

TEST_F(LedgerTest, ReversalUndoesExactlyThatRepayment) {
  OpenLoanA();
  Record(Repayment("A", "R1", 105000, D(2024, 2, 15)));
  Record(Repayment("A", "R2", 30000, D(2024, 3, 10)));
  EXPECT_EQ(At(D(2024, 3, 20)).state, dv1::DELINQUENCY_STATE_DELINQUENT);  // installment 2
  Record(Reversal("A", "V1", "R1"));
  const LoanPosition p = At(D(2024, 3, 20));

  // As if R1 never came: R2 on Mar 10 pays 21 days of penalty (10.50), the
  // interest (50.00) and 239.50 principal of installment 1; 760.50 is left,
  // 38.025 -> 38 fen a day for Mar 11..20. Installment 2 adds 2 days x 50.
  EXPECT_EQ(p.dpd, 34);
  EXPECT_EQ(p.bucket_ordinal, 2);
  EXPECT_EQ(p.missed_installment_count, 2);
  EXPECT_EQ(p.overdue, (ComponentAmounts{76050 + 100000, 5000, 0, 380 + 100}));

  absl::StatusOr<Loan> without_r1 = Loan::Open(
      Opened("A", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000)), catalog_);
  ASSERT_OK(without_r1.status());
  ASSERT_OK(without_r1->Record(Repayment("A", "R2", 30000, D(2024, 3, 10))).status());
  EXPECT_EQ(p, ComputePosition(*without_r1, *catalog_.Find("CAR_LOAN"), D(2024, 3, 20)));
}

TEST_F(LedgerTest, BackDatedRepaymentIsAllocatedOnItsValueDate) {
  OpenLoanA();
  EXPECT_EQ(At(D(2024, 3, 1)).overdue.penalty, 12 * 50);
  Record(Repayment("A", "R1", 105000, D(2024, 2, 16)));  // arrives late, value Feb 16
  const LoanPosition p = At(D(2024, 3, 1));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(p.overdue.penalty, 0);
  EXPECT_EQ(Installment(p, 1).paid_on, D(2024, 2, 16));
  ASSERT_EQ(p.history.buckets.size(), 1u) << "never delinquent after all";
}

TEST_F(LedgerTest, RestructuringReplacesOverdueInstallments) {
  OpenLoanA();
  Record(
      Restructure("A", "S1", D(2024, 3, 1), 1,
                  {Inst(1, D(2024, 4, 15), 150000, 6000), Inst(2, D(2024, 5, 15), 150000, 6000)}));
  LoanPosition p = At(D(2024, 2, 29));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.overdue.penalty, 11 * 50);

  p = At(D(2024, 3, 1));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(p.overdue, ComponentAmounts{});
  ASSERT_EQ(p.obligations.size(), 2u);
  EXPECT_EQ(p.next_due_date, D(2024, 4, 15));
  EXPECT_EQ(p.next_due_amount_minor, 156000);
  EXPECT_EQ(p.total_outstanding_minor, 300000);
  EXPECT_THAT(p.history.buckets, ElementsAre(Period{0, D(2024, 1, 15), D(2024, 2, 19)},
                                             Period{1, D(2024, 2, 19), D(2024, 3, 1)},
                                             Period{0, D(2024, 3, 1), absl::nullopt}));
}

TEST_F(LedgerTest, LeapDayDueDate) {
  // Month-end schedule: Jan 31, Feb 29 (2024 is a leap year), Mar 31.
  Open(Opened("M", "STRICT", D(2023, 12, 31), Monthly(D(2024, 1, 31), 3, 300000, 0)));
  ASSERT_EQ(loan_->opening_schedule()[1].due_date, D(2024, 2, 29));
  Record(Repayment("M", "R1", 100000, D(2024, 1, 31)));
  EXPECT_EQ(At(D(2024, 2, 29)).state, dv1::DELINQUENCY_STATE_CURRENT);
  const LoanPosition p = At(D(2024, 3, 1));
  EXPECT_EQ(p.dpd, 1);
  EXPECT_EQ(p.oldest_overdue_due_date, D(2024, 2, 29));
}

TEST_F(LedgerTest, BucketCrossingAt30And31AcrossFebruary) {
  Open(Opened("M", "STRICT", D(2023, 12, 31), Monthly(D(2024, 1, 31), 3, 300000, 0)));
  EXPECT_EQ(At(D(2024, 3, 1)).dpd, 30);  // 29 days of February 2024
  EXPECT_EQ(At(D(2024, 3, 1)).bucket_ordinal, 1);
  EXPECT_EQ(At(D(2024, 3, 2)).dpd, 31);
  EXPECT_EQ(At(D(2024, 3, 2)).bucket_ordinal, 2);

  Open(Opened("N", "STRICT", D(2022, 12, 31), Monthly(D(2023, 1, 31), 3, 300000, 0)));
  EXPECT_EQ(At(D(2023, 3, 2)).dpd, 30);  // 28 days of February 2023
  EXPECT_EQ(At(D(2023, 3, 2)).bucket_ordinal, 1);
  EXPECT_EQ(At(D(2023, 3, 3)).bucket_ordinal, 2);
}

TEST_F(LedgerTest, ClassCrossingAt90And91) {
  Open(Opened("C", "STRICT", D(2023, 12, 31), {Inst(1, D(2024, 1, 31), 100000, 0)}));
  LoanPosition p = At(D(2024, 4, 30));
  EXPECT_EQ(p.dpd, 90);
  EXPECT_EQ(p.bucket_ordinal, 3);
  EXPECT_EQ(p.regulatory_class, dv1::REGULATORY_CLASS_SPECIAL_MENTION);
  p = At(D(2024, 5, 1));
  EXPECT_EQ(p.dpd, 91);
  EXPECT_EQ(p.bucket_ordinal, 4);
  EXPECT_EQ(p.regulatory_class, dv1::REGULATORY_CLASS_SUBSTANDARD);
  EXPECT_THAT(p.history.buckets, ElementsAre(Period{0, D(2023, 12, 31), D(2024, 2, 1)},
                                             Period{1, D(2024, 2, 1), D(2024, 3, 2)},
                                             Period{2, D(2024, 3, 2), D(2024, 4, 1)},
                                             Period{3, D(2024, 4, 1), D(2024, 5, 1)},
                                             Period{4, D(2024, 5, 1), absl::nullopt}));
  EXPECT_THAT(
      p.history.classes,
      ElementsAre(Period{dv1::REGULATORY_CLASS_NORMAL, D(2023, 12, 31), D(2024, 2, 1)},
                  Period{dv1::REGULATORY_CLASS_SPECIAL_MENTION, D(2024, 2, 1), D(2024, 5, 1)},
                  Period{dv1::REGULATORY_CLASS_SUBSTANDARD, D(2024, 5, 1), absl::nullopt}));
}

TEST_F(LedgerTest, ChargeOffAtTheConfiguredDpd) {
  Open(Opened("C", "STRICT", D(2023, 12, 31), {Inst(1, D(2024, 1, 31), 100000, 0)}));
  LoanPosition p = At(D(2024, 7, 28));
  EXPECT_EQ(p.dpd, 179);
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  p = At(D(2024, 7, 29));
  EXPECT_EQ(p.dpd, 180);
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CHARGED_OFF);
  EXPECT_EQ(p.charged_off_on, D(2024, 7, 29));
  EXPECT_EQ(p.history.buckets.back(), (Period{6, D(2024, 6, 30), D(2024, 7, 29)}));
  // Sticky: paying afterwards does not make it current again.
  Record(Repayment("C", "R1", 200000, D(2024, 8, 1)));
  p = At(D(2024, 8, 2));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CHARGED_OFF);
  EXPECT_EQ(p.dpd, 0);
}

TEST_F(LedgerTest, ValueDateFromPostingTimeInTheLoansZone) {
  auto posted = [](const std::string& loan, absl::Time at) {
    loan::v1::LoanEvent e = Repayment(loan, "R1", 105000, D(2024, 2, 15));
    e.mutable_repayment_posted()->clear_value_date();
    *e.mutable_repayment_posted()->mutable_posted_at() = ToTimestamp(at);
    return e;
  };
  const std::vector<loan::v1::Installment> schedule = {Inst(1, D(2024, 2, 15), 100000, 5000)};

  // 23:30 in Shanghai on the due date (15:30 UTC): on time.
  Open(Opened("SH", "STRICT", D(2024, 1, 15), schedule, "Asia/Shanghai"));
  Record(posted("SH",
                absl::FromCivil(absl::CivilSecond(2024, 2, 15, 15, 30, 0), absl::UTCTimeZone())));
  EXPECT_EQ(At(D(2024, 2, 16)).state, dv1::DELINQUENCY_STATE_CURRENT);

  // 00:30 in Shanghai the next day (still Feb 15 in UTC): one day late, so a
  // day of penalty (0.50) comes first and 0.50 principal stays overdue.
  Open(Opened("SH", "STRICT", D(2024, 1, 15), schedule, "Asia/Shanghai"));
  Record(posted("SH",
                absl::FromCivil(absl::CivilSecond(2024, 2, 15, 16, 30, 0), absl::UTCTimeZone())));
  LoanPosition p = At(D(2024, 2, 16));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_DELINQUENT);
  EXPECT_EQ(p.dpd, 1);
  EXPECT_EQ(p.overdue, (ComponentAmounts{50, 0, 0, 0}));

  // 23:30 in New York on Feb 15 is already Feb 16 in UTC: on time.
  Open(Opened("NY", "STRICT", D(2024, 1, 15), schedule, "America/New_York"));
  Record(
      posted("NY", absl::FromCivil(absl::CivilSecond(2024, 2, 16, 4, 30, 0), absl::UTCTimeZone())));
  EXPECT_EQ(At(D(2024, 2, 16)).state, dv1::DELINQUENCY_STATE_CURRENT);
}

TEST_F(LedgerTest, FeesChargedWaivedAndStandalone) {
  OpenLoanA();
  Record(Fee("A", "F1", 5000, 1, D(2024, 2, 20)));
  LoanPosition p = At(D(2024, 2, 20));
  EXPECT_EQ(p.overdue, (ComponentAmounts{100000, 5000, 5000, 100}));

  // Pays 3 days of penalty (1.50), the fee, the interest, 948.50 principal.
  Record(Repayment("A", "R1", 105000, D(2024, 2, 21)));
  p = At(D(2024, 2, 21));
  EXPECT_EQ(p.overdue, (ComponentAmounts{5150, 0, 0, 0}));

  // Waiving 30.00 of the paid fee returns 30.00 to the waterfall, which pays
  // Feb 22's penalty (51.50 x 0.05 % = 2.575 -> 3 fen) and 29.97 principal.
  Record(Waiver("A", "W1", "F1", 3000, D(2024, 2, 22)));
  p = At(D(2024, 2, 22));
  EXPECT_EQ(Installment(p, 1).due.fees, 2000);
  EXPECT_EQ(Installment(p, 1).paid, (ComponentAmounts{97847, 5000, 2000, 153}));
  EXPECT_EQ(p.overdue, (ComponentAmounts{2153, 0, 0, 0}));

  // A standalone fee is an obligation of its own, with grace and tolerance.
  Record(Fee("A", "F2", 2000, 0, D(2024, 2, 25), D(2024, 3, 1)));
  p = At(D(2024, 3, 5));
  EXPECT_EQ(p.missed_installment_count, 2);
  EXPECT_EQ(p.overdue.fees, 2000);
}

TEST_F(LedgerTest, PreDueNotices) {
  OpenLoanA();
  EXPECT_THAT(At(D(2024, 2, 8)).notices, ElementsAre(DueSoonNotice{1, D(2024, 2, 15), 105000, 7}));
  EXPECT_THAT(At(D(2024, 2, 12)).notices, ElementsAre(DueSoonNotice{1, D(2024, 2, 15), 105000, 3}));
  EXPECT_THAT(At(D(2024, 2, 14)).notices, ElementsAre(DueSoonNotice{1, D(2024, 2, 15), 105000, 1}));
  EXPECT_TRUE(At(D(2024, 2, 13)).notices.empty());
  Record(Repayment("A", "R1", 40000, D(2024, 2, 13)));
  EXPECT_THAT(At(D(2024, 2, 14)).notices, ElementsAre(DueSoonNotice{1, D(2024, 2, 15), 65000, 1}));
}

TEST_F(LedgerTest, ClosedLoanReportsNothingOwed) {
  OpenLoanA();
  Record(Closed("A", D(2024, 3, 1)));
  EXPECT_EQ(At(D(2024, 2, 29)).state, dv1::DELINQUENCY_STATE_DELINQUENT);
  const LoanPosition p = At(D(2024, 3, 5));
  EXPECT_EQ(p.state, dv1::DELINQUENCY_STATE_CLOSED);
  EXPECT_EQ(p.dpd, 0);
  EXPECT_EQ(p.total_outstanding_minor, 0);
  EXPECT_EQ(p.history.buckets.back().left_on, D(2024, 3, 1));
}

TEST_F(LedgerTest, NextBoundaryIsTheFirstDayAnythingCanChange) {
  OpenLoanA();
  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  // Current: the first notice, 7 days before the first due date.
  EXPECT_EQ(NextBoundary(*loan_, car, At(D(2024, 1, 20))), D(2024, 2, 8));
  // After the last notice: the day the installment becomes overdue.
  EXPECT_EQ(NextBoundary(*loan_, car, At(D(2024, 2, 14))), D(2024, 2, 19));
  // Delinquent since Feb 19 (DPD 4): the next notice (Mar 8) comes before
  // DPD 31 (Mar 17).
  EXPECT_EQ(NextBoundary(*loan_, car, At(D(2024, 2, 19))), D(2024, 3, 8));
  // A future-dated repayment wakes the loan on its value date.
  Record(Repayment("A", "R1", 105000, D(2024, 2, 21)));
  EXPECT_EQ(NextBoundary(*loan_, car, At(D(2024, 2, 19))), D(2024, 2, 21));
  Record(Closed("A", D(2024, 3, 1)));
  EXPECT_EQ(NextBoundary(*loan_, car, At(D(2024, 3, 1))), absl::nullopt);
}

}  // namespace
}  // namespace arrears::overdue
