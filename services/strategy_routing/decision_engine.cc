#include "services/strategy_routing/decision_engine.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"

namespace arrears::strategy {
namespace {

bool IsEscalationChannel(common::v1::Channel channel) {
  return channel == common::v1::CHANNEL_FIELD_VISIT ||
         channel == common::v1::CHANNEL_AGENCY_PLACEMENT ||
         channel == common::v1::CHANNEL_LEGAL_REFERRAL;
}

// No useful answer yet from the previous treatment.
bool Unanswered(const Treatment* previous) {
  if (previous == nullptr) return true;
  switch (previous->outcome) {
    case contact::v1::CONTACT_OUTCOME_UNSPECIFIED:
    case contact::v1::CONTACT_OUTCOME_SENT:
    case contact::v1::CONTACT_OUTCOME_DELIVERED:
    case contact::v1::CONTACT_OUTCOME_FAILED:
    case contact::v1::CONTACT_OUTCOME_NO_ANSWER:
    case contact::v1::CONTACT_OUTCOME_LEFT_MESSAGE:
    case contact::v1::CONTACT_OUTCOME_WRONG_PARTY:
    case contact::v1::CONTACT_OUTCOME_NOT_FOUND:
      return true;
    default:
      return false;
  }
}

bool StepAppliesToVariant(const Step& step, absl::string_view variant) {
  return step.variants.empty() ||
         std::find(step.variants.begin(), step.variants.end(), variant) != step.variants.end();
}

absl::Time LocalMinute(absl::CivilDay day, int minute_of_day, const absl::TimeZone& zone) {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 0, minute_of_day),
                         zone);
}

const char* AnchorName(StepAnchor anchor) {
  return anchor == StepAnchor::kDpd ? "dpd" : "days in segment";
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionEngine>> DecisionEngine::Create(
    std::vector<Strategy> strategies, std::string default_strategy_id,
    std::vector<int> extra_dpd_boundaries) {
  absl::flat_hash_set<std::pair<std::string, int64_t>> seen;
  bool has_default = false;
  for (const Strategy& s : strategies) {
    if (!seen.insert({s.id, s.version}).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("strategies: duplicate ", s.id, " version ", s.version));
    }
    has_default |= s.id == default_strategy_id;
  }
  if (!has_default) {
    return absl::InvalidArgumentError(
        absl::StrCat("default_strategy_id: no version of '", default_strategy_id, "'"));
  }
  std::vector<std::vector<int>> boundaries;
  for (const Strategy& s : strategies) {
    std::vector<int> b = extra_dpd_boundaries;
    for (const Segment& segment : s.segments) {
      if (segment.conditions.dpd) {
        if (segment.conditions.dpd->min)
          b.push_back(static_cast<int>(*segment.conditions.dpd->min));
        if (segment.conditions.dpd->max) {
          b.push_back(static_cast<int>(*segment.conditions.dpd->max) + 1);
        }
      }
      for (const Step& step : segment.steps) {
        if (step.anchor == StepAnchor::kDpd) b.push_back(step.offset_days);
      }
    }
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    boundaries.push_back(std::move(b));
  }
  return std::unique_ptr<DecisionEngine>(new DecisionEngine(
      std::move(strategies), std::move(default_strategy_id), std::move(boundaries)));
}

