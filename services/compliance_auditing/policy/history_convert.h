// Conversions from the service's wire records (contact events, preferences)
// to the ContactHistory facts the rules read, so the meaning of "an
// unanswered dial" or "an agreed window" is decided once, here, and not by
// each store that feeds a ContactHistory.
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_HISTORY_CONVERT_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_HISTORY_CONVERT_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "services/compliance_auditing/policy/contact_history.h"
#include "services/compliance_auditing/policy/in_memory_contact_history.h"

namespace arrears::compliance::policy {

// The call a voice-call event reports the result of, or nullopt when the
// event is not a dial result (other channels; SENT, BLOCKED, DEFERRED,
// CANCELLED and other non-results). Outcome: `conversation` → kConversation;
// `connected` or an outcome that implies someone answered → kConnected;
// NO_ANSWER / LEFT_MESSAGE → kUnanswered; FAILED → kNotConnected. Events
// carry no prior-consent flag, so with_prior_consent is false (the call
// counts: the conservative reading).
std::optional<CallRecord> CallRecordFromEvent(const contact::v1::ContactEvent& event);

// TYPE_AGREED_CONTACT_TIME → AgreedContactTime. InvalidArgument naming the
// field for a wrong type, missing/invalid window, unknown zone or weekday.
absl::StatusOr<AgreedContactTime> AgreedContactTimeFromProto(const v1::Preference& preference);
// TYPE_DO_NOT_CONTACT → OptOut.
absl::StatusOr<OptOut> OptOutFromProto(const v1::Preference& preference);
// TYPE_PRIOR_CONSENT → PriorConsent, in force [start_time, end_time) when
// both are set, else for the hour from consent_time (a consent to "call me
// at 3 pm" covers that call, not the rest of the week). InvalidArgument when
// neither consent_time nor start_time and end_time are set.
absl::StatusOr<PriorConsent> PriorConsentFromProto(const v1::Preference& preference);
// The preferences a customer's consent state (from the CRM) amounts to: a
// DO_NOT_CONTACT per revoked channel consent (id: its consent_record_id, else
// "consent:<CHANNEL>:<contact point>") and an AGREED_CONTACT_TIME per agreed
// time and channel (id: the consent_record_id, "#<CHANNEL>" appended when it
// covers several channels; valid_from/valid_until become start/end at local
// midnight of the window's zone). Granted consents add nothing: contact is
// allowed by default. InvalidArgument naming the field
// ("agreed_contact_times[0].window.end: ...") for an agreed time that does
// not convert.
absl::StatusOr<std::vector<v1::Preference>> PreferencesFromConsents(
    absl::string_view customer_id, const customer::v1::Consents& consents);
// TYPE_CEASE_COMMUNICATION → CeaseRequest.
absl::StatusOr<CeaseRequest> CeaseRequestFromProto(const v1::Preference& preference);

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_HISTORY_CONVERT_H_
