#include "tools/simulator/loan.h"

#include <set>
#include <string>

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace arrears::simulator {
namespace {

CustomerGeneration Generation(uint64_t seed) {
  CustomerGeneration generation;
  generation.seed = seed;
  return generation;
}

TEST(ProductCatalogTest, CodesAndCurrenciesAreThoseOfTheOverdueService) {
  const YAML::Node config = YAML::LoadFile(ARREARS_PRODUCTS_YAML);
  std::map<std::string, std::string> configured;
  for (const YAML::Node& product : config["products"]) {
    configured[product["code"].as<std::string>()] = product["currency"].as<std::string>();
  }
  int shares = 0;
  for (const ProductShape& product : Products()) {
    ASSERT_TRUE(configured.contains(product.code)) << product.code << " not in products.yaml";
    EXPECT_EQ(configured[product.code], product.currency) << product.code;
    EXPECT_EQ(FindProduct(product.code), &product);
    shares += product.share_percent;
  }
  EXPECT_EQ(shares, 100);
  EXPECT_EQ(FindProduct("MORTGAGE"), nullptr);
}

TEST(ScheduleTest, EqualPrincipalSumsToThePrincipalWithInterestOnTheBalance) {
  const std::vector<InstallmentTerms> schedule =
      EqualPrincipalSchedule(100'000'00, 12, 1200, 0, absl::CivilDay(2026, 1, 31));
  ASSERT_EQ(schedule.size(), 12u);
  int64_t principal = 0;
  for (size_t i = 0; i < schedule.size(); ++i) {
    EXPECT_EQ(schedule[i].number, static_cast<int>(i) + 1);
    if (i > 0) {
      EXPECT_GT(schedule[i].due_date, schedule[i - 1].due_date);
      EXPECT_LT(schedule[i].interest_minor, schedule[i - 1].interest_minor);
    }
    principal += schedule[i].principal_minor;
  }
  EXPECT_EQ(principal, 100'000'00);
  // 1 % a month on 100,000.00.
  EXPECT_EQ(schedule[0].interest_minor, 1'000'00);
  // Month ends clamp: Jan 31 + 1 month = Feb 28 in 2026.
  EXPECT_EQ(schedule[0].due_date, absl::CivilDay(2026, 2, 28));
  EXPECT_EQ(schedule[1].due_date, absl::CivilDay(2026, 3, 31));
}

TEST(ScheduleTest, RemainderGoesToTheLastInstallment) {
  const std::vector<InstallmentTerms> schedule =
      EqualPrincipalSchedule(1'000'01, 3, 0, 6'00, absl::CivilDay(2026, 1, 10));
  EXPECT_EQ(schedule[0].principal_minor, 333'33);
  EXPECT_EQ(schedule[2].principal_minor, 333'35);
  EXPECT_EQ(schedule[2].fees_minor, 6'00);
  EXPECT_EQ(schedule[2].total_minor(), 339'35);
}

TEST(LoanTest, GeneratedLoansAreValidAndDeterministic) {
  const Customer customer = GenerateCustomer(Generation(2), 0);
  const absl::CivilDay start(2026, 1, 5);
  std::set<std::string> products;
  for (int64_t index = 0; index < 200; ++index) {
    const Loan loan = GenerateLoan(2, index, customer, start);
    SCOPED_TRACE(loan.loan_id);
    EXPECT_EQ(GenerateLoan(2, index, customer, start).installments, loan.installments);
    products.insert(loan.product->code);
    EXPECT_GE(loan.principal_minor, loan.product->min_principal_minor);
    EXPECT_LE(loan.principal_minor, loan.product->max_principal_minor);
    EXPECT_LT(loan.disbursement_date, start);
    EXPECT_GE(loan.disbursement_date, start - 28);
    ASSERT_EQ(static_cast<int>(loan.installments.size()), loan.term_months);
    EXPECT_GE(loan.installments.front().due_date, start);

    const loan::v1::LoanOpened opened = ToLoanOpened(loan);
    EXPECT_EQ(opened.product_code(), loan.product->code);
    EXPECT_EQ(opened.currency_code(), "CNY");
    EXPECT_EQ(opened.time_zone(), "Asia/Shanghai");
    EXPECT_EQ(opened.booking_jurisdiction(), "CN");
    int64_t principal = 0;
    for (const loan::v1::Installment& installment : opened.installments()) {
      principal += installment.principal().amount_minor();
      EXPECT_EQ(installment.principal().currency_code(), "CNY");
      EXPECT_GE(installment.interest().amount_minor(), 0);
    }
    EXPECT_EQ(principal, opened.principal().amount_minor());
    EXPECT_OK(CivilDayFromProto(opened.disbursement_date(), "disbursement_date"));
  }
  EXPECT_EQ(products.size(), 3u);
}

}  // namespace
}  // namespace arrears::simulator
