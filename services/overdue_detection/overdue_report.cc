#include "services/overdue_detection/overdue_report.h"

#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "services/overdue_detection/snapshot.h"

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;

common::v1::Money Minor(int64_t amount, const std::string& currency_code) {
  common::v1::Money money;
  money.set_amount_minor(amount);
  money.set_currency_code(currency_code);
  return money;
}

int64_t RatePpm(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(part) * 1'000'000 / whole);
}

constexpr dv1::RegulatoryClass kClasses[] = {
    dv1::REGULATORY_CLASS_NORMAL, dv1::REGULATORY_CLASS_SPECIAL_MENTION,
    dv1::REGULATORY_CLASS_SUBSTANDARD, dv1::REGULATORY_CLASS_DOUBTFUL, dv1::REGULATORY_CLASS_LOSS};

}  // namespace

OverdueReportBuilder::OverdueReportBuilder(absl::CivilDay as_of)
    : as_of_(as_of), previous_month_end_(time::StartOfMonth(as_of) - 1) {}

void OverdueReportBuilder::Add(const Loan& loan, const ProductConfig& product,
                               const LoanPosition& now,
                               const absl::optional<MonthEndPosition>& month_end) {
  GroupData& group = groups_[{loan.product_code(), std::string(loan.currency().code())}];
  group.product = &product;
  const bool closed = now.state == dv1::DELINQUENCY_STATE_CLOSED;
  if (!closed) {
    BucketCell& cell = group.buckets[now.bucket_ordinal];
    ++cell.loans;
    cell.total_overdue += now.overdue.Total();
    cell.overdue_principal += now.overdue.principal;
    cell.total_outstanding += now.total_outstanding_minor;
    Tally& by_class = group.classes[now.regulatory_class];
    ++by_class.loans;
    by_class.outstanding += now.total_outstanding_minor;
  }
  if (month_end.has_value()) {
    Tally& from = group.roll_from[month_end->bucket_ordinal];
    ++from.loans;
    from.outstanding += month_end->outstanding_minor;
    if (!closed) {
      Tally& to = group.roll[{month_end->bucket_ordinal, now.bucket_ordinal}];
      ++to.loans;
      to.outstanding += month_end->outstanding_minor;
    }
  }
}

dv1::OverdueReport OverdueReportBuilder::Build(absl::Time generated_at,
                                               bool month_end_from_snapshot) const {
  dv1::OverdueReport report;
  *report.mutable_as_of() = ToProto(as_of_);
  *report.mutable_previous_month_end() = ToProto(previous_month_end_);
  *report.mutable_generate_time() = ToTimestamp(generated_at);
  report.set_previous_month_end_from_snapshot(month_end_from_snapshot);
  for (const auto& [key, group] : groups_) {
    const auto& [product_code, currency] = key;
    const ProductConfig& product = *group.product;
    const int32_t bucket_count = static_cast<int32_t>(product.buckets.size());
    for (int32_t ordinal = 0; ordinal < bucket_count; ++ordinal) {
      auto it = group.buckets.find(ordinal);
      const BucketCell cell = it == group.buckets.end() ? BucketCell() : it->second;
      dv1::OverdueReportRow& row = *report.add_rows();
      row.set_product_code(product_code);
      *row.mutable_bucket() = BucketProto(product, ordinal);
      row.set_currency_code(currency);
      row.set_loan_count(cell.loans);
      *row.mutable_total_overdue() = Minor(cell.total_overdue, currency);
      *row.mutable_overdue_principal() = Minor(cell.overdue_principal, currency);
      *row.mutable_total_outstanding() = Minor(cell.total_outstanding, currency);
    }
    for (dv1::RegulatoryClass regulatory_class : kClasses) {
      auto it = group.classes.find(regulatory_class);
      const Tally tally = it == group.classes.end() ? Tally() : it->second;
      dv1::RegulatoryClassRow& row = *report.add_regulatory_class_rows();
      row.set_product_code(product_code);
      row.set_regulatory_class(regulatory_class);
      row.set_currency_code(currency);
      row.set_loan_count(tally.loans);
      *row.mutable_total_outstanding() = Minor(tally.outstanding, currency);
    }
    for (const auto& [from_bucket, from] : group.roll_from) {
      for (int32_t to_bucket = 0; to_bucket < bucket_count; ++to_bucket) {
        auto it = group.roll.find({from_bucket, to_bucket});
        const Tally to = it == group.roll.end() ? Tally() : it->second;
        dv1::RollRate& rate = *report.add_roll_rates();
        rate.set_product_code(product_code);
        rate.set_currency_code(currency);
        *rate.mutable_from_bucket() = BucketProto(product, from_bucket);
        *rate.mutable_to_bucket() = BucketProto(product, to_bucket);
        rate.set_from_loan_count(from.loans);
        rate.set_to_loan_count(to.loans);
        rate.set_count_rate_ppm(RatePpm(to.loans, from.loans));
        *rate.mutable_from_outstanding() = Minor(from.outstanding, currency);
        *rate.mutable_to_outstanding() = Minor(to.outstanding, currency);
        rate.set_amount_rate_ppm(RatePpm(to.outstanding, from.outstanding));
      }
    }
  }
  return report;
}

}  // namespace arrears::overdue