std::optional<absl::CivilDay> DecisionEngine::NextDecisionDate(const CollectionCase& c,
                                                               absl::CivilDay business_date) const {
  if (c.closed()) return std::nullopt;
  std::optional<absl::CivilDay> next;
  auto consider = [&](absl::CivilDay day) {
    if (day > business_date && (!next || day < *next)) next = day;
  };
  const std::string& id =
      c.strategy().strategy_id.empty() ? default_strategy_id_ : c.strategy().strategy_id;
  // A version becoming effective may migrate the case or give it a first
  // one; a migrate_at_next_step version waits for the case's own next
  // decision instead.
  const bool running = c.strategy().version != 0;
  for (const Strategy& s : strategies_) {
    if (s.id != id) continue;
    if (running && s.migration == MigrationRule::kMigrateAtNextStep) continue;
    consider(s.effective_from);
  }
  const Strategy* strategy = StrategyFor(c, business_date);
  if (strategy == nullptr) return next;
  if (c.AnyDelinquent()) {
    const std::vector<int>& boundaries = dpd_boundaries_[strategy - strategies_.data()];
    auto above = std::upper_bound(boundaries.begin(), boundaries.end(), c.max_dpd());
    if (above != boundaries.end()) consider(business_date + (*above - c.max_dpd()));
  }
  const StrategyPosition& position = c.strategy();
  for (const Segment& segment : strategy->segments) {
    if (segment.id != position.segment) continue;
    int first_candidate = 0;
    for (const Treatment& t : c.treatments()) {
      if (t.segment == segment.id) first_candidate = std::max(first_candidate, t.step_index + 1);
    }
    for (size_t i = first_candidate; i < segment.steps.size(); ++i) {
      const Step& step = segment.steps[i];
      if (step.anchor == StepAnchor::kSegmentEntry) {
        consider(position.segment_entered_on + step.offset_days);
      }
    }
  }
  return next;
}

const Strategy* DecisionEngine::StrategyFor(const CollectionCase& c,
                                            absl::CivilDay business_date) const {
  const StrategyPosition& position = c.strategy();
  const std::string& id =
      position.strategy_id.empty() ? default_strategy_id_ : position.strategy_id;
  const Strategy* effective = nullptr;
  const Strategy* own = nullptr;
  for (const Strategy& s : strategies_) {
    if (s.id != id) continue;
    if (s.version == position.version) own = &s;
    if (s.effective_from <= business_date &&
        (effective == nullptr || s.version > effective->version)) {
      effective = &s;
    }
  }
  if (own == nullptr) return effective;
  if (effective != nullptr && effective->version > own->version &&
      effective->migration != MigrationRule::kKeepVersion) {
    return effective;
  }
  return own;
}

bool SegmentMatches(const SegmentConditions& k, const CollectionCase& c) {
  if (k.dpd && !k.dpd->Contains(c.max_dpd())) return false;
  if (k.bucket && !k.bucket->Contains(c.max_bucket_ordinal())) return false;
  if (k.overdue_minor && !k.overdue_minor->Contains(c.total_overdue().minor_units())) return false;
  if (k.self_cure_permille &&
      (!c.self_cure_permille() || !k.self_cure_permille->Contains(*c.self_cure_permille()))) {
    return false;
  }
  if (!k.contactability.empty() && std::find(k.contactability.begin(), k.contactability.end(),
                                             c.contactability()) == k.contactability.end()) {
    return false;
  }
  if (k.broken_promises && !k.broken_promises->Contains(c.broken_promise_count())) return false;
  if (k.hardship && *k.hardship != c.hardship()) return false;
  if (k.prior_complaints && !k.prior_complaints->Contains(c.prior_complaint_count())) return false;
  if (k.refusing && *k.refusing != c.refusing()) return false;
  if (!k.products.empty()) {
    const bool any = std::any_of(c.loans().begin(), c.loans().end(), [&](const CaseLoan& loan) {
      return std::find(k.products.begin(), k.products.end(), loan.product_code) != k.products.end();
    });
    if (!any) return false;
  }
  return true;
}

