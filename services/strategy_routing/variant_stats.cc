#include "services/strategy_routing/variant_stats.h"

#include <algorithm>

#include "common/proto_convert/proto_convert.h"

namespace arrears::strategy {

void VariantStats::OnCaseOpened(const VariantKey& key, const std::string& case_id,
                                absl::CivilDay opened_on) {
  by_variant_[key].open_cases.try_emplace(case_id, opened_on);
}

void VariantStats::OnContact(const VariantKey& key) { ++by_variant_[key].contact_count; }

absl::Status VariantStats::OnRepayment(const VariantKey& key, money::Money amount) {
  if (amount.IsNegative()) return absl::InvalidArgumentError("amount: must be >= 0");
  by_variant_[key].recovered_minor[std::string(amount.currency().code())] += amount.minor_units();
  return absl::OkStatus();
}

void VariantStats::OnCured(const VariantKey& key, const std::string& case_id,
                           absl::CivilDay cured_on) {
  Accumulator& acc = by_variant_[key];
  auto opened = acc.open_cases.find(case_id);
  if (opened == acc.open_cases.end() || !acc.cured_cases.insert(case_id).second) return;
  acc.days_to_cure.push_back(cured_on - opened->second);
}

std::vector<VariantSummary> VariantStats::Summaries() const {
  std::vector<VariantSummary> out;
  for (const auto& [key, acc] : by_variant_) {
    VariantSummary s;
    s.key = key;
    s.case_count = static_cast<int64_t>(acc.open_cases.size());
    s.cured_count = static_cast<int64_t>(acc.cured_cases.size());
    s.contact_count = acc.contact_count;
    if (s.case_count > 0) s.cure_rate_ppm = s.cured_count * 1'000'000 / s.case_count;
    if (s.cured_count > 0) {
      s.contacts_per_cure_milli = s.contact_count * 1000 / s.cured_count;
      int64_t total_days = 0;
      for (int64_t d : acc.days_to_cure) total_days += d;
      s.mean_days_to_cure_milli = total_days * 1000 / s.cured_count;
      std::vector<int64_t> sorted = acc.days_to_cure;
      std::sort(sorted.begin(), sorted.end());
      // Lower median for an even count: an integer day that occurred.
      s.median_days_to_cure = static_cast<int32_t>(sorted[(sorted.size() - 1) / 2]);
    }
    for (const auto& [code, minor] : acc.recovered_minor) {
      absl::StatusOr<money::Currency> currency = money::Currency::FromCode(code);
      if (currency.ok()) s.amount_recovered.push_back(money::Money::FromMinor(minor, *currency));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<v1::VariantOutcome> VariantStats::ToProto(const std::string& champion_variant) const {
  std::vector<v1::VariantOutcome> out;
  for (const VariantSummary& s : Summaries()) {
    v1::VariantOutcome row;
    row.set_strategy_version(s.key.strategy_version);
    row.set_variant_id(s.key.variant);
    row.set_champion(s.key.variant == champion_variant);
    row.set_case_count(s.case_count);
    row.set_cured_count(s.cured_count);
    row.set_cure_rate_ppm(s.cure_rate_ppm);
    for (const money::Money& m : s.amount_recovered)
      *row.add_amount_recovered() = arrears::ToProto(m);
    row.set_contact_count(s.contact_count);
    row.set_contacts_per_cure_milli(s.contacts_per_cure_milli);
    row.set_mean_days_to_cure_milli(s.mean_days_to_cure_milli);
    row.set_median_days_to_cure(s.median_days_to_cure);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace arrears::strategy
