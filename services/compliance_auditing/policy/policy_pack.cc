#include "services/compliance_auditing/policy/policy_pack.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/policy/yaml_fields.h"

namespace arrears::compliance::policy {
namespace {

template <typename Enum>
bool Contains(const std::vector<Enum>& list, Enum value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

absl::StatusOr<std::vector<common::v1::Channel>> Channels(const YAML::Node& parent,
                                                          absl::string_view key,
                                                          absl::string_view path) {
  ARREARS_ASSIGN_OR_RETURN(auto names, yaml::StringList(parent, key, path, false));
  std::vector<common::v1::Channel> out;
  for (size_t i = 0; i < names.size(); ++i) {
    common::v1::Channel channel;
    if (!common::v1::Channel_Parse("CHANNEL_" + names[i], &channel) ||
        channel == common::v1::CHANNEL_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat(yaml::Join(path, key), "[", i, "]: \"", names[i], "\" is not a channel"));
    }
    out.push_back(channel);
  }
  return out;
}

absl::StatusOr<std::vector<common::v1::Counterparty>> Counterparties(const YAML::Node& parent,
                                                                     absl::string_view key,
                                                                     absl::string_view path) {
  ARREARS_ASSIGN_OR_RETURN(auto names, yaml::StringList(parent, key, path, true));
  std::vector<common::v1::Counterparty> out;
  for (size_t i = 0; i < names.size(); ++i) {
    common::v1::Counterparty counterparty;
    if (!common::v1::Counterparty_Parse("COUNTERPARTY_" + names[i], &counterparty) ||
        counterparty == common::v1::COUNTERPARTY_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(yaml::Join(path, key), "[", i, "]: \"",
                                                     names[i], "\" is not a counterparty"));
    }
    out.push_back(counterparty);
  }
  return out;
}

absl::StatusOr<std::vector<common::v1::ContactPurpose>> Purposes(const YAML::Node& parent,
                                                                 absl::string_view key,
                                                                 absl::string_view path) {
  ARREARS_ASSIGN_OR_RETURN(auto names, yaml::StringList(parent, key, path, false));
  std::vector<common::v1::ContactPurpose> out;
  for (size_t i = 0; i < names.size(); ++i) {
    common::v1::ContactPurpose purpose;
    if (!common::v1::ContactPurpose_Parse("CONTACT_PURPOSE_" + names[i], &purpose) ||
        purpose == common::v1::CONTACT_PURPOSE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(yaml::Join(path, key), "[", i, "]: \"",
                                                     names[i], "\" is not a contact purpose"));
    }
    out.push_back(purpose);
  }
  return out;
}

absl::Status ParseLimitation(const YAML::Node& root, PolicyPack& pack) {
  ARREARS_ASSIGN_OR_RETURN(YAML::Node limitation,
                           yaml::Section(root, "limitation", "", {"years", "by_jurisdiction"}));
  ARREARS_ASSIGN_OR_RETURN(pack.limitation_years,
                           yaml::OptionalInt(limitation, "years", "limitation", 0, 1, 100));
  const YAML::Node overrides = limitation["by_jurisdiction"];
  if (!overrides.IsDefined() || overrides.IsNull()) return absl::OkStatus();
  if (!overrides.IsMap()) {
    return absl::InvalidArgumentError("limitation.by_jurisdiction: expected a mapping");
  }
  for (const auto& item : overrides) {
    const std::string jurisdiction = absl::AsciiStrToUpper(item.first.as<std::string>());
    const std::string path = absl::StrCat("limitation.by_jurisdiction.", jurisdiction);
    if (jurisdiction.empty() || !absl::StartsWith(jurisdiction, pack.jurisdiction)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a jurisdiction of ", pack.jurisdiction));
    }
    int years = 0;
    if (!item.second.IsScalar() || !absl::SimpleAtoi(item.second.Scalar(), &years) || years < 1 ||
        years > 100) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": expected years in 1..100"));
    }
    pack.limitation_years_by_jurisdiction.emplace_back(jurisdiction, years);
  }
  return absl::OkStatus();
}

