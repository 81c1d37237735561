// PolicyPack: one jurisdiction's contact rules, loaded from a versioned YAML
// file (policy/packs/<pack_id>.yaml, documented in policy/README.md).
//
// A pack is data: the rule code in policy_engine.cc is shared by every pack
// and each field below switches a rule on or sets its limit, so a new pack or
// a house variant is a new file, not new code. Limits of 0 mean "no such
// rule". Windows are [start, end) in seconds after local midnight.
//
// LoadPolicyPack() validates everything and names the offending field
// ("cn-default.yaml: contact_window.start: expected HH:MM or HH:MM:SS").
// A loaded pack is immutable.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_PACK_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_PACK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arrears/common/v1/contact.pb.h"

namespace arrears::compliance::policy {

struct DailyWindow {
  int start_second = 0;
  int end_second = 0;
  bool Contains(int second_of_day) const {
    return second_of_day >= start_second && second_of_day < end_second;
  }
};

// What a filed bankruptcy does to collection under a pack.
enum class BankruptcyEffect {
  kNone,
  // An automatic stay (US, 11 U.S.C. 362): BANKRUPTCY_STAY.
  kStay,
  // A hold on collection while the proceedings run: BANKRUPTCY_HOLD.
  kHold,
};

struct PolicyPack {
  std::string pack_id;
  std::string version;
  // Customers whose jurisdictions include this one are subject to the pack.
  std::string jurisdiction;
  int retention_years = 0;

  // Contact window in every candidate zone of the debtor. When the house
  // gentle-window option is enabled, `contact_window` already has its end.
  DailyWindow contact_window;
  bool gentle_window_enabled = false;
  std::vector<common::v1::Channel> window_exempt_channels;
  // An agreed contact time (consent record) allows contact outside the window.
  bool agreed_time_overrides_window = false;

  // Per local day of the debtor (counters reset at local midnight).
  int max_unanswered_dials_per_contact_point = 0;
  int max_connected_calls_per_debtor = 0;
  int max_conversations_per_debtor = 0;
  int max_field_visits_per_debtor = 0;

  // Field visits.
  int field_visit_min_staff = 0;
  bool field_visit_recording_required = false;
  bool premises_entry_requires_consent = false;
  // Voice calls.
  bool call_recording_required = false;

  // Who may be contacted at all (any purpose).
  std::vector<common::v1::Counterparty> allowed_counterparties;
  // Unrelated third parties: only to locate (relay) the debtor.
  bool third_party_requires_lost_contact = false;
  bool third_party_refusal_binds = false;
  int third_party_max_contacts_per_person = 0;

  std::vector<common::v1::Channel> denied_private_channels;

  // Disputes pause collection on the disputed debt (service notices pass).
  bool dispute_pauses_collection = false;
  // Only disputes received within the validation period (Regulation F).
  bool dispute_validation_period_only = false;

  // Regulation F call frequency, per debt, over 7 consecutive local days.
  int max_calls_per_debt_in_7_days = 0;
  bool conversation_blocks_7_days = false;

  bool opt_out_binds = false;
  std::vector<common::v1::Channel> opt_out_notice_channels;
  bool cease_communication_binds = false;
  bool attorney_blocks_direct_contact = false;
  bool time_barred_no_suit_threat = false;
  bool employer_email_denied = false;
  bool screen_content = false;

  // Complaints must be resolved within this many days of receipt (0 = no
  // SLA from this pack).
  int complaint_resolution_days = 0;

  // A deceased debtor: every contact is denied (DEBTOR_DECEASED) except the
  // allowed purposes to the allowed counterparties (the estate's
  // representative); contact to the debtor's own contact points never.
  bool deceased_denies_contact = false;
  std::vector<common::v1::Counterparty> deceased_allowed_counterparties;
  std::vector<common::v1::ContactPurpose> deceased_allowed_purposes;

  // A filed bankruptcy: every contact but the allowed purposes is denied.
  BankruptcyEffect bankruptcy_effect = BankruptcyEffect::kNone;
  std::vector<common::v1::ContactPurpose> bankruptcy_allowed_purposes;

  // Limitation period (time-bar) in years: the pack's default and overrides
  // per residence jurisdiction ("US-NY"); 0 = the pack sets none.
  int limitation_years = 0;
  std::vector<std::pair<std::string, int>> limitation_years_by_jurisdiction;

  bool WindowApplies(common::v1::Channel channel) const;
  bool CounterpartyAllowed(common::v1::Counterparty counterparty) const;
  bool IsDeniedPrivateChannel(common::v1::Channel channel) const;
  bool NeedsOptOutNotice(common::v1::Channel channel) const;
  // The limitation period for a debtor residing in `residence` ("US-NY"):
  // its override when listed (case-insensitive), else the pack's default
  // (0 when the pack sets none).
  int LimitationYears(absl::string_view residence) const;
};

// Parses and validates a pack; errors name `source` and the field.
absl::StatusOr<PolicyPack> ParsePolicyPack(absl::string_view yaml_text, absl::string_view source);
absl::StatusOr<PolicyPack> LoadPolicyPack(const std::string& path);

// "08:00" / "21:30:15" / "24:00" → seconds after midnight; InvalidArgument
// naming `field`.
absl::StatusOr<int> ParseTimeOfDay(absl::string_view text, absl::string_view field);

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_PACK_H_
