// A simulated loan's contract: product, principal, disbursement and the
// installment schedule the loan system publishes in LoanOpened.
//
// Schedules are equal-principal (等额本金): each installment repays
// principal / n (the last one the remainder, so the principal parts sum to
// the principal exactly) plus interest on the balance still outstanding, plus
// the product's monthly fee. Everything is integer minor units; installments
// fall due monthly on the disbursement day (clamped to short months).
// Loans are booked in China: their time zone is Asia/Shanghai whatever the
// customer's residence. Value types; functions are pure and thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_LOAN_H_
#define ARREARS_TOOLS_SIMULATOR_LOAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "tools/simulator/customer.h"
#include "tools/simulator/product_catalog.h"

namespace arrears::simulator {

inline constexpr char kLoanTimeZone[] = "Asia/Shanghai";

struct InstallmentTerms {
  int number = 0;
  absl::CivilDay due_date;
  int64_t principal_minor = 0;
  int64_t interest_minor = 0;
  int64_t fees_minor = 0;

  int64_t total_minor() const { return principal_minor + interest_minor + fees_minor; }
  friend bool operator==(const InstallmentTerms&, const InstallmentTerms&) = default;
};

struct Loan {
  std::string loan_id;
  std::string customer_id;
  const ProductShape* product = nullptr;
  int64_t principal_minor = 0;
  int term_months = 0;
  absl::CivilDay disbursement_date;
  std::string branch_id;
  std::vector<InstallmentTerms> installments;
};

// "L00000042" for index 42.
std::string LoanId(int64_t index);

// A Money message of `amount` minor units (fen for CNY) in `currency`.
common::v1::Money MinorUnits(int64_t amount, const std::string& currency);

// The equal-principal schedule described above; `term_months` >= 1,
// principal > 0.
std::vector<InstallmentTerms> EqualPrincipalSchedule(int64_t principal_minor, int term_months,
                                                     int32_t nominal_rate_bp,
                                                     int64_t monthly_fee_minor,
                                                     absl::CivilDay disbursement_date);

// Loan number `index` of the book, borrowed by `customer`, disbursed within
// the 28 days before `start` (so its first installment falls due in the
// simulation's first month, never before `start`).
Loan GenerateLoan(uint64_t seed, int64_t index, const Customer& customer, absl::CivilDay start);

// The proto forms, in the loan's currency.
loan::v1::Installment ToInstallmentProto(const InstallmentTerms& terms,
                                         const std::string& currency);
loan::v1::LoanOpened ToLoanOpened(const Loan& loan);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_LOAN_H_