absl::Status ParseDeceasedAndBankruptcy(const YAML::Node& root, PolicyPack& pack) {
  ARREARS_ASSIGN_OR_RETURN(
      YAML::Node deceased,
      yaml::Section(root, "deceased", "",
                    {"denies_contact", "allowed_counterparties", "allowed_purposes"}));
  ARREARS_ASSIGN_OR_RETURN(pack.deceased_denies_contact,
                           yaml::OptionalBool(deceased, "denies_contact", "deceased", false));
  if (deceased["allowed_counterparties"].IsDefined()) {
    ARREARS_ASSIGN_OR_RETURN(pack.deceased_allowed_counterparties,
                             Counterparties(deceased, "allowed_counterparties", "deceased"));
  }
  ARREARS_ASSIGN_OR_RETURN(pack.deceased_allowed_purposes,
                           Purposes(deceased, "allowed_purposes", "deceased"));
  for (const common::v1::Counterparty counterparty : pack.deceased_allowed_counterparties) {
    if (counterparty == common::v1::COUNTERPARTY_DEBTOR) {
      return absl::InvalidArgumentError(
          "deceased.allowed_counterparties: DEBTOR is never allowed once deceased");
    }
  }

  ARREARS_ASSIGN_OR_RETURN(YAML::Node bankruptcy,
                           yaml::Section(root, "bankruptcy", "", {"effect", "allowed_purposes"}));
  ARREARS_ASSIGN_OR_RETURN(const std::string effect,
                           yaml::OptionalString(bankruptcy, "effect", "bankruptcy", "NONE"));
  if (effect == "NONE") {
    pack.bankruptcy_effect = BankruptcyEffect::kNone;
  } else if (effect == "STAY") {
    pack.bankruptcy_effect = BankruptcyEffect::kStay;
  } else if (effect == "HOLD") {
    pack.bankruptcy_effect = BankruptcyEffect::kHold;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("bankruptcy.effect: \"", effect, "\" is not NONE, STAY or HOLD"));
  }
  ARREARS_ASSIGN_OR_RETURN(pack.bankruptcy_allowed_purposes,
                           Purposes(bankruptcy, "allowed_purposes", "bankruptcy"));
  return absl::OkStatus();
}

absl::StatusOr<int> RequiredTimeOfDay(const YAML::Node& parent, absl::string_view key,
                                      absl::string_view path) {
  ARREARS_ASSIGN_OR_RETURN(std::string text, yaml::RequiredString(parent, key, path));
  return ParseTimeOfDay(text, yaml::Join(path, key));
}

