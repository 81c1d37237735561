// Builders of arrears.loan.v1.LoanEvent messages for overdue detection tests:
// one line per event, amounts in minor units of CNY unless a currency is
// given, dates as absl::CivilDay. Test-only.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_LOAN_EVENTS_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_LOAN_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"

namespace arrears::overdue::testing {

inline common::v1::Money Minor(int64_t minor, const std::string& currency = "CNY") {
  common::v1::Money money;
  money.set_amount_minor(minor);
  money.set_currency_code(currency);
  return money;
}

inline loan::v1::Installment Inst(int32_t number, absl::CivilDay due, int64_t principal,
                                  int64_t interest, int64_t fees = 0) {
  loan::v1::Installment i;
  i.set_number(number);
  *i.mutable_due_date() = ToProto(due);
  *i.mutable_principal() = Minor(principal);
  *i.mutable_interest() = Minor(interest);
  *i.mutable_fees() = Minor(fees);
  return i;
}

// `count` installments due monthly from `first_due` (clamped to month ends),
// principal split evenly (the remainder on the last), fixed interest.
inline std::vector<loan::v1::Installment> Monthly(absl::CivilDay first_due, int count,
                                                  int64_t principal, int64_t interest,
                                                  int32_t first_number = 1) {
  std::vector<loan::v1::Installment> result;
  const int64_t each = principal / count;
  for (int i = 0; i < count; ++i) {
    const int64_t p = i + 1 == count ? principal - each * (count - 1) : each;
    result.push_back(Inst(first_number + i, time::AddMonthsClamped(first_due, i), p, interest));
  }
  return result;
}

inline loan::v1::LoanEvent Base(const std::string& loan_id) {
  loan::v1::LoanEvent e;
  e.set_loan_id(loan_id);
  e.set_customer_id(absl::StrCat("cust-", loan_id));
  return e;
}

inline loan::v1::LoanEvent Opened(const std::string& loan_id, const std::string& product,
                                  absl::CivilDay disbursement,
                                  const std::vector<loan::v1::Installment>& installments,
                                  const std::string& time_zone = "Asia/Shanghai") {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::LoanOpened* o = e.mutable_loan_opened();
  o->set_product_code(product);
  o->set_branch_id("BR-001");
  o->set_currency_code("CNY");
  o->set_time_zone(time_zone);
  *o->mutable_disbursement_date() = ToProto(disbursement);
  int64_t principal = 0;
  for (const loan::v1::Installment& i : installments) {
    *o->add_installments() = i;
    principal += i.principal().amount_minor();
  }
  *o->mutable_principal() = Minor(principal);
  return e;
}

inline loan::v1::LoanEvent Repayment(const std::string& loan_id, const std::string& repayment_id,
                                     int64_t amount, absl::CivilDay value_date) {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::RepaymentPosted* r = e.mutable_repayment_posted();
  r->set_repayment_id(repayment_id);
  *r->mutable_amount() = Minor(amount);
  *r->mutable_value_date() = ToProto(value_date);
  r->set_payment_channel("BANK_TRANSFER");
  return e;
}

inline loan::v1::LoanEvent Reversal(const std::string& loan_id, const std::string& reversal_id,
                                    const std::string& repayment_id) {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::RepaymentReversed* r = e.mutable_repayment_reversed();
  r->set_reversal_id(reversal_id);
  r->set_repayment_id(repayment_id);
  r->set_reason("INSUFFICIENT_FUNDS");
  return e;
}

inline loan::v1::LoanEvent Restructure(const std::string& loan_id, const std::string& id,
                                       absl::CivilDay effective, int32_t replaces_from,
                                       const std::vector<loan::v1::Installment>& installments) {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::ScheduleRestructured* r = e.mutable_schedule_restructured();
  r->set_restructure_id(id);
  *r->mutable_effective_date() = ToProto(effective);
  r->set_replaces_from_number(replaces_from);
  for (const loan::v1::Installment& i : installments) {
    *r->add_installments() = i;
  }
  r->set_reason("HARDSHIP_PLAN");
  return e;
}

// installment_number 0: a standalone fee due on `due_date`.
inline loan::v1::LoanEvent Fee(const std::string& loan_id, const std::string& fee_id,
                               int64_t amount, int32_t installment_number,
                               absl::CivilDay charge_date, absl::CivilDay due_date = {}) {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::FeeCharged* f = e.mutable_fee_charged();
  f->set_fee_id(fee_id);
  f->set_fee_code("LATE_FEE");
  *f->mutable_amount() = Minor(amount);
  f->set_installment_number(installment_number);
  *f->mutable_charge_date() = ToProto(charge_date);
  if (installment_number == 0) {
    *f->mutable_due_date() = ToProto(due_date);
  }
  return e;
}

inline loan::v1::LoanEvent Waiver(const std::string& loan_id, const std::string& waiver_id,
                                  const std::string& fee_id, int64_t amount,
                                  absl::CivilDay effective) {
  loan::v1::LoanEvent e = Base(loan_id);
  loan::v1::FeeWaived* w = e.mutable_fee_waived();
  w->set_waiver_id(waiver_id);
  w->set_fee_id(fee_id);
  *w->mutable_amount() = Minor(amount);
  *w->mutable_effective_date() = ToProto(effective);
  return e;
}

inline loan::v1::LoanEvent Closed(const std::string& loan_id, absl::CivilDay closed_on) {
  loan::v1::LoanEvent e = Base(loan_id);
  e.mutable_loan_closed()->set_reason(loan::v1::LoanClosed::REASON_PAID_OFF);
  *e.mutable_loan_closed()->mutable_closed_on() = ToProto(closed_on);
  return e;
}

inline loan::v1::LoanEvent WrittenOff(const std::string& loan_id, absl::CivilDay on,
                                      int64_t amount) {
  loan::v1::LoanEvent e = Base(loan_id);
  *e.mutable_loan_written_off()->mutable_written_off_on() = ToProto(on);
  *e.mutable_loan_written_off()->mutable_amount() = Minor(amount);
  e.mutable_loan_written_off()->set_reason("UNCOLLECTIBLE");
  return e;
}

}  // namespace arrears::overdue::testing

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_LOAN_EVENTS_H_
