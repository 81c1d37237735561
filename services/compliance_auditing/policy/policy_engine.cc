#include "services/compliance_auditing/policy/policy_engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"
#include "services/compliance_auditing/policy/reason_codes.h"

namespace arrears::compliance::policy {
namespace {

using common::v1::Channel;
using common::v1::ContactPurpose;
using common::v1::Counterparty;

// Bounds the fixed-point search for defer_until; each step moves to a later
// window start, day start or rolling-window edge, so real cases settle in a
// few steps and only contradictory rules (no common window) hit the bound.
constexpr int kMaxSettleSteps = 64;

// Reason codes in first-seen order, without duplicates.
class CodeList {
 public:
  void Add(absl::string_view code) {
    if (std::find(codes_.begin(), codes_.end(), code) == codes_.end()) codes_.emplace_back(code);
  }
  void AddQualified(absl::string_view code, absl::string_view detail) {
    Add(code);
    Add(reason::Qualified(code, detail));
  }
  bool empty() const { return codes_.empty(); }
  const std::vector<std::string>& codes() const { return codes_; }

 private:
  std::vector<std::string> codes_;
};

void AddCodes(const CodeList& from, CodeList& to) {
  for (const std::string& code : from.codes()) to.Add(code);
}

int SecondOfDay(const absl::CivilSecond& cs) {
  return cs.hour() * 3600 + cs.minute() * 60 + cs.second();
}

// The instant local `day` + `second_of_day` in `zone`; for a skipped local
// time, the transition (the first instant at or after it); for a repeated
// one, the earlier.
absl::Time LocalInstant(const absl::TimeZone& zone, absl::CivilDay day, int second_of_day) {
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(day) + second_of_day);
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

bool IsTextChannel(Channel channel) {
  return channel == common::v1::CHANNEL_SMS || channel == common::v1::CHANNEL_EMAIL ||
         channel == common::v1::CHANNEL_APP_MESSAGE || channel == common::v1::CHANNEL_LETTER ||
         channel == common::v1::CHANNEL_SOCIAL_MEDIA_PRIVATE;
}

bool IsHandOver(Channel channel) {
  return channel == common::v1::CHANNEL_AGENCY_PLACEMENT ||
         channel == common::v1::CHANNEL_LEGAL_REFERRAL;
}

bool Mentions(const std::vector<std::string>& debt_ids, absl::string_view debt_id) {
  return std::find(debt_ids.begin(), debt_ids.end(), debt_id) != debt_ids.end();
}

template <typename Enum>
bool Listed(const std::vector<Enum>& list, Enum value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Time-barred from the day the limitation period has run from the oldest
// overdue due date (its anniversary, `years` later); a debt of unknown age
// is (fail closed).
bool IsTimeBarred(const DebtAge& age, int years, absl::CivilDay today) {
  if (!age.known) return true;
  if (!age.oldest_overdue_due_date.has_value()) return false;
  const absl::CivilDay oldest = *age.oldest_overdue_due_date;
  return today >= absl::CivilDay(oldest.year() + years, oldest.month(), oldest.day());
}

// Everything about the request that every pack reads, computed once.
struct RequestFacts {
  const v1::CheckContactRequest& request;
  const ContactHistory& history;
  const ContentScreen* screen;
  absl::Time proposed;
  // The decision's day (UTC), for the time-bar.
  absl::CivilDay today;
  // Candidate zones; zones[0] is the primary zone for day counters.
  absl::InlinedVector<absl::TimeZone, 2> zones;
  std::vector<ScreenMatch> matches;
};

class PackEvaluator {
 public:
  PackEvaluator(const PolicyPack& pack, const RequestFacts& facts, int limitation_years)
      : pack_(pack), facts_(facts), limitation_years_(limitation_years) {}

  // The earliest instant >= t worth re-checking: t itself when no time rule
  // blocks the contact at t. Blocking rules add their codes to `codes` and
  // an agreed time that lifts the window sets `consent` (both optional).
  absl::Time Retry(absl::Time t, CodeList* codes, std::string* consent) const {
    absl::Time next = WindowRetry(t, codes, consent);
    next = std::max(next, DailyCapRetry(t, codes));
    next = std::max(next, CallFrequencyRetry(t, codes, consent));
    return next;
  }

  // Rules that deny the contact outright.
  void Denials(CodeList& codes) const;

  // Whether one of the request's debts is time-barred under this pack.
  bool AnyDebtTimeBarred() const {
    for (const std::string& debt_id : req().debt_ids()) {
      if (IsTimeBarred(facts_.history.AgeOfDebt(debt_id), limitation_years_, facts_.today)) {
        return true;
      }
    }
    return false;
  }

 private:
  const v1::CheckContactRequest& req() const { return facts_.request; }
  absl::string_view customer() const { return req().customer_id(); }
  const absl::TimeZone& primary_zone() const { return facts_.zones.front(); }

  absl::Time WindowRetry(absl::Time t, CodeList* codes, std::string* consent) const;
  bool AgreedTimeCovers(absl::Time t, std::string* consent) const;
  // The next instant > t at which some agreed window opens (InfiniteFuture
  // when none).
  absl::Time NextAgreedWindowStart(absl::Time t) const;
  bool AgreedChannelMatches(const AgreedContactTime& agreed) const {
    return agreed.channel == common::v1::CHANNEL_UNSPECIFIED || agreed.channel == req().channel();
  }
  static bool AgreedDayMatches(const AgreedContactTime& agreed, absl::CivilDay day) {
    if (agreed.weekday_mask == 0) return true;
    const int iso_weekday = static_cast<int>(absl::GetWeekday(day)) + 1;
    return (agreed.weekday_mask & (1u << iso_weekday)) != 0;
  }
  absl::Time DailyCapRetry(absl::Time t, CodeList* codes) const;
  absl::Time CallFrequencyRetry(absl::Time t, CodeList* codes, std::string* consent) const;
  void CounterpartyDenials(CodeList& codes) const;
  void ScreeningDenials(CodeList& codes) const;
  void DeceasedAndBankruptcyDenials(CodeList& codes) const;

  const PolicyPack& pack_;
  const RequestFacts& facts_;
  const int limitation_years_;
};

absl::Time PackEvaluator::WindowRetry(absl::Time t, CodeList* codes, std::string* consent) const {
  if (!pack_.WindowApplies(req().channel())) return t;
  const DailyWindow& window = pack_.contact_window;
  absl::Time next = t;
  for (const absl::TimeZone& zone : facts_.zones) {
    const absl::CivilSecond local = zone.At(t).cs;
    const int second = SecondOfDay(local);
    if (window.Contains(second)) continue;
    const absl::CivilDay day(local);
    next = std::max(next, second < window.start_second
                              ? LocalInstant(zone, day, window.start_second)
                              : LocalInstant(zone, day + 1, window.start_second));
  }
  if (next == t) return t;
  if (pack_.agreed_time_overrides_window) {
    if (AgreedTimeCovers(t, consent)) return t;
    // An agreed window may open before the default one does.
    next = std::min(next, NextAgreedWindowStart(t));
  }
  if (codes != nullptr) codes->Add(reason::kQuietHours);
  return next;
}

absl::Time PackEvaluator::NextAgreedWindowStart(absl::Time t) const {
  absl::Time earliest = absl::InfiniteFuture();
  facts_.history.ForEachAgreedContactTime(customer(), [&](const AgreedContactTime& agreed) {
    if (!AgreedChannelMatches(agreed) || t >= agreed.end_time) return;
    absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(agreed.time_zone);
    if (!zone.ok()) return;
    const absl::Time from = std::max(t, agreed.start_time);
    const absl::CivilSecond local = zone->At(from).cs;
    absl::CivilDay day(local);
    if (SecondOfDay(local) >= agreed.end_second) day += 1;
    // Within a week every agreed weekday comes round.
    for (int i = 0; i < 8; ++i, day += 1) {
      if (!AgreedDayMatches(agreed, day)) continue;
      const absl::Time start = std::max(from, LocalInstant(*zone, day, agreed.start_second));
      if (start < agreed.end_time) earliest = std::min(earliest, start);
      return;
    }
  });
  return earliest;
}

bool PackEvaluator::AgreedTimeCovers(absl::Time t, std::string* consent) const {
  bool covered = false;
  facts_.history.ForEachAgreedContactTime(customer(), [&](const AgreedContactTime& agreed) {
    if (covered || t < agreed.start_time || t >= agreed.end_time) return;
    if (!AgreedChannelMatches(agreed)) return;
    // A consent record with an unusable zone allows nothing (fail closed).
    absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(agreed.time_zone);
    if (!zone.ok()) return;
    const absl::CivilSecond local = zone->At(t).cs;
    const int second = SecondOfDay(local);
    if (second < agreed.start_second || second >= agreed.end_second) return;
    if (!AgreedDayMatches(agreed, absl::CivilDay(local))) return;
    covered = true;
    if (consent != nullptr) *consent = agreed.consent_record_id;
  });
  return covered;
}

absl::Time PackEvaluator::DailyCapRetry(absl::Time t, CodeList* codes) const {
  const Channel channel = req().channel();
  const bool call = channel == common::v1::CHANNEL_VOICE_CALL;
  const bool visit = channel == common::v1::CHANNEL_FIELD_VISIT;
  if (!call && !visit) return t;
  const absl::CivilDay day = time::LocalDate(t, primary_zone());
  const absl::Time day_start = time::StartOfDay(day, primary_zone());
  const absl::Time day_end = time::StartOfDay(day + 1, primary_zone());
  bool blocked = false;
  const auto block = [&](absl::string_view code) {
    blocked = true;
    if (codes != nullptr) codes->Add(code);
  };
  if (call &&
      (pack_.max_unanswered_dials_per_contact_point > 0 ||
       pack_.max_connected_calls_per_debtor > 0 || pack_.max_conversations_per_debtor > 0)) {
    int unanswered = 0, connected = 0, conversations = 0;
    const absl::string_view point = req().contact_point().contact_point_id();
    facts_.history.ForEachCall(customer(), day_start, day_end, [&](const CallRecord& c) {
      if (c.outcome <= CallOutcome::kUnanswered && c.contact_point_id == point) ++unanswered;
      if (c.counterparty != common::v1::COUNTERPARTY_DEBTOR) return;
      if (c.outcome >= CallOutcome::kConnected) ++connected;
      if (c.outcome == CallOutcome::kConversation) ++conversations;
    });
    const int max_dials = pack_.max_unanswered_dials_per_contact_point;
    if (max_dials > 0 && unanswered >= max_dials) block(reason::kDialAttemptCap);
    // The per-debtor caps are about calls that reach the debtor.
    if (req().counterparty() == common::v1::COUNTERPARTY_DEBTOR) {
      const int max_connected = pack_.max_connected_calls_per_debtor;
      const int max_conversations = pack_.max_conversations_per_debtor;
      if (max_connected > 0 && connected >= max_connected) block(reason::kConnectedCallCap);
      if (max_conversations > 0 && conversations >= max_conversations) {
        block(reason::kConversationCap);
      }
    }
  }
  if (visit && pack_.max_field_visits_per_debtor > 0 &&
      facts_.history.CountFieldVisits(customer(), day_start, day_end) >=
          pack_.max_field_visits_per_debtor) {
    block(reason::kFieldVisitCap);
  }
  return blocked ? day_end : t;
}

absl::Time PackEvaluator::CallFrequencyRetry(absl::Time t, CodeList* codes,
                                             std::string* consent) const {
  if (req().channel() != common::v1::CHANNEL_VOICE_CALL ||
      req().purpose() != common::v1::CONTACT_PURPOSE_COLLECTION) {
    return t;
  }
  const int max_calls = pack_.max_calls_per_debt_in_7_days;
  if (max_calls == 0 && !pack_.conversation_blocks_7_days) return t;

  const absl::TimeZone& zone = primary_zone();
  const absl::CivilDay day = time::LocalDate(t, zone);
  const absl::Time from = time::StartOfDay(day - 6, zone);
  const absl::Time to = time::StartOfDay(day + 1, zone);
  absl::Time next = t;
  CodeList local_codes;
  CodeList* found = codes != nullptr ? &local_codes : nullptr;
  absl::InlinedVector<absl::CivilDay, 16> counted_days;
  for (const std::string& debt_id : req().debt_ids()) {
    counted_days.clear();
    std::optional<absl::CivilDay> last_conversation;
    facts_.history.ForEachCall(customer(), from, to, [&](const CallRecord& c) {
      if (c.counterparty != req().counterparty() || !Mentions(c.debt_ids, debt_id)) return;
      const absl::CivilDay call_day = time::LocalDate(c.time, zone);
      if (c.outcome == CallOutcome::kConversation) last_conversation = call_day;
      if (c.outcome != CallOutcome::kNotConnected && !c.with_prior_consent) {
        counted_days.push_back(call_day);
      }
    });
    const int counted = static_cast<int>(counted_days.size());
    if (max_calls > 0 && counted >= max_calls) {
      // Calls come in time order: the window [D-6, D] holds fewer than
      // max_calls once D is 7 days past the (counted - max_calls)-th call.
      next = std::max(next, time::StartOfDay(counted_days[counted - max_calls] + 7, zone));
      if (found != nullptr) found->Add(reason::kFrequencyCap);
    }
    // Conversation day is day 1: days C..C+6 are blocked.
    if (pack_.conversation_blocks_7_days && last_conversation.has_value() &&
        *last_conversation + 6 >= day) {
      next = std::max(next, time::StartOfDay(*last_conversation + 7, zone));
      if (found != nullptr) found->Add(reason::kRecentConversation);
    }
  }
  if (next == t) return t;
  // A call the debtor consented to directly is outside both limits.
  if (std::optional<std::string> prior = facts_.history.FindPriorConsent(
          customer(), req().channel(), req().contact_point().contact_point_id(), t)) {
    if (consent != nullptr && consent->empty()) *consent = *std::move(prior);
    return t;
  }
  if (codes != nullptr) AddCodes(local_codes, *codes);
  return next;
}

void PackEvaluator::CounterpartyDenials(CodeList& codes) const {
  const Counterparty counterparty = req().counterparty();
  if (!pack_.CounterpartyAllowed(counterparty)) {
    codes.AddQualified(reason::kCounterpartyNotAllowed,
                       common::v1::Counterparty_Name(counterparty));
    return;
  }
  const ContactHistory& history = facts_.history;
  if (counterparty == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY) {
    if (req().purpose() != common::v1::CONTACT_PURPOSE_LOCATE_DEBTOR) {
      codes.Add(reason::kThirdPartyPurpose);
    }
    if (pack_.third_party_requires_lost_contact && !history.IsLostContact(customer())) {
      codes.Add(reason::kThirdPartyNotLostContact);
    }
    if (pack_.third_party_refusal_binds &&
        history.ThirdPartyRefused(customer(), req().related_contact_id())) {
      codes.Add(reason::kThirdPartyRefused);
    }
    if (pack_.third_party_max_contacts_per_person > 0 &&
        history.ThirdPartyContactCount(customer(), req().related_contact_id()) >=
            pack_.third_party_max_contacts_per_person) {
      codes.Add(reason::kThirdPartyAlreadyContacted);
    }
  }
  if (counterparty == common::v1::COUNTERPARTY_DEBTOR) {
    if (pack_.attorney_blocks_direct_contact && history.HasAttorney(customer())) {
      codes.Add(reason::kAttorneyRepresented);
    }
    if (pack_.cease_communication_binds) {
      if (std::optional<CeaseRequest> cease = history.FindCease(customer())) {
        const auto& allowed = cease->allowed_purposes;
        if (std::find(allowed.begin(), allowed.end(), req().purpose()) == allowed.end()) {
          codes.AddQualified(reason::kCeaseCommunication, cease->preference_id);
        }
      }
    }
  }
}

void PackEvaluator::ScreeningDenials(CodeList& codes) const {
  if (!pack_.screen_content) return;
  // Screened once for every pack, as time-barred when any pack deems a debt
  // so: rules for time-barred debts only count where this pack does too.
  std::optional<bool> time_barred;
  for (const ScreenMatch& match : facts_.matches) {
    const ScreenRule& rule = *match.rule;
    if (rule.condition == ScreenCondition::kTimeBarredOnly) {
      if (!time_barred.has_value()) time_barred = AnyDebtTimeBarred();
      if (!*time_barred) continue;
    }
    if (rule.category == "SUIT_THREAT") {
      if (!pack_.time_barred_no_suit_threat) continue;
      codes.Add(reason::kTimeBarredSuitThreat);
    } else if (rule.category == "THIRD_PARTY_DISCLOSURE") {
      codes.Add(reason::kThirdPartyDisclosure);
    }
    codes.AddQualified(reason::kProhibitedWording, rule.id);
  }
}

void PackEvaluator::Denials(CodeList& codes) const {
  const Channel channel = req().channel();
  const ContactHistory& history = facts_.history;
  if (pack_.IsDeniedPrivateChannel(channel)) codes.Add(reason::kPrivateSocialAccount);
  CounterpartyDenials(codes);

  if (pack_.opt_out_binds) {
    if (std::optional<std::string> opt_out = history.FindOptOut(
            customer(), channel, req().contact_point().contact_point_id(), facts_.proposed)) {
      codes.AddQualified(reason::kOptedOut, *opt_out);
    }
  }
  if (pack_.dispute_pauses_collection &&
      req().purpose() == common::v1::CONTACT_PURPOSE_COLLECTION) {
    for (const std::string& debt_id : req().debt_ids()) {
      std::optional<OpenDispute> dispute = history.FindOpenDispute(customer(), debt_id);
      if (dispute.has_value() &&
          (!pack_.dispute_validation_period_only || dispute->within_validation_period)) {
        codes.AddQualified(reason::kDisputePending, dispute->dispute_id);
      }
    }
  }
  if (pack_.employer_email_denied && channel == common::v1::CHANNEL_EMAIL &&
      history.IsEmployerProvidedEmail(customer(), req().contact_point().contact_point_id())) {
    codes.Add(reason::kEmployerEmail);
  }
  if (channel == common::v1::CHANNEL_VOICE_CALL && pack_.call_recording_required &&
      !req().call_recording_on()) {
    codes.Add(reason::kRecordingRequired);
  }
  if (channel == common::v1::CHANNEL_FIELD_VISIT) {
    const v1::FieldVisitDetails& visit = req().field_visit();
    if (visit.staff_count() < pack_.field_visit_min_staff) codes.Add(reason::kFieldVisitStaff);
    if (pack_.field_visit_recording_required && !visit.recording_on()) {
      codes.Add(reason::kRecordingRequired);
    }
    if (pack_.premises_entry_requires_consent && visit.enters_premises() &&
        !visit.premises_entry_consented()) {
      codes.Add(reason::kPremisesEntry);
    }
  }
  // A template was screened when registered; only free text is checked here.
  if (pack_.NeedsOptOutNotice(channel) && !req().message_text().empty() &&
      !facts_.screen->HasOptOutNotice(req().message_text())) {
    codes.Add(reason::kMissingOptOutNotice);
  }
  ScreeningDenials(codes);
  DeceasedAndBankruptcyDenials(codes);
}

void PackEvaluator::DeceasedAndBankruptcyDenials(CodeList& codes) const {
  const ContactHistory& history = facts_.history;
  if (pack_.deceased_denies_contact && history.IsDeceased(customer())) {
    // Never the debtor's own contact points; others only as listed.
    const bool allowed = req().counterparty() != common::v1::COUNTERPARTY_DEBTOR &&
                         Listed(pack_.deceased_allowed_counterparties, req().counterparty()) &&
                         Listed(pack_.deceased_allowed_purposes, req().purpose());
    if (!allowed) codes.Add(reason::kDebtorDeceased);
  }
  if (pack_.bankruptcy_effect != BankruptcyEffect::kNone &&
      !Listed(pack_.bankruptcy_allowed_purposes, req().purpose())) {
    switch (history.Bankruptcy(customer())) {
      case BankruptcyState::kFiled:
        codes.Add(pack_.bankruptcy_effect == BankruptcyEffect::kStay ? reason::kBankruptcyStay
                                                                     : reason::kBankruptcyHold);
        break;
      case BankruptcyState::kUnknown:
        // Told of proceedings without their stage: maybe a stay.
        codes.AddQualified(reason::kUnknownInput, "bankruptcy_status");
        break;
      case BankruptcyState::kNone:
        break;
    }
  }
}

}  // namespace

namespace {

// Inputs every evaluation needs; adds UNKNOWN_INPUT codes for each missing one.
void CheckRequiredInputs(const v1::CheckContactRequest& req, CodeList& codes) {
  const auto missing = [&](absl::string_view field) {
    codes.AddQualified(reason::kUnknownInput, field);
  };
  if (req.customer_id().empty()) missing("customer_id");
  if (req.channel() == common::v1::CHANNEL_UNSPECIFIED) missing("channel");
  if (req.counterparty() == common::v1::COUNTERPARTY_UNSPECIFIED) missing("counterparty");
  if (req.purpose() == common::v1::CONTACT_PURPOSE_UNSPECIFIED) missing("purpose");
  if (!req.has_proposed_time()) missing("proposed_time");
  if (!IsHandOver(req.channel()) && req.contact_point().contact_point_id().empty()) {
    missing("contact_point.contact_point_id");
  }
  if (req.purpose() == common::v1::CONTACT_PURPOSE_COLLECTION && req.debt_ids().empty()) {
    missing("debt_ids");
  }
  if (req.counterparty() != common::v1::COUNTERPARTY_DEBTOR &&
      req.counterparty() != common::v1::COUNTERPARTY_UNSPECIFIED &&
      req.related_contact_id().empty()) {
    missing("related_contact_id");
  }
  if (req.channel() == common::v1::CHANNEL_FIELD_VISIT && !req.has_field_visit()) {
    missing("field_visit");
  }
  if (IsTextChannel(req.channel()) && req.message_text().empty() && req.template_id().empty()) {
    missing("message_text");
  }
}

// Candidate zones: the request's, else the customer's. Adds UNKNOWN_INPUT when
// none is known or one does not load (a zone we cannot read could be the one
// where it is the middle of the night).
void ResolveZones(const v1::CheckContactRequest& req, const ContactHistory& history,
                  absl::InlinedVector<absl::TimeZone, 2>& zones, CodeList& codes) {
  bool bad = false;
  const auto add = [&](absl::string_view name) {
    absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(name);
    if (zone.ok()) {
      zones.push_back(*zone);
    } else {
      bad = true;
    }
  };
  if (!req.candidate_time_zones().empty()) {
    for (const std::string& name : req.candidate_time_zones()) add(name);
  } else {
    history.ForEachTimeZone(req.customer_id(), add);
  }
  if (bad || zones.empty()) codes.AddQualified(reason::kUnknownInput, "candidate_time_zones");
}

int Rank(v1::Verdict verdict) {
  switch (verdict) {
    case v1::VERDICT_DENY:
      return 3;
    case v1::VERDICT_DEFER:
      return 2;
    case v1::VERDICT_ALLOW:
      return 1;
    default:
      return 0;
  }
}

// The first instant >= t at which every evaluator's time rules allow the
// contact; nullopt when there is none within kMaxSettleSteps moves.
std::optional<absl::Time> Settle(absl::Span<const PackEvaluator> evaluators, absl::Time t) {
  for (int step = 0; step < kMaxSettleSteps; ++step) {
    absl::Time next = t;
    for (const PackEvaluator& evaluator : evaluators) {
      next = std::max(next, evaluator.Retry(t, nullptr, nullptr));
    }
    if (next == t) return t;
    t = next;
  }
  return std::nullopt;
}

void ToProto(const ScreenMatch& match, absl::string_view text, v1::ScreeningMatch& out) {
  out.set_rule_id(match.rule->id);
  out.set_category(match.rule->category);
  out.set_language(match.rule->language);
  out.set_matched_text(std::string(text.substr(match.offset, match.length)));
  out.set_offset(static_cast<int32_t>(match.offset));
}

void SetPolicyRef(const PolicyPack& pack, v1::PolicyRef& ref) {
  ref.set_pack_id(pack.pack_id);
  ref.set_version(pack.version);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyEngine>> PolicyEngine::Create(
    std::vector<PolicyPack> packs, std::unique_ptr<ContentScreen> screen,
    PolicyEngineOptions options) {
  if (packs.empty()) return absl::InvalidArgumentError("packs: at least one pack is required");
  if (screen == nullptr) return absl::InvalidArgumentError("screen: required");
  if (options.limitation_years_override < 0) {
    return absl::InvalidArgumentError("limitation_years_override: must not be negative");
  }
  absl::flat_hash_set<std::string> ids;
  for (const PolicyPack& pack : packs) {
    if (!ids.insert(pack.pack_id).second) {
      return absl::InvalidArgumentError(absl::StrCat("packs: duplicate pack_id ", pack.pack_id));
    }
  }
  return std::unique_ptr<PolicyEngine>(
      new PolicyEngine(std::move(packs), std::move(screen), options));
}

int PolicyEngine::LimitationYears(const PolicyPack& pack, absl::string_view residence) const {
  if (options_.limitation_years_override > 0) return options_.limitation_years_override;
  const int years = pack.LimitationYears(residence);
  return years > 0 ? years : kFallbackLimitationYears;
}

absl::StatusOr<std::unique_ptr<PolicyEngine>> PolicyEngine::Load(
    const std::vector<std::string>& pack_paths, const std::string& screening_rules_path,
    PolicyEngineOptions options) {
  std::vector<PolicyPack> packs;
  for (const std::string& path : pack_paths) {
    ARREARS_ASSIGN_OR_RETURN(PolicyPack pack, LoadPolicyPack(path));
    packs.push_back(std::move(pack));
  }
  ARREARS_ASSIGN_OR_RETURN(auto screen, ContentScreen::LoadFile(screening_rules_path));
  return Create(std::move(packs), std::move(screen), options);
}

v1::ContactDecision PolicyEngine::CheckContact(const v1::CheckContactRequest& request,
                                               const ContactHistory& history,
                                               absl::Time now) const {
  v1::ContactDecision decision;
  decision.set_check_id(request.check_id());
  *decision.mutable_decide_time() = ToTimestamp(now);

  absl::InlinedVector<const PolicyPack*, 4> applicable;
  history.ForEachJurisdiction(request.customer_id(), [&](absl::string_view jurisdiction) {
    for (const PolicyPack& pack : packs_) {
      if (pack.jurisdiction == jurisdiction &&
          std::find(applicable.begin(), applicable.end(), &pack) == applicable.end()) {
        applicable.push_back(&pack);
      }
    }
  });

  RequestFacts facts{request,
                     history,
                     screen_.get(),
                     request.has_proposed_time() ? FromTimestamp(request.proposed_time()) : now,
                     time::LocalDate(now, absl::UTCTimeZone()),
                     {},
                     {}};
  absl::InlinedVector<PackEvaluator, 4> evaluators;
  const std::string residence = history.Residence(request.customer_id());
  for (const PolicyPack* pack : applicable) {
    evaluators.emplace_back(*pack, facts, LimitationYears(*pack, residence));
  }
  CodeList input_codes;
  if (applicable.empty()) {
    input_codes.Add(reason::kNoApplicablePack);
    input_codes.AddQualified(reason::kUnknownInput, "jurisdiction");
  }
  CheckRequiredInputs(request, input_codes);
  ResolveZones(request, history, facts.zones, input_codes);
  if (input_codes.empty() && !request.message_text().empty()) {
    bool any_time_barred = false;
    for (const PackEvaluator& evaluator : evaluators) {
      any_time_barred = any_time_barred || evaluator.AnyDebtTimeBarred();
    }
    const ScreenContext context{
        request.counterparty() == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY, any_time_barred};
    absl::StatusOr<std::vector<ScreenMatch>> matches =
        screen_->Screen(request.message_text(), context);
    if (matches.ok()) {
      facts.matches = *std::move(matches);
    } else {
      input_codes.AddQualified(reason::kUnknownInput, "message_text");
    }
  }

  // Fail closed: every pack denies on missing input.
  if (!input_codes.empty()) {
    decision.set_verdict(v1::VERDICT_DENY);
    for (const std::string& code : input_codes.codes()) decision.add_reason_codes(code);
    for (const PolicyPack* pack : applicable) {
      v1::PackVerdict* verdict = decision.add_pack_verdicts();
      SetPolicyRef(*pack, *verdict->mutable_policy());
      verdict->set_verdict(v1::VERDICT_DENY);
      for (const std::string& code : input_codes.codes()) verdict->add_reason_codes(code);
      *decision.add_policies() = verdict->policy();
    }
    return decision;
  }

  v1::Verdict combined = v1::VERDICT_ALLOW;
  CodeList combined_codes;
  std::string consent;
  for (size_t i = 0; i < evaluators.size(); ++i) {
    const PolicyPack& pack = *applicable[i];
    const PackEvaluator& evaluator = evaluators[i];
    v1::PackVerdict* pack_verdict = decision.add_pack_verdicts();
    SetPolicyRef(pack, *pack_verdict->mutable_policy());
    *decision.add_policies() = pack_verdict->policy();

    CodeList codes;
    std::string pack_consent;
    evaluator.Denials(codes);
    v1::Verdict verdict = v1::VERDICT_ALLOW;
    if (!codes.empty()) {
      verdict = v1::VERDICT_DENY;
    } else if (evaluator.Retry(facts.proposed, &codes, &pack_consent) != facts.proposed) {
      std::optional<absl::Time> until = Settle(absl::MakeConstSpan(&evaluator, 1), facts.proposed);
      if (until.has_value()) {
        verdict = v1::VERDICT_DEFER;
        *pack_verdict->mutable_defer_until() = ToTimestamp(*until);
      } else {
        verdict = v1::VERDICT_DENY;
        codes.Add(reason::kNoCommonWindow);
      }
    }
    pack_verdict->set_verdict(verdict);
    for (const std::string& code : codes.codes()) pack_verdict->add_reason_codes(code);
    if (verdict != v1::VERDICT_ALLOW) AddCodes(codes, combined_codes);
    if (verdict == v1::VERDICT_ALLOW && consent.empty()) consent = pack_consent;
    if (Rank(verdict) > Rank(combined)) combined = verdict;
  }

  if (combined == v1::VERDICT_DEFER) {
    // Every pack's time rules at once: a time one pack allows may be one
    // another pack blocks.
    std::optional<absl::Time> until = Settle(evaluators, facts.proposed);
    if (until.has_value()) {
      *decision.mutable_defer_until() = ToTimestamp(*until);
    } else {
      combined = v1::VERDICT_DENY;
      combined_codes.Add(reason::kNoCommonWindow);
    }
  }
  decision.set_verdict(combined);
  for (const std::string& code : combined_codes.codes()) decision.add_reason_codes(code);
  if (combined == v1::VERDICT_ALLOW) decision.set_consent_record_id(consent);
  for (const ScreenMatch& match : facts.matches) {
    ToProto(match, request.message_text(), *decision.add_screening_matches());
  }
  return decision;
}

v1::ScreenMessageResponse PolicyEngine::ScreenMessage(
    const v1::ScreenMessageRequest& request) const {
  v1::ScreenMessageResponse response;
  CodeList codes;
  absl::InlinedVector<const PolicyPack*, 4> selected;
  for (const PolicyPack& pack : packs_) {
    const auto& ids = request.pack_ids();
    if (ids.empty() || std::find(ids.begin(), ids.end(), pack.pack_id) != ids.end()) {
      selected.push_back(&pack);
    }
  }
  if (selected.size() != static_cast<size_t>(request.pack_ids_size()) &&
      !request.pack_ids().empty()) {
    codes.AddQualified(reason::kUnknownInput, "pack_ids");
  }
  for (const PolicyPack* pack : selected) {
    SetPolicyRef(*pack, *response.add_policies());
  }
  const bool third_party = request.counterparty() == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY;
  absl::StatusOr<std::vector<ScreenMatch>> matches =
      screen_->Screen(request.text(), ScreenContext{third_party, /*debt_time_barred=*/false});
  if (!matches.ok()) {
    codes.AddQualified(reason::kUnknownInput, "text");
  } else if (std::any_of(selected.begin(), selected.end(),
                         [](const PolicyPack* p) { return p->screen_content; })) {
    for (const ScreenMatch& match : *matches) {
      if (match.rule->category == "THIRD_PARTY_DISCLOSURE") {
        codes.Add(reason::kThirdPartyDisclosure);
      }
      codes.AddQualified(reason::kProhibitedWording, match.rule->id);
      ToProto(match, request.text(), *response.add_matches());
    }
  }
  const bool needs_notice = std::any_of(selected.begin(), selected.end(), [&](const PolicyPack* p) {
    return p->NeedsOptOutNotice(request.channel());
  });
  if (needs_notice && !screen_->HasOptOutNotice(request.text())) {
    codes.Add(reason::kMissingOptOutNotice);
    v1::ScreeningMatch* missing = response.add_matches();
    missing->set_rule_id("opt_out_notice");
    missing->set_category("MISSING_OPT_OUT");
  }
  for (const std::string& code : codes.codes()) response.add_reason_codes(code);
  response.set_passed(codes.empty());
  return response;
}

}  // namespace arrears::compliance::policy