absl::Status Parse(const YAML::Node& root, PolicyPack& pack) {
  ARREARS_RETURN_IF_ERROR(yaml::CheckKeys(root, "",
                                          {"pack_id",
                                           "version",
                                           "jurisdiction",
                                           "description",
                                           "retention_years",
                                           "contact_window",
                                           "house_options",
                                           "daily_caps",
                                           "field_visits",
                                           "calls",
                                           "counterparties",
                                           "denied_channels",
                                           "disputes",
                                           "opt_out",
                                           "cease_communication_binds",
                                           "attorney_blocks_direct_contact",
                                           "time_barred_no_suit_threat",
                                           "employer_email_denied",
                                           "screen_content",
                                           "complaints",
                                           "deceased",
                                           "bankruptcy",
                                           "limitation"}));
  ARREARS_ASSIGN_OR_RETURN(pack.pack_id, yaml::RequiredString(root, "pack_id", ""));
  ARREARS_ASSIGN_OR_RETURN(pack.version, yaml::RequiredString(root, "version", ""));
  ARREARS_ASSIGN_OR_RETURN(pack.jurisdiction, yaml::RequiredString(root, "jurisdiction", ""));
  ARREARS_ASSIGN_OR_RETURN(pack.retention_years,
                           yaml::OptionalInt(root, "retention_years", "", 0, 1, 100));
  if (pack.retention_years == 0) return absl::InvalidArgumentError("retention_years: required");

  ARREARS_ASSIGN_OR_RETURN(YAML::Node window, yaml::Section(root, "contact_window", "",
                                                            {"start", "end", "exempt_channels",
                                                             "agreed_time_overrides"}));
  ARREARS_ASSIGN_OR_RETURN(pack.contact_window.start_second,
                           RequiredTimeOfDay(window, "start", "contact_window"));
  ARREARS_ASSIGN_OR_RETURN(pack.contact_window.end_second,
                           RequiredTimeOfDay(window, "end", "contact_window"));
  if (pack.contact_window.start_second >= pack.contact_window.end_second) {
    return absl::InvalidArgumentError("contact_window.end: must be after start");
  }
  ARREARS_ASSIGN_OR_RETURN(pack.window_exempt_channels,
                           Channels(window, "exempt_channels", "contact_window"));
  ARREARS_ASSIGN_OR_RETURN(
      pack.agreed_time_overrides_window,
      yaml::OptionalBool(window, "agreed_time_overrides", "contact_window", false));

  ARREARS_ASSIGN_OR_RETURN(YAML::Node house,
                           yaml::Section(root, "house_options", "", {"gentle_window"}));
  ARREARS_ASSIGN_OR_RETURN(YAML::Node gentle, yaml::Section(house, "gentle_window", "house_options",
                                                            {"enabled", "end"}));
  ARREARS_ASSIGN_OR_RETURN(
      pack.gentle_window_enabled,
      yaml::OptionalBool(gentle, "enabled", "house_options.gentle_window", false));
  if (gentle["end"].IsDefined()) {
    ARREARS_ASSIGN_OR_RETURN(int gentle_end,
                             RequiredTimeOfDay(gentle, "end", "house_options.gentle_window"));
    // A house option may only narrow the legal window.
    if (gentle_end <= pack.contact_window.start_second ||
        gentle_end > pack.contact_window.end_second) {
      return absl::InvalidArgumentError(
          "house_options.gentle_window.end: must be inside contact_window");
    }
    if (pack.gentle_window_enabled) pack.contact_window.end_second = gentle_end;
  } else if (pack.gentle_window_enabled) {
    return absl::InvalidArgumentError("house_options.gentle_window.end: required when enabled");
  }

  ARREARS_ASSIGN_OR_RETURN(
      YAML::Node caps,
      yaml::Section(root, "daily_caps", "",
                    {"unanswered_dials_per_contact_point", "connected_calls_per_debtor",
                     "conversations_per_debtor", "field_visits_per_debtor"}));
  ARREARS_ASSIGN_OR_RETURN(
      pack.max_unanswered_dials_per_contact_point,
      yaml::OptionalInt(caps, "unanswered_dials_per_contact_point", "daily_caps", 0, 0, 1000));
  ARREARS_ASSIGN_OR_RETURN(
      pack.max_connected_calls_per_debtor,
      yaml::OptionalInt(caps, "connected_calls_per_debtor", "daily_caps", 0, 0, 1000));
  ARREARS_ASSIGN_OR_RETURN(
      pack.max_conversations_per_debtor,
      yaml::OptionalInt(caps, "conversations_per_debtor", "daily_caps", 0, 0, 1000));
  ARREARS_ASSIGN_OR_RETURN(
      pack.max_field_visits_per_debtor,
      yaml::OptionalInt(caps, "field_visits_per_debtor", "daily_caps", 0, 0, 1000));

  ARREARS_ASSIGN_OR_RETURN(YAML::Node visits, yaml::Section(root, "field_visits", "",
                                                            {"min_staff", "recording_required",
                                                             "premises_entry_requires_consent"}));
  ARREARS_ASSIGN_OR_RETURN(pack.field_visit_min_staff,
                           yaml::OptionalInt(visits, "min_staff", "field_visits", 0, 0, 100));
  ARREARS_ASSIGN_OR_RETURN(pack.field_visit_recording_required,
                           yaml::OptionalBool(visits, "recording_required", "field_visits", false));
  ARREARS_ASSIGN_OR_RETURN(
      pack.premises_entry_requires_consent,
      yaml::OptionalBool(visits, "premises_entry_requires_consent", "field_visits", false));

  ARREARS_ASSIGN_OR_RETURN(YAML::Node calls,
                           yaml::Section(root, "calls", "",
                                         {"recording_required", "max_per_debt_in_7_days",
                                          "conversation_blocks_7_days"}));
  ARREARS_ASSIGN_OR_RETURN(pack.call_recording_required,
                           yaml::OptionalBool(calls, "recording_required", "calls", false));
  ARREARS_ASSIGN_OR_RETURN(pack.max_calls_per_debt_in_7_days,
                           yaml::OptionalInt(calls, "max_per_debt_in_7_days", "calls", 0, 0, 1000));
  ARREARS_ASSIGN_OR_RETURN(pack.conversation_blocks_7_days,
                           yaml::OptionalBool(calls, "conversation_blocks_7_days", "calls", false));

  ARREARS_ASSIGN_OR_RETURN(YAML::Node parties,
                           yaml::Section(root, "counterparties", "", {"allowed", "third_party"}));
  ARREARS_ASSIGN_OR_RETURN(pack.allowed_counterparties,
                           Counterparties(parties, "allowed", "counterparties"));
  ARREARS_ASSIGN_OR_RETURN(
      YAML::Node third,
      yaml::Section(parties, "third_party", "counterparties",
                    {"requires_lost_contact", "refusal_binds", "max_contacts_per_person"}));
  ARREARS_ASSIGN_OR_RETURN(
      pack.third_party_requires_lost_contact,
      yaml::OptionalBool(third, "requires_lost_contact", "counterparties.third_party", false));
  ARREARS_ASSIGN_OR_RETURN(
      pack.third_party_refusal_binds,
      yaml::OptionalBool(third, "refusal_binds", "counterparties.third_party", false));
  ARREARS_ASSIGN_OR_RETURN(pack.third_party_max_contacts_per_person,
                           yaml::OptionalInt(third, "max_contacts_per_person",
                                             "counterparties.third_party", 0, 0, 1000));

  ARREARS_ASSIGN_OR_RETURN(pack.denied_private_channels, Channels(root, "denied_channels", ""));

  ARREARS_ASSIGN_OR_RETURN(
      YAML::Node disputes,
      yaml::Section(root, "disputes", "", {"pause_collection", "validation_period_only"}));
  ARREARS_ASSIGN_OR_RETURN(pack.dispute_pauses_collection,
                           yaml::OptionalBool(disputes, "pause_collection", "disputes", false));
  ARREARS_ASSIGN_OR_RETURN(
      pack.dispute_validation_period_only,
      yaml::OptionalBool(disputes, "validation_period_only", "disputes", false));

  ARREARS_ASSIGN_OR_RETURN(
      YAML::Node opt_out,
      yaml::Section(root, "opt_out", "", {"binds", "notice_required_channels"}));
  ARREARS_ASSIGN_OR_RETURN(pack.opt_out_binds,
                           yaml::OptionalBool(opt_out, "binds", "opt_out", false));
  ARREARS_ASSIGN_OR_RETURN(pack.opt_out_notice_channels,
                           Channels(opt_out, "notice_required_channels", "opt_out"));

  ARREARS_ASSIGN_OR_RETURN(pack.cease_communication_binds,
                           yaml::OptionalBool(root, "cease_communication_binds", "", false));
  ARREARS_ASSIGN_OR_RETURN(pack.attorney_blocks_direct_contact,
                           yaml::OptionalBool(root, "attorney_blocks_direct_contact", "", false));
  ARREARS_ASSIGN_OR_RETURN(pack.time_barred_no_suit_threat,
                           yaml::OptionalBool(root, "time_barred_no_suit_threat", "", false));
  ARREARS_ASSIGN_OR_RETURN(pack.employer_email_denied,
                           yaml::OptionalBool(root, "employer_email_denied", "", false));
  ARREARS_ASSIGN_OR_RETURN(pack.screen_content,
                           yaml::OptionalBool(root, "screen_content", "", false));

  ARREARS_ASSIGN_OR_RETURN(YAML::Node complaints,
                           yaml::Section(root, "complaints", "", {"resolve_within_days"}));
  ARREARS_ASSIGN_OR_RETURN(
      pack.complaint_resolution_days,
      yaml::OptionalInt(complaints, "resolve_within_days", "complaints", 0, 0, 365));
  ARREARS_RETURN_IF_ERROR(ParseDeceasedAndBankruptcy(root, pack));
  return ParseLimitation(root, pack);
}

}  // namespace

