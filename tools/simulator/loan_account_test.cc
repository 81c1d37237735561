#include "tools/simulator/loan_account.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/simulator/hardship_plan.h"

namespace arrears::simulator {
namespace {

CustomerGeneration Generation(uint64_t seed) {
  CustomerGeneration generation;
  generation.seed = seed;
  return generation;
}

using ::arrears::testing::StatusIs;

class LoanAccountTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(zone_, time::LoadTimeZone(kLoanTimeZone)); }

  Customer CustomerWith(Behaviour behaviour, int onset_day = 0) {
    Customer customer = GenerateCustomer(Generation(1), 0);
    customer.behaviour = behaviour;
    customer.onset_day = onset_day;
    return customer;
  }

  // A 6-month consumer loan disbursed 2026-01-01: installments due on the
  // 1st of February to July.
  Loan SixMonthLoan(const Customer& customer, const char* product = "CONSUMER_LOAN") {
    Loan loan;
    loan.loan_id = "L00000001";
    loan.customer_id = customer.customer_id;
    loan.product = FindProduct(product);
    loan.principal_minor = 6'000'00;
    loan.term_months = 6;
    loan.disbursement_date = absl::CivilDay(2026, 1, 1);
    loan.branch_id = "BR-SH-01";
    loan.installments = EqualPrincipalSchedule(6'000'00, 6, 1200, 0, loan.disbursement_date);
    return loan;
  }

  LoanAccount Account(Behaviour behaviour, int onset_day = 0, int days = 200,
                      const char* product = "CONSUMER_LOAN") {
    const Customer customer = CustomerWith(behaviour, onset_day);
    return LoanAccount(SixMonthLoan(customer, product), customer,
                       AccountContext{.seed = 9,
                                      .loan_index = 1,
                                      .start = absl::CivilDay(2026, 1, 5),
                                      .days = days,
                                      .zone = zone_});
  }

  static std::vector<loan::v1::LoanEvent> All(LoanAccount& account) {
    std::vector<loan::v1::LoanEvent> events;
    account.TakeEventsUntil(absl::InfiniteFuture(), &events);
    return events;
  }

  absl::TimeZone zone_;
};

TEST_F(LoanAccountTest, EventsComeInOrderWithSequenceNumbersAndTheLoanOpenedFirst) {
  LoanAccount account = Account(Behaviour::kLate);
  const std::vector<loan::v1::LoanEvent> events = All(account);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events[0].has_loan_opened());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].loan_sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(events[i].loan_id(), "L00000001");
    EXPECT_EQ(events[i].customer_id(), "C00000000");
    if (i > 0) {
      EXPECT_LE(FromTimestamp(events[i - 1].occurred_at()), FromTimestamp(events[i].occurred_at()));
    }
  }
  EXPECT_EQ(account.next_event_time(), absl::InfiniteFuture());
}

TEST_F(LoanAccountTest, TakeEventsUntilReleasesOnlyWhatIsDue) {
  LoanAccount account = Account(Behaviour::kOnTime);
  std::vector<loan::v1::LoanEvent> events;
  const absl::Time start = absl::FromCivil(absl::CivilDay(2026, 1, 5), zone_);
  account.TakeEventsUntil(start, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].has_loan_opened());
  EXPECT_GT(account.next_event_time(), start);
}

TEST_F(LoanAccountTest, OnTimeCustomerPaysEachInstallmentByItsDueDateAndTheLoanCloses) {
  LoanAccount account = Account(Behaviour::kOnTime);
  int64_t paid = 0;
  int64_t reversed = 0;
  bool closed = false;
  for (const loan::v1::LoanEvent& event : All(account)) {
    if (event.has_repayment_posted()) paid += event.repayment_posted().amount().amount_minor();
    if (event.has_repayment_reversed()) ++reversed;
    closed |= event.has_loan_closed();
  }
  int64_t due = 0;
  for (const InstallmentTerms& installment : account.schedule()) due += installment.total_minor();
  if (reversed == 0) {
    EXPECT_EQ(paid, due);
  } else {
    EXPECT_GT(paid, due);  // paid again, with penalty
  }
  EXPECT_TRUE(closed);
  const absl::Time july = absl::FromCivil(absl::CivilDay(2026, 7, 2), zone_);
  EXPECT_EQ(account.OverdueEstimate(july), 0);
}

