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
  SetBucket(product, ordinal, &bucket);
  return bucket;
}

void SetBucket(const ProductConfig& product, int32_t ordinal, delinquency::v1::Bucket* bucket) {
  if (ordinal >= 0 && ordinal < static_cast<int32_t>(product.buckets.size())) {
    bucket->set_code(product.buckets[ordinal].code);
  }
  bucket->set_ordinal(ordinal);
}

LoanIdentity LoanIdentity::Of(const Loan& loan) {
  return {.loan_id = loan.loan_id(),
          .customer_id = loan.customer_id(),
          .product_code = loan.product_code(),
          .branch_id = loan.branch_id(),
          .currency_code = loan.currency().code(),
          .time_zone = loan.time_zone_name()};
}

SnapshotFigures SnapshotFigures::Of(const LoanPosition& position) {
  return {.as_of = position.as_of,
          .state = position.state,
          .dpd = position.dpd,
          .bucket_ordinal = position.bucket_ordinal,
          .regulatory_class = position.regulatory_class,
          .overdue = position.overdue,
          .total_outstanding_minor = position.total_outstanding_minor,
          .oldest_overdue_due_date = position.oldest_overdue_due_date,
          .missed_installment_count = position.missed_installment_count,
          .credit_minor = position.credit_minor,
          .next_due_date = position.next_due_date,
          .next_due_amount_minor = position.next_due_amount_minor,
          .delinquent_since = position.delinquent_since};
}

common::v1::Money MoneyProto(int64_t minor, absl::string_view currency_code) {
  common::v1::Money money;
  SetMoney(minor, currency_code, &money);
  return money;
}

void SetMoney(int64_t minor, absl::string_view currency_code, common::v1::Money* money) {
  money->set_amount_minor(minor);
  money->set_currency_code(currency_code.data(), currency_code.size());
}

namespace {

void SetDay(absl::CivilDay day, common::v1::Date* date) { *date = ToProto(day); }

}  // namespace

void BuildSnapshot(const LoanIdentity& loan, const ProductConfig& product, const SnapshotFigures& f,
                   delinquency::v1::DelinquencySnapshot* out) {
  // Filled in place (no temporaries): the close builds one per notice.
  delinquency::v1::DelinquencySnapshot& s = *out;
  s.set_loan_id(loan.loan_id.data(), loan.loan_id.size());
  s.set_customer_id(loan.customer_id.data(), loan.customer_id.size());
  s.set_product_code(loan.product_code.data(), loan.product_code.size());
  s.set_branch_id(loan.branch_id.data(), loan.branch_id.size());
  s.set_currency_code(loan.currency_code.data(), loan.currency_code.size());
  s.set_time_zone(loan.time_zone.data(), loan.time_zone.size());
  SetDay(f.as_of, s.mutable_business_date());
  s.set_state(f.state);
  s.set_dpd(f.dpd);
  SetBucket(product, f.bucket_ordinal, s.mutable_bucket());
  s.set_regulatory_class(f.regulatory_class);
  const absl::string_view currency = loan.currency_code;
  SetMoney(f.overdue.principal, currency, s.mutable_overdue_principal());
  SetMoney(f.overdue.interest, currency, s.mutable_overdue_interest());
  SetMoney(f.overdue.penalty, currency, s.mutable_overdue_penalty());
  SetMoney(f.overdue.fees, currency, s.mutable_overdue_fees());
  SetMoney(f.overdue.Total(), currency, s.mutable_total_overdue());
  SetMoney(f.total_outstanding_minor, currency, s.mutable_total_outstanding());
  if (f.oldest_overdue_due_date.has_value()) {
    SetDay(*f.oldest_overdue_due_date, s.mutable_oldest_overdue_due_date());
  }
  s.set_missed_installment_count(f.missed_installment_count);
  SetMoney(f.credit_minor, currency, s.mutable_credit_balance());
  if (f.next_due_date.has_value()) {
    SetDay(*f.next_due_date, s.mutable_next_due_date());
  }
  SetMoney(f.next_due_amount_minor, currency, s.mutable_next_due_amount());
  if (f.delinquent_since.has_value()) {
    SetDay(*f.delinquent_since, s.mutable_delinquent_since());
  }
}

delinquency::v1::DelinquencySnapshot BuildSnapshot(const LoanIdentity& loan,
                                                   const ProductConfig& product,
                                                   const SnapshotFigures& figures) {
  delinquency::v1::DelinquencySnapshot s;
  BuildSnapshot(loan, product, figures, &s);
  return s;
}

delinquency::v1::DelinquencySnapshot BuildSnapshot(const Loan& loan, const ProductConfig& product,
                                                   const LoanPosition& position) {
  return BuildSnapshot(LoanIdentity::Of(loan), product, SnapshotFigures::Of(position));
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
