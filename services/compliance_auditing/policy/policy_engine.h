// PolicyEngine: decides whether one proposed contact may happen, under every
// policy pack that applies to the debtor.
//
// CheckContact() evaluates each applicable pack (chosen by the customer's
// jurisdictions from ContactHistory) and combines them, most restrictive
// first: DENY > DEFER > ALLOW. Reason codes are the stable strings of
// reason_codes.h (bare codes, plus "CODE:detail" qualified forms).
//
//  - Fail closed: a missing or unusable input a rule needs (no time zone, an
//    unloadable zone, no counterparty, no debt for a collection contact, no
//    applicable pack, text that is not UTF-8, ...) gives DENY with
//    UNKNOWN_INPUT and "UNKNOWN_INPUT:<field>".
//  - DEFER carries defer_until: the first instant >= proposed_time at which
//    every pack's time rules (contact window in all candidate zones, daily
//    caps resetting at the debtor's local midnight, rolling 7-day windows)
//    allow the same contact. Found by iterating each rule's "earliest retry"
//    to a fixed point; when none exists (candidate zones with no common
//    window) the contact is denied with QUIET_HOURS_NO_COMMON_WINDOW.
//  - An agreed contact time that allows a contact outside the window is cited
//    in consent_record_id.
//  - Per-day and 7-day counters use the debtor's primary zone: the first
//    candidate zone of the request, else the first zone known for the
//    customer.
//
// The engine fills verdict, reason_codes, defer_until, policies,
// pack_verdicts, consent_record_id, screening_matches, check_id and
// decide_time; the service sets decision_id and audit_index.
//
// Immutable after Create(); CheckContact() is thread-safe and does no I/O
// beyond the ContactHistory calls.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_ENGINE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/compliance/v1/decision.pb.h"
#include "services/compliance_auditing/policy/contact_history.h"
#include "services/compliance_auditing/policy/content_screen.h"
#include "services/compliance_auditing/policy/policy_pack.h"

namespace arrears::compliance::policy {

// The shortest limitation period in common use: a pack that sets none time-
// bars debts after this many years (when unsure, treat more debts as
// time-barred: the rule only forbids threatening suit).
inline constexpr int kFallbackLimitationYears = 3;

struct PolicyEngineOptions {
  // > 0: every pack's limitation period is this many years (an operator
  // override); 0: each pack's own (PolicyPack::LimitationYears), else
  // kFallbackLimitationYears.
  int limitation_years_override = 0;
};

class PolicyEngine {
 public:
  // InvalidArgument on no packs, duplicate pack ids, a null screen or a
  // negative override.
  static absl::StatusOr<std::unique_ptr<PolicyEngine>> Create(std::vector<PolicyPack> packs,
                                                              std::unique_ptr<ContentScreen> screen,
                                                              PolicyEngineOptions options = {});
  // Loads pack files and the screening-rule file (errors name the file and
  // field).
  static absl::StatusOr<std::unique_ptr<PolicyEngine>> Load(
      const std::vector<std::string>& pack_paths, const std::string& screening_rules_path,
      PolicyEngineOptions options = {});

  // The limitation period `pack` applies to a debtor residing in
  // `residence` (the override, the pack's, or the fallback).
  int LimitationYears(const PolicyPack& pack, absl::string_view residence) const;

  v1::ContactDecision CheckContact(const v1::CheckContactRequest& request,
                                   const ContactHistory& history, absl::Time now) const;

  // Screens a message or template text (ScreenMessage RPC) against the
  // packs named in request.pack_ids (all when empty): prohibited wording
  // (third-party rules when the counterparty is an unrelated third party;
  // time-barred rules never, as no debt is known) and, for channels a pack
  // requires it on, a missing opt-out notice. Fills passed, matches,
  // reason_codes and policies; the service sets screening_id and
  // audit_index. An unknown pack id or invalid UTF-8 fails closed.
  v1::ScreenMessageResponse ScreenMessage(const v1::ScreenMessageRequest& request) const;

  const std::vector<PolicyPack>& packs() const { return packs_; }
  const ContentScreen& screen() const { return *screen_; }

 private:
  PolicyEngine(std::vector<PolicyPack> packs, std::unique_ptr<ContentScreen> screen,
               PolicyEngineOptions options)
      : packs_(std::move(packs)), screen_(std::move(screen)), options_(options) {}

  std::vector<PolicyPack> packs_;
  std::unique_ptr<ContentScreen> screen_;
  PolicyEngineOptions options_;
};

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_ENGINE_H_