TEST_F(LoanAccountTest, LateCustomerPaysAfterTheDueDateWithPenalty) {
  LoanAccount account = Account(Behaviour::kLate);
  std::vector<loan::v1::LoanEvent> events = All(account);
  int repayments = 0;
  for (const loan::v1::LoanEvent& event : events) {
    if (!event.has_repayment_posted()) continue;
    const InstallmentTerms& installment = account.schedule()[static_cast<size_t>(repayments)];
    ++repayments;
    ASSERT_OK_AND_ASSIGN(absl::CivilDay value_date,
                         CivilDayFromProto(event.repayment_posted().value_date(), "value_date"));
    // Due on the 1st; one to 25 days late.
    EXPECT_GT(value_date, installment.due_date);
    EXPECT_LE(value_date, installment.due_date + 25);
    EXPECT_GT(event.repayment_posted().amount().amount_minor(), installment.total_minor());
  }
  EXPECT_EQ(repayments, 6);
}

TEST_F(LoanAccountTest, HardshipCustomerStopsAtTheOnset) {
  // Onset on day 60 (2026-03-06): installments due on Feb 1 and Mar 1 are
  // paid, none after.
  LoanAccount account = Account(Behaviour::kHardship, 60);
  int repayments = 0;
  for (const loan::v1::LoanEvent& event : All(account)) {
    if (event.has_repayment_posted()) ++repayments;
    EXPECT_FALSE(event.has_loan_closed());
  }
  EXPECT_GE(repayments, 2);
  EXPECT_LE(repayments, 3);  // a bounced direct debit is paid again
  const absl::Time may = absl::FromCivil(absl::CivilDay(2026, 5, 10), zone_);
  EXPECT_GT(account.OverdueEstimate(may), 2 * 1'000'00);
  EXPECT_EQ(account.NextRepaymentAfter(may), std::nullopt);
}

TEST_F(LoanAccountTest, AgreedNewScheduleRestructuresFromTheFirstUnpaidInstallment) {
  LoanAccount account = Account(Behaviour::kHardship, 0);
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 14, 0, 0), zone_);
  std::vector<loan::v1::LoanEvent> before;
  account.TakeEventsUntil(now, &before);

  strategy::v1::LoanPlanTerms terms;
  terms.set_loan_id("L00000001");
  for (int k = 0; k < 4; ++k) {
    strategy::v1::PlannedInstallment& installment =
        *terms.mutable_new_schedule()->add_installments();
    installment.set_number(k + 1);
    *installment.mutable_due_date() = ToProto(absl::CivilDay(2026, 4 + k, 15));
    installment.mutable_amount()->set_amount_minor(1'600'00);
    installment.mutable_amount()->set_currency_code("CNY");
  }
  ASSERT_OK(account.ApplyPlan(terms, "PLAN-1", now));
  ASSERT_OK(account.ApplyPlan(terms, "PLAN-1", now));  // idempotent
  EXPECT_TRUE(account.restructured());

  std::vector<loan::v1::LoanEvent> after = All(account);
  ASSERT_FALSE(after.empty());
  ASSERT_TRUE(after[0].has_schedule_restructured());
  const loan::v1::ScheduleRestructured& restructured = after[0].schedule_restructured();
  EXPECT_EQ(restructured.replaces_from_number(), 1);
  EXPECT_EQ(restructured.plan_id(), "PLAN-1");
  EXPECT_EQ(restructured.reason(), "HARDSHIP_PLAN");
  ASSERT_EQ(restructured.installments_size(), 4);
  int64_t principal = 0;
  for (const loan::v1::Installment& installment : restructured.installments()) {
    principal += installment.principal().amount_minor();
    EXPECT_EQ(installment.principal().amount_minor() + installment.interest().amount_minor(),
              1'600'00);
  }
  EXPECT_EQ(principal, 6'000'00);
  EXPECT_EQ(after[0].loan_sequence(), static_cast<int64_t>(before.size()) + 1);
  int repayments = 0;
  for (const loan::v1::LoanEvent& event : after) repayments += event.has_repayment_posted();
  EXPECT_GE(repayments, 3);  // most keep the plan
}

