// PackTerms: the terms that follow from which policy packs apply to a
// customer, beyond the contact rules themselves: the complaint SLA and the
// retention of the customer's personal data.
//
// Several packs may apply (residence, lender licence). The complaint SLA is
// the strictest (shortest) of theirs; retention is the longest, as records
// must be kept for as long as any applicable law requires. Immutable;
// thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PACK_TERMS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PACK_TERMS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/compliance_auditing/policy/policy_pack.h"

namespace arrears::compliance::service {

class PackTerms {
 public:
  // `packs` must outlive the object.
  explicit PackTerms(const std::vector<policy::PolicyPack>& packs) : packs_(packs) {}

  // Packs whose jurisdiction is one of `jurisdictions`.
  std::vector<const policy::PolicyPack*> Applicable(
      absl::Span<const std::string> jurisdictions) const;
  // Shortest complaint SLA of the applicable packs; with none applicable,
  // the shortest of all packs (a complaint about a customer the service
  // knows nothing of yet still gets a deadline); nullopt when no pack sets
  // one.
  std::optional<absl::Duration> ComplaintSla(absl::Span<const std::string> jurisdictions) const;
  // Longest retention of the applicable packs; nullopt when none applies.
  std::optional<absl::Duration> Retention(absl::Span<const std::string> jurisdictions) const;

 private:
  const std::vector<policy::PolicyPack>& packs_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_PACK_TERMS_H_
