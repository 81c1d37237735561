#include "services/compliance_auditing/service/pack_terms.h"

#include <algorithm>

namespace arrears::compliance::service {

std::vector<const policy::PolicyPack*> PackTerms::Applicable(
    absl::Span<const std::string> jurisdictions) const {
  std::vector<const policy::PolicyPack*> applicable;
  for (const policy::PolicyPack& pack : packs_) {
    if (std::find(jurisdictions.begin(), jurisdictions.end(), pack.jurisdiction) !=
        jurisdictions.end()) {
      applicable.push_back(&pack);
    }
  }
  return applicable;
}

std::optional<absl::Duration> PackTerms::ComplaintSla(
    absl::Span<const std::string> jurisdictions) const {
  std::vector<const policy::PolicyPack*> packs = Applicable(jurisdictions);
  if (packs.empty()) {
    for (const policy::PolicyPack& pack : packs_) packs.push_back(&pack);
  }
  std::optional<absl::Duration> sla;
  for (const policy::PolicyPack* pack : packs) {
    if (pack->complaint_resolution_days <= 0) continue;
    const absl::Duration days = absl::Hours(24) * pack->complaint_resolution_days;
    sla = sla.has_value() ? std::min(*sla, days) : days;
  }
  return sla;
}

std::optional<absl::Duration> PackTerms::Retention(
    absl::Span<const std::string> jurisdictions) const {
  std::optional<absl::Duration> retention;
  for (const policy::PolicyPack* pack : Applicable(jurisdictions)) {
    // Julian years (365.25 days): within a day of the calendar anniversary.
    const absl::Duration years = absl::Hours(24) * 365.25 * pack->retention_years;
    retention = retention.has_value() ? std::max(*retention, years) : years;
  }
  return retention;
}

}  // namespace arrears::compliance::service