TEST_F(LoanAccountTest, AFeeOnAPlannedInstallmentNamesTheScheduleRevision) {
  // Cards (the consumer loan charges no late fee) of hardship debtors: a
  // deferral keeps installment 1's number with a new due date, and a debtor
  // who misses it again is charged a new fee, not the first one repeated.
  const Customer customer = CustomerWith(Behaviour::kHardship, 0);
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 14, 0, 0), zone_);
  int revised = 0;
  for (int index = 1; index <= 40; ++index) {
    LoanAccount account(SixMonthLoan(customer, "CREDIT_CARD"), customer,
                        AccountContext{.seed = 9,
                                       .loan_index = index,
                                       .start = absl::CivilDay(2026, 1, 5),
                                       .days = 200,
                                       .zone = zone_});
    std::vector<loan::v1::LoanEvent> before;
    account.TakeEventsUntil(now, &before);
    strategy::v1::LoanPlanTerms terms;
    terms.mutable_deferral()->add_installment_numbers(1);
    terms.mutable_deferral()->set_months(2);
    ASSERT_OK(account.ApplyPlan(terms, "PLAN-D", now));
    std::set<std::string> ids;
    for (const std::vector<loan::v1::LoanEvent>& events : {before, All(account)}) {
      for (const loan::v1::LoanEvent& event : events) {
        if (!event.has_fee_charged()) continue;
        EXPECT_TRUE(ids.insert(event.fee_charged().fee_id()).second)
            << event.fee_charged().fee_id() << " charged twice";
        revised += absl::StrContains(event.fee_charged().fee_id(), "-R1-");
      }
    }
  }
  EXPECT_GT(revised, 0) << "some debtors miss a planned installment too";
}

TEST_F(LoanAccountTest, DeferralMovesTheDeferredInstallmentsBack) {
  LoanAccount account = Account(Behaviour::kHardship, 0);
  const absl::Time now = absl::FromCivil(absl::CivilDay(2026, 2, 10), zone_);
  strategy::v1::LoanPlanTerms terms;
  terms.mutable_deferral()->add_installment_numbers(1);
  terms.mutable_deferral()->set_months(2);
  ASSERT_OK(account.ApplyPlan(terms, "PLAN-D", now));
  ASSERT_EQ(account.schedule().size(), 6u);
  EXPECT_EQ(account.schedule()[0].due_date, absl::CivilDay(2026, 4, 1));
  EXPECT_EQ(account.schedule()[5].due_date, absl::CivilDay(2026, 9, 1));
}

TEST_F(LoanAccountTest, BadPlanTermsAreRejectedNamingTheField) {
  LoanAccount account = Account(Behaviour::kHardship, 0);
  const absl::Time now = absl::FromCivil(absl::CivilDay(2026, 2, 10), zone_);
  EXPECT_THAT(account.ApplyPlan(strategy::v1::LoanPlanTerms(), "P", now),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("terms")));
  strategy::v1::LoanPlanTerms empty_deferral;
  empty_deferral.mutable_deferral()->set_months(1);
  EXPECT_THAT(account.ApplyPlan(empty_deferral, "P", now),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("deferral.installment_numbers")));
  EXPECT_FALSE(account.restructured());
}

TEST_F(LoanAccountTest, UnpaidInstallmentsAreTheOverdueAndUpcomingOnes) {
  LoanAccount on_time = Account(Behaviour::kOnTime);
  const absl::Time march = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 14, 0, 0), zone_);
  std::vector<int> numbers;
  for (const InstallmentTerms& installment : on_time.UnpaidInstallments(march)) {
    numbers.push_back(installment.number);
  }
  EXPECT_THAT(numbers, ::testing::ElementsAre(3, 4, 5, 6));
  EXPECT_THAT(on_time.UnpaidInstallments(absl::FromCivil(absl::CivilDay(2026, 8, 1), zone_)),
              ::testing::IsEmpty());

  // In hardship from the start: nothing is paid, so everything is unpaid.
  LoanAccount hardship = Account(Behaviour::kHardship, 0);
  const std::vector<InstallmentTerms> unpaid = hardship.UnpaidInstallments(march);
  ASSERT_EQ(unpaid.size(), 6u);
  EXPECT_EQ(unpaid.front(), hardship.schedule().front());
}

