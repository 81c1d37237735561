#include "services/compliance_auditing/policy/history_convert.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"

namespace arrears::compliance::policy {
namespace {

using contact::v1::ContactOutcome;

constexpr absl::Duration kPriorConsentSpan = absl::Hours(1);

absl::StatusOr<int> SecondOfDayFromProto(const common::v1::TimeOfDay& t, absl::string_view field) {
  const bool valid = t.hours() >= 0 && t.minutes() >= 0 && t.minutes() <= 59 && t.seconds() >= 0 &&
                     t.seconds() <= 59 &&
                     (t.hours() < 24 || (t.hours() == 24 && t.minutes() == 0 && t.seconds() == 0));
  if (!valid) return absl::InvalidArgumentError(absl::StrCat(field, ": not a time of day"));
  return t.hours() * 3600 + t.minutes() * 60 + t.seconds();
}

absl::Status CheckType(const v1::Preference& preference, v1::Preference::Type want) {
  if (preference.type() == want) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("preference.type: expected ",
                                                 v1::Preference::Type_Name(want), ", got ",
                                                 v1::Preference::Type_Name(preference.type())));
}

void CopyValidity(const v1::Preference& preference, absl::Time& start, absl::Time& end) {
  if (preference.has_start_time()) start = FromTimestamp(preference.start_time());
  if (preference.has_end_time()) end = FromTimestamp(preference.end_time());
}

}  // namespace

std::optional<CallRecord> CallRecordFromEvent(const contact::v1::ContactEvent& event) {
  if (event.channel() != common::v1::CHANNEL_VOICE_CALL) return std::nullopt;
  CallOutcome outcome;
  if (event.conversation()) {
    outcome = CallOutcome::kConversation;
  } else if (event.connected()) {
    outcome = CallOutcome::kConnected;
  } else {
    switch (event.outcome()) {
      case contact::v1::CONTACT_OUTCOME_FAILED:
        outcome = CallOutcome::kNotConnected;
        break;
      case contact::v1::CONTACT_OUTCOME_NO_ANSWER:
      case contact::v1::CONTACT_OUTCOME_LEFT_MESSAGE:
        outcome = CallOutcome::kUnanswered;
        break;
      case contact::v1::CONTACT_OUTCOME_ANSWERED:
      case contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY:
      case contact::v1::CONTACT_OUTCOME_REFUSED:
      case contact::v1::CONTACT_OUTCOME_WRONG_PARTY:
      case contact::v1::CONTACT_OUTCOME_DISPUTE:
      case contact::v1::CONTACT_OUTCOME_COMPLAINT:
      case contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED:
      case contact::v1::CONTACT_OUTCOME_CALLBACK_REQUESTED:
      case contact::v1::CONTACT_OUTCOME_CLAIMS_PAID:
        outcome = CallOutcome::kConnected;
        break;
      default:
        return std::nullopt;
    }
  }
  CallRecord call;
  call.time = FromTimestamp(event.occurred_at());
  call.contact_point_id = event.contact_point().contact_point_id();
  call.debt_ids.assign(event.loan_ids().begin(), event.loan_ids().end());
  call.counterparty = event.counterparty();
  call.agency_id = event.agency_id();
  call.outcome = outcome;
  return call;
}

absl::StatusOr<AgreedContactTime> AgreedContactTimeFromProto(const v1::Preference& preference) {
  absl::Status type = CheckType(preference, v1::Preference::TYPE_AGREED_CONTACT_TIME);
  if (!type.ok()) return type;
  AgreedContactTime agreed;
  agreed.consent_record_id = preference.preference_id();
  if (agreed.consent_record_id.empty()) {
    return absl::InvalidArgumentError("preference.preference_id: required");
  }
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(preference.time_zone());
  if (!zone.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("preference.time_zone: ", zone.status().message()));
  }
  agreed.time_zone = preference.time_zone();
  if (!preference.has_window()) return absl::InvalidArgumentError("preference.window: required");
  absl::StatusOr<int> start =
      SecondOfDayFromProto(preference.window().start(), "preference.window.start");
  if (!start.ok()) return start.status();
  absl::StatusOr<int> end =
      SecondOfDayFromProto(preference.window().end(), "preference.window.end");
  if (!end.ok()) return end.status();
  if (*start >= *end) {
    return absl::InvalidArgumentError("preference.window.end: must be after start");
  }
  agreed.start_second = *start;
  agreed.end_second = *end;
  for (int i = 0; i < preference.days_size(); ++i) {
    const int day = preference.days(i);
    if (day < 1 || day > 7) {
      return absl::InvalidArgumentError(absl::StrCat("preference.days[", i, "]: not a weekday"));
    }
    agreed.weekday_mask |= 1u << day;
  }
  agreed.channel = preference.channel();
  CopyValidity(preference, agreed.start_time, agreed.end_time);
  return agreed;
}

absl::StatusOr<OptOut> OptOutFromProto(const v1::Preference& preference) {
  absl::Status type = CheckType(preference, v1::Preference::TYPE_DO_NOT_CONTACT);
  if (!type.ok()) return type;
  OptOut opt_out;
  opt_out.preference_id = preference.preference_id();
  if (opt_out.preference_id.empty()) {
    return absl::InvalidArgumentError("preference.preference_id: required");
  }
  opt_out.channel = preference.channel();
  opt_out.contact_point_id = preference.contact_point_id();
  CopyValidity(preference, opt_out.start_time, opt_out.end_time);
  return opt_out;
}

