#include "services/overdue_detection/loan.h"

#include <string>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/testing/loan_events.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders

class LoanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(catalog_, ProductCatalog::LoadFile(OVERDUE_PRODUCTS_YAML));
  }

  loan::v1::LoanEvent Valid() {
    return Opened("L1", "CAR_LOAN", kDisbursed,
                  Monthly(absl::CivilDay(2024, 2, 15), 3, 300000, 5000));
  }

  absl::StatusOr<Loan> OpenValid() { return Loan::Open(Valid(), catalog_); }

  static constexpr absl::CivilDay kDisbursed = absl::CivilDay(2024, 1, 15);
  ProductCatalog catalog_;
};

TEST_F(LoanTest, OpensWithTheSchedule) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  EXPECT_EQ(loan.loan_id(), "L1");
  EXPECT_EQ(loan.customer_id(), "cust-L1");
  EXPECT_EQ(loan.currency().code(), "CNY");
  EXPECT_EQ(loan.principal_minor(), 300000);
  ASSERT_EQ(loan.opening_schedule().size(), 3u);
  EXPECT_EQ(loan.opening_schedule()[2].due_date, absl::CivilDay(2024, 4, 15));
  EXPECT_EQ(loan.opening_schedule()[2].principal_minor, 100000);
}

TEST_F(LoanTest, AbsentFeesAreZero) {
  loan::v1::LoanEvent e = Valid();
  for (loan::v1::Installment& i : *e.mutable_loan_opened()->mutable_installments()) {
    i.clear_fees();
  }
  ASSERT_OK_AND_ASSIGN(Loan loan, Loan::Open(e, catalog_));
  EXPECT_EQ(loan.opening_schedule()[0].fees_minor, 0);
}

struct BadOpening {
  std::string name;
  void (*mutate)(loan::v1::LoanEvent*);
  absl::StatusCode code;
  std::string message;
};

void PrintTo(const BadOpening& opening, std::ostream* os) { *os << opening.name; }

class LoanOpenValidationTest : public LoanTest, public ::testing::WithParamInterface<BadOpening> {};