bool PolicyPack::WindowApplies(common::v1::Channel channel) const {
  return !Contains(window_exempt_channels, channel);
}
bool PolicyPack::CounterpartyAllowed(common::v1::Counterparty counterparty) const {
  return Contains(allowed_counterparties, counterparty);
}
bool PolicyPack::IsDeniedPrivateChannel(common::v1::Channel channel) const {
  return Contains(denied_private_channels, channel);
}
bool PolicyPack::NeedsOptOutNotice(common::v1::Channel channel) const {
  return Contains(opt_out_notice_channels, channel);
}
int PolicyPack::LimitationYears(absl::string_view residence) const {
  const std::string key = absl::AsciiStrToUpper(residence);
  for (const auto& [jurisdiction, years] : limitation_years_by_jurisdiction) {
    if (jurisdiction == key) return years;
  }
  return limitation_years;
}

absl::StatusOr<int> ParseTimeOfDay(absl::string_view text, absl::string_view field) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", text, "\" is not HH:MM or HH:MM:SS"));
  };
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() < 2 || parts.size() > 3) return bad();
  int values[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() != 2 || !absl::SimpleAtoi(parts[i], &values[i])) return bad();
  }
  if (values[1] > 59 || values[2] > 59 || values[0] > 24 ||
      (values[0] == 24 && (values[1] != 0 || values[2] != 0))) {
    return bad();
  }
  return values[0] * 3600 + values[1] * 60 + values[2];
}

absl::StatusOr<PolicyPack> ParsePolicyPack(absl::string_view yaml_text, absl::string_view source) {
  PolicyPack pack;
  absl::Status status = [&]() -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(YAML::Node root, yaml::Parse(yaml_text, source));
    try {
      return Parse(root, pack);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(e.what());
    }
  }();
  if (!status.ok()) return Annotate(status, source);
  return pack;
}

absl::StatusOr<PolicyPack> LoadPolicyPack(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(std::string text, yaml::ReadFile(path));
  return ParsePolicyPack(text, path);
}

}  // namespace arrears::compliance::policy
