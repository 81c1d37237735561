// The stable machine reason codes a contact decision carries.
//
// These strings are a public contract: callers switch on them, dashboards
// count them, regulators read them in exports. Never rename or reuse one; add
// new ones. Every code is listed, with its meaning and the packs that emit
// it, in the table in policy/README.md (the one documentation of record).
//
// A decision may also carry a qualified form "CODE:detail" next to the bare
// code, e.g. "UNKNOWN_INPUT:candidate_time_zones" or
// "PROHIBITED_WORDING:en.threat.1"; the bare code is always present, so
// matching on bare codes is enough. Use Qualified() to build one.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_REASON_CODES_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_REASON_CODES_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace arrears::compliance::policy::reason {

// Fail-closed: a rule needed an input that is missing or unusable.
inline constexpr absl::string_view kUnknownInput = "UNKNOWN_INPUT";
// No applicable policy pack for the customer (fail closed).
inline constexpr absl::string_view kNoApplicablePack = "NO_APPLICABLE_PACK";

// Time rules (DEFER).
inline constexpr absl::string_view kQuietHours = "QUIET_HOURS";
inline constexpr absl::string_view kNoCommonWindow = "QUIET_HOURS_NO_COMMON_WINDOW";
inline constexpr absl::string_view kDialAttemptCap = "DIAL_ATTEMPT_CAP";
inline constexpr absl::string_view kConnectedCallCap = "CONNECTED_CALL_CAP";
inline constexpr absl::string_view kConversationCap = "CONVERSATION_CAP";
inline constexpr absl::string_view kFieldVisitCap = "FIELD_VISIT_CAP";
inline constexpr absl::string_view kFrequencyCap = "FREQUENCY_CAP";
inline constexpr absl::string_view kRecentConversation = "RECENT_CONVERSATION";

// Conduct rules (DENY).
inline constexpr absl::string_view kRecordingRequired = "RECORDING_REQUIRED";
inline constexpr absl::string_view kFieldVisitStaff = "FIELD_VISIT_STAFF";
inline constexpr absl::string_view kPremisesEntry = "PREMISES_ENTRY_WITHOUT_CONSENT";
inline constexpr absl::string_view kCounterpartyNotAllowed = "COUNTERPARTY_NOT_ALLOWED";
inline constexpr absl::string_view kThirdPartyNotLostContact = "THIRD_PARTY_NOT_LOST_CONTACT";
inline constexpr absl::string_view kThirdPartyPurpose = "THIRD_PARTY_PURPOSE";
inline constexpr absl::string_view kThirdPartyRefused = "THIRD_PARTY_REFUSED";
inline constexpr absl::string_view kThirdPartyAlreadyContacted = "THIRD_PARTY_ALREADY_CONTACTED";
inline constexpr absl::string_view kThirdPartyDisclosure = "THIRD_PARTY_DISCLOSURE";
inline constexpr absl::string_view kPrivateSocialAccount = "PRIVATE_SOCIAL_ACCOUNT";
inline constexpr absl::string_view kDisputePending = "DISPUTE_PENDING";
inline constexpr absl::string_view kOptedOut = "OPTED_OUT";
inline constexpr absl::string_view kMissingOptOutNotice = "MISSING_OPT_OUT_NOTICE";
inline constexpr absl::string_view kCeaseCommunication = "CEASE_COMMUNICATION";
inline constexpr absl::string_view kAttorneyRepresented = "ATTORNEY_REPRESENTED";
inline constexpr absl::string_view kTimeBarredSuitThreat = "TIME_BARRED_SUIT_THREAT";
inline constexpr absl::string_view kEmployerEmail = "EMPLOYER_EMAIL";
inline constexpr absl::string_view kProhibitedWording = "PROHIBITED_WORDING";
inline constexpr absl::string_view kDebtorDeceased = "DEBTOR_DECEASED";
inline constexpr absl::string_view kBankruptcyStay = "BANKRUPTCY_STAY";
inline constexpr absl::string_view kBankruptcyHold = "BANKRUPTCY_HOLD";

// "CODE:detail".
inline std::string Qualified(absl::string_view code, absl::string_view detail) {
  return absl::StrCat(code, ":", detail);
}

}  // namespace arrears::compliance::policy::reason

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_REASON_CODES_H_
