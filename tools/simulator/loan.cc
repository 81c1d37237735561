#include "tools/simulator/loan.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "tools/simulator/entity_random.h"

namespace arrears::simulator {
common::v1::Money MinorUnits(int64_t amount, const std::string& currency) {
  common::v1::Money money;
  money.set_amount_minor(amount);
  money.set_currency_code(currency);
  return money;
}

std::string LoanId(int64_t index) { return absl::StrFormat("L%08d", index); }

std::vector<InstallmentTerms> EqualPrincipalSchedule(int64_t principal_minor, int term_months,
                                                     int32_t nominal_rate_bp,
                                                     int64_t monthly_fee_minor,
                                                     absl::CivilDay disbursement_date) {
  std::vector<InstallmentTerms> schedule;
  schedule.reserve(static_cast<size_t>(term_months));
  const int64_t principal_each = principal_minor / term_months;
  int64_t outstanding = principal_minor;
  for (int n = 1; n <= term_months; ++n) {
    InstallmentTerms installment;
    installment.number = n;
    installment.due_date = time::AddMonthsClamped(disbursement_date, n);
    installment.principal_minor = n < term_months ? principal_each : outstanding;
    // Monthly interest on the outstanding balance, rounded half up:
    // balance * rate_bp / 10'000 / 12.
    installment.interest_minor = (outstanding * nominal_rate_bp + 60'000) / 120'000;
    installment.fees_minor = monthly_fee_minor;
    outstanding -= installment.principal_minor;
    schedule.push_back(installment);
  }
  return schedule;
}

Loan GenerateLoan(uint64_t seed, int64_t index, const Customer& customer, absl::CivilDay start) {
  EntityRandom random(seed, "loan", static_cast<uint64_t>(index));
  std::vector<int> shares;
  for (const ProductShape& product : Products()) shares.push_back(product.share_percent);
  const ProductShape& product = Products()[static_cast<size_t>(random.Weighted(shares))];

  Loan loan;
  loan.loan_id = LoanId(index);
  loan.customer_id = customer.customer_id;
  loan.product = &product;
  const int64_t steps = random.Uniform(product.min_principal_minor / product.principal_step_minor,
                                       product.max_principal_minor / product.principal_step_minor);
  loan.principal_minor = steps * product.principal_step_minor;
  loan.term_months = random.Pick(absl::MakeConstSpan(product.terms_months));
  loan.disbursement_date = start - random.Uniform(1, 28);
  loan.branch_id = customer.branch_id;
  const int64_t monthly_fee = loan.principal_minor * product.monthly_fee_bp / 10'000;
  loan.installments =
      EqualPrincipalSchedule(loan.principal_minor, loan.term_months, product.nominal_rate_bp,
                             monthly_fee, loan.disbursement_date);
  return loan;
}

loan::v1::Installment ToInstallmentProto(const InstallmentTerms& terms,
                                         const std::string& currency) {
  loan::v1::Installment installment;
  installment.set_number(terms.number);
  *installment.mutable_due_date() = ToProto(terms.due_date);
  *installment.mutable_principal() = MinorUnits(terms.principal_minor, currency);
  *installment.mutable_interest() = MinorUnits(terms.interest_minor, currency);
  *installment.mutable_fees() = MinorUnits(terms.fees_minor, currency);
  return installment;
}

loan::v1::LoanOpened ToLoanOpened(const Loan& loan) {
  const std::string& currency = loan.product->currency;
  loan::v1::LoanOpened opened;
  opened.set_product_code(loan.product->code);
  opened.set_branch_id(loan.branch_id);
  opened.set_currency_code(currency);
  *opened.mutable_principal() = MinorUnits(loan.principal_minor, currency);
  opened.set_time_zone(kLoanTimeZone);
  *opened.mutable_disbursement_date() = ToProto(loan.disbursement_date);
  for (const InstallmentTerms& terms : loan.installments) {
    *opened.add_installments() = ToInstallmentProto(terms, currency);
  }
  opened.set_booking_jurisdiction("CN");
  opened.set_nominal_rate_bp(loan.product->nominal_rate_bp);
  return opened;
}

}  // namespace arrears::simulator