Decision DecisionEngine::Decide(const CollectionCase& c, absl::CivilDay business_date) const {
  Decision decision;
  if (c.closed()) {
    decision.idle_reason = "closed";
    return decision;
  }
  const Strategy* strategy = StrategyFor(c, business_date);
  if (strategy == nullptr) {
    decision.idle_reason = "no strategy effective";
    return decision;
  }
  decision.strategy_id = strategy->id;
  decision.strategy_version = strategy->version;
  if (c.strategy().strategy_id == strategy->id && c.strategy().version != 0 &&
      c.strategy().version != strategy->version) {
    decision.migrated_from_version = c.strategy().version;
    decision.migration_rule = strategy->migration;
  }
  decision.variant = c.strategy().strategy_id == strategy->id && !c.strategy().variant.empty()
                         ? c.strategy().variant
                         : strategy->AssignVariant(c.case_id());

  const Segment* segment = nullptr;
  for (const Segment& candidate : strategy->segments) {
    if (SegmentMatches(candidate.conditions, c)) {
      segment = &candidate;
      break;
    }
  }
  if (segment == nullptr) {
    decision.idle_reason = "no segment";
    return decision;
  }
  decision.segment = segment->id;
  decision.segment_entered_on =
      c.strategy().segment == segment->id ? c.strategy().segment_entered_on : business_date;

  if (c.HasActiveHold(business_date)) {
    decision.idle_reason = "hold";
    return decision;
  }
  const bool promise_pending = c.PromisePending(business_date);

  // Steps after the last one emitted in this segment are candidates.
  int first_candidate = 0;
  for (const Treatment& t : c.treatments()) {
    if (t.segment == segment->id) first_candidate = std::max(first_candidate, t.step_index + 1);
  }
  const int64_t days_in_segment = time::DaysBetween(decision.segment_entered_on, business_date);
  const Treatment* previous = c.LastTreatment();
  const Step* chosen = nullptr;
  int chosen_index = -1;
  bool paused_by_promise = false;
  for (int i = first_candidate; i < static_cast<int>(segment->steps.size()); ++i) {
    const Step& step = segment->steps[i];
    const int64_t clock = step.anchor == StepAnchor::kDpd ? c.max_dpd() : days_in_segment;
    if (clock < step.offset_days) continue;
    if (!StepAppliesToVariant(step, decision.variant)) continue;
    if (step.conditions.previous_unanswered && !Unanswered(previous)) continue;
    if (c.hardship() && IsEscalationChannel(step.channel)) continue;
    if (promise_pending && !step.during_promise) {
      paused_by_promise = true;
      continue;
    }
    chosen = &step;
    chosen_index = i;
  }
  if (chosen == nullptr) {
    decision.idle_reason = paused_by_promise ? "promise" : "nothing due";
    return decision;
  }

  ContactDecision contact;
  contact.segment = segment->id;
  contact.step = chosen->id;
  contact.step_index = chosen_index;
  contact.channel = chosen->channel;
  contact.template_id = chosen->template_id;
  contact.purpose = chosen->purpose;
  contact.priority = chosen->priority;
  contact.plan_offer = chosen->plan_offer;
  contact.window_start_minute = chosen->window_start_minute;
  contact.window_end_minute = chosen->window_end_minute;
  contact.earliest_time = LocalMinute(business_date, chosen->window_start_minute, c.time_zone());
  contact.latest_time =
      LocalMinute(business_date + chosen->valid_days, chosen->window_end_minute, c.time_zone());
  contact.request_id = ids::DeriveTimeOrderedId(
      c.case_id(),
      absl::StrCat(strategy->id, "/", strategy->version, "/", segment->id, "/", chosen->id),
      contact.earliest_time);
  contact.explanation =
      absl::StrCat("segment ", segment->id, " (dpd ", c.max_dpd(), ", bucket M",
                   c.max_bucket_ordinal(), ", broken promises ", c.broken_promise_count(),
                   c.hardship() ? ", hardship" : "", c.refusing() ? ", refusing" : "",
                   ", contactability ", v1::Contactability_Name(c.contactability()), "); step ",
                   chosen->id, ": ", AnchorName(chosen->anchor), " ",
                   chosen->anchor == StepAnchor::kDpd ? c.max_dpd() : days_in_segment,
                   " >= ", chosen->offset_days);
  if (decision.migrated_from_version != 0) {
    absl::StrAppend(&contact.explanation, "; strategy version ", decision.migrated_from_version,
                    " -> ", strategy->version, " (", MigrationRuleName(strategy->migration), ")");
  }
  decision.contacts.push_back(std::move(contact));
  return decision;
}