TEST_P(LoanOpenValidationTest, RejectsNamingTheField) {
  loan::v1::LoanEvent e = Valid();
  GetParam().mutate(&e);
  EXPECT_THAT(Loan::Open(e, catalog_), StatusIs(GetParam().code, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, LoanOpenValidationTest,
    ::testing::Values(
        BadOpening{"UnknownProduct",
                   [](loan::v1::LoanEvent* e) { e->mutable_loan_opened()->set_product_code("X"); },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.product_code: unknown product \"X\""},
        BadOpening{
            "LoanCurrencyNotTheProducts",
            [](loan::v1::LoanEvent* e) { e->mutable_loan_opened()->set_currency_code("USD"); },
            absl::StatusCode::kInvalidArgument,
            "loan_opened.currency_code: product CAR_LOAN is in CNY, got USD"},
        BadOpening{"InstallmentCurrencyMismatch",
                   [](loan::v1::LoanEvent* e) {
                     e->mutable_loan_opened()
                         ->mutable_installments(1)
                         ->mutable_principal()
                         ->set_currency_code("USD");
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments[1].principal.currency_code: loan is in CNY, got USD"},
        BadOpening{"NegativeInterest",
                   [](loan::v1::LoanEvent* e) {
                     e->mutable_loan_opened()
                         ->mutable_installments(0)
                         ->mutable_interest()
                         ->set_amount_minor(-1);
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments[0].interest.amount_minor: must not be negative"},
        BadOpening{"DuplicateInstallmentNumber",
                   [](loan::v1::LoanEvent* e) {
                     e->mutable_loan_opened()->mutable_installments(2)->set_number(2);
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments[2].number: duplicate installment 2"},
        BadOpening{"DueDatesNotIncreasing",
                   [](loan::v1::LoanEvent* e) {
                     *e->mutable_loan_opened()->mutable_installments(2)->mutable_due_date() =
                         ToProto(absl::CivilDay(2024, 3, 15));
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments: due dates must increase with the number"},
        BadOpening{"DueBeforeDisbursement",
                   [](loan::v1::LoanEvent* e) {
                     *e->mutable_loan_opened()->mutable_installments(0)->mutable_due_date() =
                         ToProto(absl::CivilDay(2024, 1, 10));
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments[0].due_date: must be after the disbursement date"},
        BadOpening{"InvalidDueDate",
                   [](loan::v1::LoanEvent* e) {
                     common::v1::Date* d =
                         e->mutable_loan_opened()->mutable_installments(0)->mutable_due_date();
                     d->set_year(2023);
                     d->set_month(2);
                     d->set_day(29);
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments[0].due_date: 2023-02-29 does not exist"},
        BadOpening{"PrincipalDoesNotAddUp",
                   [](loan::v1::LoanEvent* e) {
                     e->mutable_loan_opened()->mutable_principal()->set_amount_minor(300001);
                   },
                   absl::StatusCode::kInvalidArgument,
                   "loan_opened.installments: principal sums to"},
        BadOpening{"NoInstallments",
                   [](loan::v1::LoanEvent* e) { e->mutable_loan_opened()->clear_installments(); },
                   absl::StatusCode::kInvalidArgument, "loan_opened.installments: at least one"},
        BadOpening{
            "UnknownTimeZone",
            [](loan::v1::LoanEvent* e) { e->mutable_loan_opened()->set_time_zone("Mars/Olympus"); },
            absl::StatusCode::kInvalidArgument, "loan_opened.time_zone"},
        BadOpening{"EmptyLoanId", [](loan::v1::LoanEvent* e) { e->clear_loan_id(); },
                   absl::StatusCode::kInvalidArgument, "loan_id"}),
    [](const ::testing::TestParamInfo<BadOpening>& info) { return info.param.name; });

TEST_F(LoanTest, RepaymentValidation) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  loan::v1::LoanEvent negative = Repayment("L1", "R1", -100, absl::CivilDay(2024, 2, 15));
  EXPECT_THAT(loan.Record(negative),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.amount.amount_minor: must be positive")));
  loan::v1::LoanEvent dollars = Repayment("L1", "R1", 100, absl::CivilDay(2024, 2, 15));
  dollars.mutable_repayment_posted()->mutable_amount()->set_currency_code("USD");
  EXPECT_THAT(
      loan.Record(dollars),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("repayment_posted.amount.currency_code: loan is in CNY, got USD")));
  EXPECT_THAT(loan.Record(Repayment("L1", "R1", 100, absl::CivilDay(2024, 1, 1))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.value_date: 2024-01-01 is before the "
                                 "disbursement date 2024-01-15")));
  loan::v1::LoanEvent other_customer = Repayment("L1", "R1", 100, absl::CivilDay(2024, 2, 15));
  other_customer.set_customer_id("someone-else");
  EXPECT_THAT(loan.Record(other_customer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id:")));
  EXPECT_TRUE(loan.repayments().empty()) << "rejected events change nothing";
}

TEST_F(LoanTest, RepeatedEventsAreDuplicatesAndConflictsAreErrors) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  const loan::v1::LoanEvent pay = Repayment("L1", "R1", 100, absl::CivilDay(2024, 2, 15));
  ASSERT_OK_AND_ASSIGN(FactChange first, loan.Record(pay));
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.effective_date, absl::CivilDay(2024, 2, 15));
  ASSERT_OK_AND_ASSIGN(FactChange again, loan.Record(pay));
  EXPECT_TRUE(again.duplicate);
  EXPECT_THAT(
      loan.Record(Repayment("L1", "R1", 200, absl::CivilDay(2024, 2, 15))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("repayment_posted.repayment_id: repayment R1 was already posted")));
  EXPECT_EQ(loan.repayments().size(), 1u);
}

TEST_F(LoanTest, Reversals) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  EXPECT_THAT(loan.Record(Reversal("L1", "V1", "R-unknown")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("repayment_reversed.repayment_id: loan L1 has no repayment "
                                 "R-unknown")));
  ASSERT_OK(loan.Record(Repayment("L1", "R1", 100, absl::CivilDay(2024, 2, 10))));
  ASSERT_OK_AND_ASSIGN(FactChange reversed, loan.Record(Reversal("L1", "V1", "R1")));
  EXPECT_EQ(reversed.effective_date, absl::CivilDay(2024, 2, 10))
      << "a reversal takes effect from the repayment's value date";
  EXPECT_TRUE(loan.repayments()[0].reversed());
  ASSERT_OK_AND_ASSIGN(FactChange again, loan.Record(Reversal("L1", "V1", "R1")));
  EXPECT_TRUE(again.duplicate);
  EXPECT_THAT(loan.Record(Reversal("L1", "V2", "R1")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already reversed by V1")));
}

TEST_F(LoanTest, FeesAndWaivers) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  EXPECT_THAT(loan.Record(Fee("L1", "F1", 5000, 9, absl::CivilDay(2024, 2, 20))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fee_charged.installment_number: loan L1 has no installment 9")));
  EXPECT_THAT(loan.Record(Waiver("L1", "W1", "F1", 100, absl::CivilDay(2024, 2, 21))),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("fee_waived.fee_id: loan L1 has no fee F1")));
  ASSERT_OK(loan.Record(Fee("L1", "F1", 5000, 1, absl::CivilDay(2024, 2, 20))));
  EXPECT_THAT(loan.Record(Waiver("L1", "W1", "F1", 5001, absl::CivilDay(2024, 2, 21))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fee_waived.amount: exceeds the unwaived part of fee F1")));
  EXPECT_THAT(loan.Record(Waiver("L1", "W1", "F1", 100, absl::CivilDay(2024, 2, 19))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fee_waived.effective_date: before the fee's charge date")));
  ASSERT_OK(loan.Record(Waiver("L1", "W1", "F1", 3000, absl::CivilDay(2024, 2, 21))));
  EXPECT_THAT(loan.Record(Waiver("L1", "W2", "F1", 2001, absl::CivilDay(2024, 2, 21))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(2000 minor units)")));
  EXPECT_THAT(loan.Record(Fee("L1", "F2", 100, 0, absl::CivilDay(2024, 2, 20))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fee_charged.due_date")));
}

TEST_F(LoanTest, RestructuringReplacesTheScheduleTail) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  EXPECT_THAT(loan.Record(Restructure("L1", "S1", absl::CivilDay(2024, 3, 1), 2,
                                      {Inst(1, absl::CivilDay(2024, 4, 1), 100, 0)})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("schedule_restructured.installments[0].number: must be >= 2")));
  ASSERT_OK(loan.Record(Restructure("L1", "S1", absl::CivilDay(2024, 3, 1), 2,
                                    {Inst(2, absl::CivilDay(2024, 5, 15), 100000, 2000),
                                     Inst(3, absl::CivilDay(2024, 6, 15), 50000, 1000),
                                     Inst(4, absl::CivilDay(2024, 7, 15), 50000, 1000)})));
  std::vector<ScheduledInstallment> latest = loan.LatestSchedule();
  ASSERT_EQ(latest.size(), 4u);
  EXPECT_EQ(latest[0].due_date, absl::CivilDay(2024, 2, 15));
  EXPECT_EQ(latest[1].due_date, absl::CivilDay(2024, 5, 15));
  EXPECT_EQ(latest[3].number, 4);
  // Fees may now be charged onto installment 4.
  EXPECT_OK(loan.Record(Fee("L1", "F1", 100, 4, absl::CivilDay(2024, 3, 2))));
}

TEST_F(LoanTest, CloseAndWriteOffAreRecordedOnce) {
  ASSERT_OK_AND_ASSIGN(Loan loan, OpenValid());
  ASSERT_OK(loan.Record(Closed("L1", absl::CivilDay(2024, 5, 1))));
  ASSERT_OK_AND_ASSIGN(FactChange again, loan.Record(Closed("L1", absl::CivilDay(2024, 5, 1))));
  EXPECT_TRUE(again.duplicate);
  EXPECT_THAT(
      loan.Record(Closed("L1", absl::CivilDay(2024, 5, 2))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already closed on 2024-05-01")));
  EXPECT_THAT(loan.Record(WrittenOff("L1", absl::CivilDay(2024, 5, 1), -1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("loan_written_off.amount.amount_minor: must not be negative")));
  EXPECT_THAT(loan.Record(Valid()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already open")));
  loan::v1::LoanEvent empty = Base("L1");
  EXPECT_THAT(loan.Record(empty),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no event member")));
}

}  // namespace
}  // namespace arrears::overdue