TEST_F(LoanAccountTest, PlanForAFullyPaidLoanIsAFailedPrecondition) {
  LoanAccount account = Account(Behaviour::kOnTime);
  const absl::Time later = absl::FromCivil(absl::CivilDay(2026, 8, 1), zone_);
  strategy::v1::LoanPlanTerms terms;
  auto* installment = terms.mutable_new_schedule()->add_installments();
  *installment->mutable_due_date() = ToProto(absl::CivilDay(2026, 9, 1));
  installment->mutable_amount()->set_amount_minor(100);
  EXPECT_THAT(account.ApplyPlan(terms, "P", later),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// DraftHardshipTerms (hardship_plan.h) on this fixture's loan: the terms a
// collector drafts must pass the checks of the strategy service's ProposePlan
// and, applied by the loan system, leave nothing overdue.
TEST_F(LoanAccountTest, HardshipTermsAreValidAndCureTheLoanOnceApplied) {
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 14, 0, 0), zone_);
  const absl::CivilDay today(2026, 3, 10);
  int deferrals = 0;
  int schedules = 0;
  for (uint64_t offer = 0; offer < 60; ++offer) {
    LoanAccount account = Account(Behaviour::kHardship, 0);
    const std::vector<InstallmentTerms> unpaid = account.UnpaidInstallments(now);
    int64_t unpaid_total = 0;
    for (const InstallmentTerms& installment : unpaid) unpaid_total += installment.total_minor();
    EntityRandom random(3, "hardship-plan-test", offer);
    std::optional<strategy::v1::LoanPlanTerms> terms =
        DraftHardshipTerms(account, now, zone_, random);
    ASSERT_TRUE(terms.has_value());
    EXPECT_EQ(terms->loan_id(), "L00000001");
    EXPECT_EQ(terms->total_to_pay().amount_minor(), unpaid_total);
    EXPECT_EQ(terms->total_to_pay().currency_code(), "CNY");
    if (terms->has_deferral()) {
      ++deferrals;
      // The two overdue installments (due 1 Feb and 1 Mar), moved so the
      // oldest falls due at least a week after today.
      EXPECT_THAT(terms->deferral().installment_numbers(), ::testing::ElementsAre(1, 2));
      EXPECT_GE(terms->deferral().months(), 2);
      EXPECT_LE(terms->deferral().months(), 6);
      EXPECT_GE(time::AddMonthsClamped(absl::CivilDay(2026, 2, 1), terms->deferral().months()),
                today + 7);
      EXPECT_TRUE(terms->deferral().waive_penalties());
    } else {
      ASSERT_TRUE(terms->has_new_schedule());
      ++schedules;
      const auto& installments = terms->new_schedule().installments();
      EXPECT_GE(installments.size(), static_cast<int>(unpaid.size()) + 6);
      EXPECT_LE(installments.size(), static_cast<int>(unpaid.size()) + 12);
      int64_t sum = 0;
      int64_t low = installments[0].amount().amount_minor();
      int64_t high = low;
      absl::CivilDay previous = today;
      for (int k = 0; k < installments.size(); ++k) {
        EXPECT_EQ(installments[k].number(), k + 1);
        ASSERT_OK_AND_ASSIGN(absl::CivilDay due,
                             CivilDayFromProto(installments[k].due_date(), "due_date"));
        EXPECT_GT(due, previous);
        previous = due;
        const int64_t amount = installments[k].amount().amount_minor();
        EXPECT_GT(amount, 0);
        EXPECT_EQ(installments[k].amount().currency_code(), "CNY");
        sum += amount;
        low = std::min(low, amount);
        high = std::max(high, amount);
      }
      EXPECT_EQ(sum, unpaid_total);
      EXPECT_LE(high - low, 1);  // equal installments, to the minor unit
    }
    ASSERT_OK(account.ApplyPlan(*terms, absl::StrCat("PLAN-", offer), now));
    EXPECT_EQ(account.OverdueEstimate(now), 0) << terms->DebugString();
  }
  // About 4 offers in 10 are deferrals.
  EXPECT_GE(deferrals, 12);
  EXPECT_GE(schedules, 24);
}

TEST_F(LoanAccountTest, HardshipTermsAreANewScheduleWhenADeferralCannotCure) {
  // Every installment is months overdue: no deferral of up to 6 months
  // brings 1 Feb a week past 20 Sep.
  const absl::Time now = absl::FromCivil(absl::CivilDay(2026, 9, 20), zone_);
  for (uint64_t offer = 0; offer < 20; ++offer) {
    LoanAccount account = Account(Behaviour::kHardship, 0, 300);
    EntityRandom random(3, "hardship-plan-test", offer);
    std::optional<strategy::v1::LoanPlanTerms> terms =
        DraftHardshipTerms(account, now, zone_, random);
    ASSERT_TRUE(terms.has_value());
    ASSERT_TRUE(terms->has_new_schedule());
    ASSERT_OK(account.ApplyPlan(*terms, "PLAN", now));
    EXPECT_EQ(account.OverdueEstimate(now), 0);
  }
}

TEST_F(LoanAccountTest, NoHardshipTermsForALoanWithNothingOverdue) {
  LoanAccount account = Account(Behaviour::kOnTime);
  EntityRandom random(3, "hardship-plan-test", 0);
  EXPECT_EQ(
      DraftHardshipTerms(account, absl::FromCivil(absl::CivilSecond(2026, 3, 10, 14, 0, 0), zone_),
                         zone_, random),
      std::nullopt);
}

}  // namespace
}  // namespace arrears::simulator