void ApplyDecision(const Decision& decision, absl::CivilDay business_date, CollectionCase* c) {
  if (decision.strategy_id.empty()) return;
  if (c->strategy().strategy_id != decision.strategy_id ||
      c->strategy().version != decision.strategy_version ||
      c->strategy().variant != decision.variant) {
    c->SetStrategy(decision.strategy_id, decision.strategy_version, decision.variant);
  }
  if (decision.segment.empty()) return;
  c->EnterSegment(decision.segment, decision.segment_entered_on);
  for (const ContactDecision& contact : decision.contacts) {
    c->RecordTreatment(Treatment{
        .request_id = contact.request_id,
        .segment = contact.segment,
        .step = contact.step,
        .step_index = contact.step_index,
        .strategy_version = decision.strategy_version,
        .channel = contact.channel,
        .requested_on = business_date,
    });
  }
}

v1::ContactRequest ToContactRequest(const CollectionCase& c, const Decision& decision,
                                    const ContactDecision& contact, absl::Time create_time) {
  v1::ContactRequest request;
  request.set_request_id(contact.request_id);
  request.set_customer_id(c.customer_id());
  request.set_case_id(c.case_id());
  *request.mutable_create_time() = ToTimestamp(create_time);
  v1::ContactInstruction* instruction = request.mutable_contact();
  for (const CaseLoan& loan : c.loans()) {
    if (loan.state == delinquency::v1::DELINQUENCY_STATE_DELINQUENT) {
      instruction->add_loan_ids(loan.loan_id);
    }
  }
  instruction->set_channel(contact.channel);
  instruction->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  instruction->set_purpose(contact.purpose);
  instruction->set_template_id(contact.template_id);
  auto& parameters = *instruction->mutable_template_parameters();
  parameters["total_overdue"] = c.total_overdue().ToString();
  parameters["max_dpd"] = absl::StrCat(c.max_dpd());
  // Loans in several currencies: each total on its own, never summed.
  const bool several_currencies =
      std::any_of(c.loans().begin(), c.loans().end(),
                  [&](const CaseLoan& loan) { return loan.currency != c.currency(); });
  if (several_currencies) {
    const std::vector<money::Money> totals = c.total_overdue_by_currency();
    if (totals.size() > 1) {
      parameters["total_overdue_by_currency"] = absl::StrJoin(
          totals, ", ",
          [](std::string* out, const money::Money& total) { out->append(total.ToString()); });
    }
  }
  if (contact.plan_offer != PlanOffer::kNone) {
    parameters["plan_offer"] =
        contact.plan_offer == PlanOffer::kDeferral ? "DEFERRAL" : "NEW_SCHEDULE";
  }
  instruction->set_priority(contact.priority);
  *instruction->mutable_earliest_time() = ToTimestamp(contact.earliest_time);
  *instruction->mutable_latest_time() = ToTimestamp(contact.latest_time);
  v1::DecisionReason* reason = instruction->mutable_reason();
  reason->set_strategy_id(decision.strategy_id);
  reason->set_strategy_version(decision.strategy_version);
  reason->set_segment(contact.segment);
  reason->set_step(contact.step);
  reason->set_variant(decision.variant);
  reason->set_explanation(contact.explanation);
  instruction->set_agency_id(c.assignment().agency_id);
  // Orders carry what the strategy knows; visit dates, staff and agencies are
  // filled in by the planners downstream.
  switch (contact.channel) {
    case common::v1::CHANNEL_AGENCY_PLACEMENT: {
      v1::AgencyPlacementOrder* order = instruction->mutable_agency_placement();
      order->set_action(v1::AgencyPlacementOrder::ACTION_PLACE);
      order->set_placement_id(ids::DeriveId(contact.request_id, "placement"));
      break;
    }
    case common::v1::CHANNEL_LEGAL_REFERRAL: {
      v1::LegalReferralOrder* order = instruction->mutable_legal_referral();
      order->set_referral_id(ids::DeriveId(contact.request_id, "referral"));
      order->set_reason("FAILED_ATTEMPTS");
      break;
    }
    case common::v1::CHANNEL_FIELD_VISIT: {
      v1::FieldVisitOrder* order = instruction->mutable_field_visit();
      order->set_field_visit_id(ids::DeriveId(contact.request_id, "field-visit"));
      order->set_time_zone(std::string(c.time_zone().name()));
      break;
    }
    default:
      break;
  }
  return request;
}

}  // namespace arrears::strategy
