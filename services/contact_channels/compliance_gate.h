// ComplianceGate: the question the dispatcher asks before every contact
// attempt, answered by the compliance auditing service (its gRPC CheckContact
// in production; FakeComplianceGate in tests).
//
// Contract:
//  - ALLOW: go ahead now. DEFER: not before `defer_until`. DENY: not at all;
//    `reason_codes` says why. The dispatcher never sends without an ALLOW.
//  - An error (Unavailable, DeadlineExceeded, anything) means "no answer":
//    the contact waits and is checked again later; it is never sent
//    unchecked. Implementations should return Unavailable when the service
//    cannot be reached.
//  - Implementations must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_GATE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_GATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/contact_channels/contact_attempt.h"

namespace arrears::contact {

enum class GateVerdict { kAllow, kDefer, kDeny };

struct GateDecision {
  GateVerdict verdict = GateVerdict::kDeny;
  // Set for kDefer: the first instant the same contact would be allowed.
  absl::Time defer_until = absl::InfinitePast();
  // Stable machine codes, e.g. "QUIET_HOURS", "DISPUTE_PENDING".
  std::vector<std::string> reason_codes;
  std::string decision_id;
  uint64_t audit_index = 0;

  static GateDecision Allow(std::string decision_id) {
    return {GateVerdict::kAllow, absl::InfinitePast(), {}, std::move(decision_id), 0};
  }
  static GateDecision Defer(std::string decision_id, absl::Time until,
                            std::vector<std::string> reasons) {
    return {GateVerdict::kDefer, until, std::move(reasons), std::move(decision_id), 0};
  }
  static GateDecision Deny(std::string decision_id, std::vector<std::string> reasons) {
    return {GateVerdict::kDeny, absl::InfinitePast(), std::move(reasons), std::move(decision_id),
            0};
  }
};

class ComplianceGate {
 public:
  virtual ~ComplianceGate() = default;
  virtual absl::StatusOr<GateDecision> CheckContact(const ContactAttemptPlan& plan) = 0;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_GATE_H_
