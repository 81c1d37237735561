#include "tools/simulator/hardship_plan.h"

#include <cstdint>
#include <string>
#include <vector>

#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"

namespace arrears::simulator {
namespace {

constexpr int kDeferralChancePerMille = 400;
constexpr int kMaxDeferralMonths = 6;
// A deferred installment must fall due at least this long after today.
constexpr int kDeferralMarginDays = 7;

}  // namespace

std::optional<strategy::v1::LoanPlanTerms> DraftHardshipTerms(const LoanAccount& loan,
                                                              absl::Time now,
                                                              const absl::TimeZone& zone,
                                                              EntityRandom& random) {
  const absl::CivilDay today = time::LocalDate(now, zone);
  const std::vector<InstallmentTerms> unpaid = loan.UnpaidInstallments(now);
  std::vector<const InstallmentTerms*> overdue;
  int64_t total = 0;
  for (const InstallmentTerms& installment : unpaid) {
    if (installment.due_date < today) overdue.push_back(&installment);
    total += installment.total_minor();
  }
  if (overdue.empty() || total <= 0) return std::nullopt;
  const std::string& currency = loan.loan().product->currency;

  strategy::v1::LoanPlanTerms terms;
  terms.set_loan_id(loan.loan().loan_id);
  *terms.mutable_total_to_pay() = MinorUnits(total, currency);

  // Both draws happen whatever the outcome, so one offer's kind never shifts
  // the numbers of the other.
  const bool wants_deferral = random.ChancePerMille(kDeferralChancePerMille);
  const int first_months = static_cast<int>(random.Uniform(2, 3));
  const int extension_months = static_cast<int>(random.Uniform(6, 12));
  if (wants_deferral) {
    const absl::CivilDay oldest = overdue.front()->due_date;
    for (int months = first_months; months <= kMaxDeferralMonths; ++months) {
      if (time::AddMonthsClamped(oldest, months) < today + kDeferralMarginDays) continue;
      strategy::v1::Deferral& deferral = *terms.mutable_deferral();
      for (const InstallmentTerms* installment : overdue) {
        deferral.add_installment_numbers(installment->number);
      }
      deferral.set_months(months);
      deferral.set_interest_accrues(true);
      deferral.set_waive_penalties(true);
      return terms;
    }
  }

  const int64_t count = static_cast<int64_t>(unpaid.size()) + extension_months;
  const int64_t base = total / count;
  const int64_t remainder = total % count;
  strategy::v1::NewSchedule& schedule = *terms.mutable_new_schedule();
  for (int64_t k = 0; k < count; ++k) {
    const int64_t amount = base + (k < remainder ? 1 : 0);
    if (amount <= 0) continue;  // a tiny balance: fewer, non-zero installments
    strategy::v1::PlannedInstallment& installment = *schedule.add_installments();
    installment.set_number(schedule.installments_size());
    *installment.mutable_due_date() =
        ToProto(time::AddMonthsClamped(today, static_cast<int>(k) + 1));
    *installment.mutable_amount() = MinorUnits(amount, currency);
  }
  schedule.set_waive_penalties(true);
  return terms;
}

}  // namespace arrears::simulator