absl::StatusOr<PriorConsent> PriorConsentFromProto(const v1::Preference& preference) {
  absl::Status type = CheckType(preference, v1::Preference::TYPE_PRIOR_CONSENT);
  if (!type.ok()) return type;
  PriorConsent consent;
  consent.preference_id = preference.preference_id();
  if (consent.preference_id.empty()) {
    return absl::InvalidArgumentError("preference.preference_id: required");
  }
  consent.channel = preference.channel();
  consent.contact_point_id = preference.contact_point_id();
  if (preference.has_start_time() && preference.has_end_time()) {
    CopyValidity(preference, consent.start_time, consent.end_time);
    if (consent.end_time <= consent.start_time) {
      return absl::InvalidArgumentError("preference.end_time: must be after start_time");
    }
  } else if (preference.has_consent_time()) {
    consent.start_time = FromTimestamp(preference.consent_time());
    consent.end_time = consent.start_time + kPriorConsentSpan;
  } else {
    return absl::InvalidArgumentError(
        "preference.consent_time: required (or start_time and end_time)");
  }
  return consent;
}

absl::StatusOr<std::vector<v1::Preference>> PreferencesFromConsents(
    absl::string_view customer_id, const customer::v1::Consents& consents) {
  std::vector<v1::Preference> preferences;
  for (const customer::v1::ChannelConsent& consent : consents.channel_consents()) {
    if (consent.status() != customer::v1::ChannelConsent::STATUS_REVOKED) continue;
    v1::Preference& opt_out = preferences.emplace_back();
    opt_out.set_preference_id(
        !consent.consent_record_id().empty()
            ? consent.consent_record_id()
            : absl::StrCat("consent:", common::v1::Channel_Name(consent.channel()), ":",
                           consent.contact_point_id()));
    opt_out.set_customer_id(std::string(customer_id));
    opt_out.set_type(v1::Preference::TYPE_DO_NOT_CONTACT);
    opt_out.set_channel(consent.channel());
    opt_out.set_contact_point_id(consent.contact_point_id());
    opt_out.set_source("CRM");
  }
  for (int i = 0; i < consents.agreed_contact_times_size(); ++i) {
    const customer::v1::AgreedContactTime& agreed = consents.agreed_contact_times(i);
    const std::string field = absl::StrCat("agreed_contact_times[", i, "]");
    if (agreed.consent_record_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".consent_record_id: required"));
    }
    absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(agreed.time_zone());
    if (!zone.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".time_zone: ", zone.status().message()));
    }
    v1::Preference base;
    base.set_customer_id(std::string(customer_id));
    base.set_type(v1::Preference::TYPE_AGREED_CONTACT_TIME);
    *base.mutable_window() = agreed.window();
    *base.mutable_days() = agreed.days();
    base.set_time_zone(agreed.time_zone());
    base.set_source("CRM");
    if (agreed.has_valid_from()) {
      absl::StatusOr<absl::CivilDay> from =
          CivilDayFromProto(agreed.valid_from(), absl::StrCat(field, ".valid_from"));
      if (!from.ok()) return from.status();
      *base.mutable_start_time() = ToTimestamp(time::StartOfDay(*from, *zone));
    }
    if (agreed.has_valid_until()) {
      absl::StatusOr<absl::CivilDay> until =
          CivilDayFromProto(agreed.valid_until(), absl::StrCat(field, ".valid_until"));
      if (!until.ok()) return until.status();
      *base.mutable_end_time() = ToTimestamp(time::StartOfDay(*until + 1, *zone));
    }
    std::vector<common::v1::Channel> channels;
    for (const int channel : agreed.channels()) {
      channels.push_back(static_cast<common::v1::Channel>(channel));
    }
    if (channels.empty()) channels.push_back(common::v1::CHANNEL_UNSPECIFIED);
    for (const common::v1::Channel channel : channels) {
      v1::Preference preference = base;
      preference.set_channel(channel);
      preference.set_preference_id(
          channels.size() == 1
              ? agreed.consent_record_id()
              : absl::StrCat(agreed.consent_record_id(), "#", common::v1::Channel_Name(channel)));
      absl::Status valid = AgreedContactTimeFromProto(preference).status();
      if (!valid.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".", absl::StripPrefix(valid.message(), "preference.")));
      }
      preferences.push_back(std::move(preference));
    }
  }
  return preferences;
}

absl::StatusOr<CeaseRequest> CeaseRequestFromProto(const v1::Preference& preference) {
  absl::Status type = CheckType(preference, v1::Preference::TYPE_CEASE_COMMUNICATION);
  if (!type.ok()) return type;
  CeaseRequest cease;
  cease.preference_id = preference.preference_id();
  if (cease.preference_id.empty()) {
    return absl::InvalidArgumentError("preference.preference_id: required");
  }
  for (int purpose : preference.allowed_purposes()) {
    cease.allowed_purposes.push_back(static_cast<common::v1::ContactPurpose>(purpose));
  }
  return cease;
}

}  // namespace arrears::compliance::policy
