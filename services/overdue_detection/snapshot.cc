#include "services/overdue_detection/snapshot.h"

#include <string>

#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"

namespace arrears::overdue {
namespace {

common::v1::Money Amount(const Loan& loan, int64_t minor) {
  return ToProto(money::Money::FromMinor(minor, loan.currency()));
}

}  // namespace

delinquency::v1::Bucket BucketProto(const ProductConfig& product, int32_t ordinal) {
  delinquency::v1::Bucket bucket;
  if (ordinal >= 0 && ordinal < static_cast<int32_t>(product.buckets.size())) {
    bucket.set_code(product.buckets[ordinal].code);
  }
  bucket.set_ordinal(ordinal);
  return bucket;
}

delinquency::v1::DelinquencySnapshot BuildSnapshot(const Loan& loan, const ProductConfig& product,
                                                   const LoanPosition& position) {
  delinquency::v1::DelinquencySnapshot s;
  s.set_loan_id(loan.loan_id());
  s.set_customer_id(loan.customer_id());
  s.set_product_code(loan.product_code());
  s.set_branch_id(loan.branch_id());
  s.set_currency_code(std::string(loan.currency().code()));
  s.set_time_zone(loan.time_zone_name());
  *s.mutable_business_date() = ToProto(position.as_of);
  s.set_state(position.state);
  s.set_dpd(position.dpd);
  *s.mutable_bucket() = BucketProto(product, position.bucket_ordinal);
  s.set_regulatory_class(position.regulatory_class);
  const ComponentAmounts& overdue = position.overdue;
  *s.mutable_overdue_principal() = Amount(loan, overdue.principal);
  *s.mutable_overdue_interest() = Amount(loan, overdue.interest);
  *s.mutable_overdue_penalty() = Amount(loan, overdue.penalty);
  *s.mutable_overdue_fees() = Amount(loan, overdue.fees);
  *s.mutable_total_overdue() = Amount(loan, overdue.Total());
  *s.mutable_total_outstanding() = Amount(loan, position.total_outstanding_minor);
  if (position.oldest_overdue_due_date.has_value()) {
    *s.mutable_oldest_overdue_due_date() = ToProto(*position.oldest_overdue_due_date);
  }
  s.set_missed_installment_count(position.missed_installment_count);
  *s.mutable_credit_balance() = Amount(loan, position.credit_minor);
  if (position.next_due_date.has_value()) {
    *s.mutable_next_due_date() = ToProto(*position.next_due_date);
  }
  *s.mutable_next_due_amount() = Amount(loan, position.next_due_amount_minor);
  if (position.delinquent_since.has_value()) {
    *s.mutable_delinquent_since() = ToProto(*position.delinquent_since);
  }
  return s;
}

std::vector<delinquency::v1::InstallmentStatus> InstallmentStatuses(const Loan& loan,
                                                                    const LoanPosition& position) {
  std::vector<delinquency::v1::InstallmentStatus> result;
  for (const Obligation& o : position.obligations) {
    if (o.kind != ObligationKind::kInstallment) {
      continue;
    }
    delinquency::v1::InstallmentStatus status;
    status.set_number(o.number);
    *status.mutable_due_date() = ToProto(o.due_date);
    *status.mutable_amount_due() = Amount(loan, o.due.principal + o.due.interest + o.due.fees);
    *status.mutable_amount_paid() = Amount(loan, o.paid.Total());
    *status.mutable_amount_unpaid() = Amount(loan, o.Unpaid());
    *status.mutable_penalty_accrued() = Amount(loan, o.due.penalty);
    status.set_overdue(o.overdue);
    if (o.paid_on.has_value()) {
      *status.mutable_paid_on() = ToProto(*o.paid_on);
    }
    result.push_back(std::move(status));
  }
  return result;
}

delinquency::v1::DelinquencyHistory HistoryProto(const ProductConfig& product,
                                                 const DelinquencyHistory& history,
                                                 absl::string_view name) {
  delinquency::v1::DelinquencyHistory proto;
  proto.set_name(std::string(name));
  for (const Period& p : history.buckets) {
    delinquency::v1::BucketPeriod* period = proto.add_bucket_periods();
    *period->mutable_bucket() = BucketProto(product, p.value);
    *period->mutable_entered_on() = ToProto(p.entered_on);
    if (p.left_on.has_value()) {
      *period->mutable_left_on() = ToProto(*p.left_on);
    }
  }
  for (const Period& p : history.classes) {
    delinquency::v1::RegulatoryClassPeriod* period = proto.add_regulatory_class_periods();
    period->set_regulatory_class(static_cast<delinquency::v1::RegulatoryClass>(p.value));
    *period->mutable_entered_on() = ToProto(p.entered_on);
    if (p.left_on.has_value()) {
      *period->mutable_left_on() = ToProto(*p.left_on);
    }
  }
  return proto;
}

}  // namespace arrears::overdue
