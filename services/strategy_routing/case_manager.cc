#include "services/strategy_routing/case_manager.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"
#include "services/strategy_routing/case_codec.h"
#include "services/strategy_routing/decision_engine.h"
#include "services/strategy_routing/variant_stats.h"

namespace arrears::strategy {
namespace {

using contact::v1::ContactOutcome;
using delinquency::v1::DelinquencyEvent;

// Provider receipts and scheduling notes: they change no decision input.
bool IsReceipt(ContactOutcome outcome) {
  switch (outcome) {
    case contact::v1::CONTACT_OUTCOME_SENT:
    case contact::v1::CONTACT_OUTCOME_DELIVERED:
    case contact::v1::CONTACT_OUTCOME_SCHEDULED:
    case contact::v1::CONTACT_OUTCOME_CHECKED_IN:
    case contact::v1::CONTACT_OUTCOME_DEFERRED:
      return true;
    default:
      return false;
  }
}

bool IsDelinquent(delinquency::v1::DelinquencyState state) {
  return state == delinquency::v1::DELINQUENCY_STATE_DELINQUENT;
}

absl::Time LocalMinute(absl::CivilDay day, int minute_of_day, const absl::TimeZone& zone) {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 0, minute_of_day),
                         zone);
}

common::v1::TimeOfDay TimeOfDay(int minute_of_day) {
  common::v1::TimeOfDay t;
  t.set_hours(minute_of_day / 60);
  t.set_minutes(minute_of_day % 60);
  return t;
}

const CaseLoan* FindLoan(const CollectionCase& c, absl::string_view loan_id) {
  for (const CaseLoan& loan : c.loans()) {
    if (loan.loan_id == loan_id) return &loan;
  }
  return nullptr;
}

bool HoldKnown(const CollectionCase& c, absl::string_view hold_id) {
  if (c.FindHold(hold_id) != nullptr) return true;
  return std::any_of(c.lifted_holds().begin(), c.lifted_holds().end(),
                     [&](const Hold& h) { return h.hold_id == hold_id; });
}

const Hold* FindLifted(const CollectionCase& c, absl::string_view hold_id) {
  for (const Hold& h : c.lifted_holds()) {
    if (h.hold_id == hold_id) return &h;
  }
  return nullptr;
}

const PromiseToPay* FindPromise(const CollectionCase& c, absl::string_view promise_id) {
  if (c.open_promise() && c.open_promise()->promise_id == promise_id) return &*c.open_promise();
  for (const PromiseToPay& p : c.resolved_promises()) {
    if (p.promise_id == promise_id) return &p;
  }
  return nullptr;
}

// A request skeleton for the case (withdrawals and recalls).
v1::ContactRequest RequestFor(const CollectionCase& c, std::string request_id, const Cause& cause) {
  v1::ContactRequest r;
  r.set_request_id(std::move(request_id));
  r.set_customer_id(c.customer_id());
  r.set_case_id(c.case_id());
  *r.mutable_create_time() = ToTimestamp(cause.time);
  return r;
}

// "amount: must be > 0" -> "promise.amount: must be > 0".
absl::Status PrefixField(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, ".", status.message()));
}

absl::Status AlreadyFine(absl::Status status) {
  return absl::IsAlreadyExists(status) || absl::IsNotFound(status) ? absl::OkStatus() : status;
}

}  // namespace

struct CaseManager::Work {
  std::vector<v1::CaseEvent> events;
  std::set<int> reasons;  // v1::CaseUpdated::Reason
  std::vector<std::string> step_request_ids;
  // Cancel-pending and recall requests: emitted before `requests`.
  std::vector<v1::ContactRequest> withdrawals;
  std::vector<v1::ContactRequest> requests;
  std::vector<v1::RepaymentPlanEvent> plan_events;
  // A contact was due but could not go out (visit data, roster): decide
  // again the next business day.
  bool retry_tomorrow = false;
  // The business date is not settled: no decision now, the agenda decides
  // the case on this date once it is.
  std::optional<absl::CivilDay> deferred_to;
  // Set when a decision moved the case to another version of its strategy.
  int64_t migrated_from_version = 0;
  int64_t migrated_to_version = 0;
  MigrationRule migration_rule = MigrationRule::kKeepVersion;

  v1::CaseEvent& AddEvent() { return events.emplace_back(); }
};

CaseManager::CaseManager(CaseStore* store, const StrategyBook* book, const Scorecard* scorecard,
                         const FieldRoster* roster, CaseManagerOptions options)
    : store_(store),
      book_(book),
      scorecard_(scorecard),
      roster_(roster),
      options_(std::move(options)) {}

// ---------------------------------------------------------------------------
// Consumed events

absl::Status CaseManager::ApplyDelinquencyEvent(store::Transaction& txn,
                                                store::OutboxWriter& outbox,
                                                const DelinquencyEvent& event, const Cause& cause) {
  if (event.loan_id().empty()) return absl::InvalidArgumentError("loan_id: required");
  if (event.customer_id().empty()) return absl::InvalidArgumentError("customer_id: required");
  if (!event.has_snapshot()) return absl::InvalidArgumentError("snapshot: required");
  const std::string& zone = event.snapshot().time_zone();
  const absl::StatusOr<absl::TimeZone> time_zone = time::LoadTimeZone(zone);
  ARREARS_RETURN_IF_ERROR(Annotate(time_zone.status(), "snapshot.time_zone"));
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay day, CivilDayFromProto(event.snapshot().business_date(),
                                                                 "snapshot.business_date"));

  ARREARS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> previous,
                           store_->LoadBusinessDate(txn, zone));
  const bool advanced = !previous || day > *previous;
  if (advanced) ARREARS_RETURN_IF_ERROR(store_->SaveBusinessDate(txn, zone, day));

  Work work;
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record,
                           store_->LoadOpenCase(txn, event.customer_id()));
  if (record) {
    const CollectionCase before = record->kase;
    // Not settled: the case stays open even if this event cured its last
    // delinquent loan, so that another loan of the customer turning
    // delinquent on the same close joins it in either order; it closes when
    // the date settles (DecideAndFinish).
    ARREARS_RETURN_IF_ERROR(record->kase.OnDelinquency(
        event, Settled(record->kase.time_zone(), std::max(day, record->kase.business_date()))));
    ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, *record, &before, work, cause));
  } else {
    ARREARS_ASSIGN_OR_RETURN(record, OpenCase(txn, event, cause, work));
    if (record)
      ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, *record, nullptr, work, cause));
  }
  if (advanced && options_.inline_agenda_limit > 0 && Settled(*time_zone, day)) {
    ARREARS_RETURN_IF_ERROR(
        RunAgenda(txn, outbox, zone, day, options_.inline_agenda_limit).status());
  }
  return absl::OkStatus();
}

std::string CaseManager::CaseIdFor(absl::string_view customer_id, int ordinal,
                                   absl::CivilDay opened_on) {
  return ids::DeriveTimeOrderedId(customer_id, absl::StrCat("case/", ordinal),
                                  absl::FromCivil(opened_on, absl::UTCTimeZone()));
}

bool CaseManager::Settled(const absl::TimeZone& zone, absl::CivilDay day) const {
  if (!options_.settle_after || options_.clock == nullptr) return true;
  return options_.clock->Now() >= time::StartOfDay(day, zone) + *options_.settle_after;
}

absl::StatusOr<std::optional<CaseRecord>> CaseManager::OpenCase(store::Transaction& txn,
                                                                const DelinquencyEvent& event,
                                                                const Cause& cause, Work& work) {
  switch (event.kind()) {
    case delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED:
    case delinquency::v1::DELINQUENCY_EVENT_KIND_CHANGED:
    case delinquency::v1::DELINQUENCY_EVENT_KIND_CORRECTED:
      break;
    default:
      return std::optional<CaseRecord>();
  }
  if (!IsDelinquent(event.snapshot().state())) return std::optional<CaseRecord>();
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> previous,
                           store_->LoadLatestCase(txn, event.customer_id()));
  if (previous) {
    // An event the previous case already applied (or older): not news.
    const CaseLoan* loan = FindLoan(previous->kase, event.loan_id());
    if (loan != nullptr && loan->sequence >= event.loan_sequence()) {
      return std::optional<CaseRecord>();
    }
  }
  // Cases stored before ordinals existed count as 0: their ids follow the
  // old scheme, so the next one (1) cannot collide with them.
  const int ordinal = previous ? std::max(previous->ordinal, 0) + 1 : 1;
  ARREARS_ASSIGN_OR_RETURN(
      const absl::CivilDay opened_on,
      CivilDayFromProto(event.snapshot().business_date(), "snapshot.business_date"));
  const std::string case_id = CaseIdFor(event.customer_id(), ordinal, opened_on);
  ARREARS_ASSIGN_OR_RETURN(CollectionCase opened,
                           CollectionCase::Open(case_id, event, options_.policy));
  CaseRecord record(std::move(opened));
  record.ordinal = ordinal;
  record.open_time = cause.time;
  if (previous) record.kase.set_prior_complaint_count(previous->kase.prior_complaint_count());
  ARREARS_ASSIGN_OR_RETURN(std::optional<CustomerProfile> profile,
                           store_->LoadProfile(txn, event.customer_id()));
  if (profile) {
    const absl::CivilDay day = record.kase.business_date();
    if (profile->deceased) {
      ARREARS_RETURN_IF_ERROR(
          AlreadyFine(record.kase.PlaceHold(Hold{.hold_id = ids::DeriveId(case_id, "deceased"),
                                                 .type = v1::HOLD_TYPE_DECEASED,
                                                 .set_by = "customer-events",
                                                 .reason = "DECEASED_NOTIFIED",
                                                 .start = day})));
    }
    if (!profile->bankruptcy_case_number.empty()) {
      ARREARS_RETURN_IF_ERROR(AlreadyFine(record.kase.PlaceHold(
          Hold{.hold_id = ids::DeriveId(case_id, "bankruptcy/" + profile->bankruptcy_case_number),
               .type = v1::HOLD_TYPE_BANKRUPTCY,
               .set_by = "customer-events",
               .reason = "BANKRUPTCY_FILED",
               .start = day,
               .source_ref = profile->bankruptcy_case_number})));
    }
  }
  work.AddEvent().mutable_case_opened()->set_loan_id(event.loan_id());
  return std::optional<CaseRecord>(std::move(record));
}

absl::Status CaseManager::ApplyContactEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                            const contact::v1::ContactEvent& event,
                                            const Cause& cause) {
  if (event.customer_id().empty()) return absl::InvalidArgumentError("customer_id: required");
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_UNSPECIFIED) {
    return absl::InvalidArgumentError("outcome: required");
  }
  if (!event.has_occurred_at()) return absl::InvalidArgumentError("occurred_at: required");
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record,
                           store_->LoadOpenCase(txn, event.customer_id()));
  // Contacts of customers without an open case (inbound calls after a cure)
  // change nothing the strategy keeps.
  if (!record) return absl::OkStatus();
  const CollectionCase before = record->kase;
  ARREARS_RETURN_IF_ERROR(record->kase.OnContactOutcome(event));
  Work work;
  if (!event.field_visit_id().empty() && !IsReceipt(event.outcome())) {
    auto& visits = record->pending_field_visits;
    visits.erase(std::remove_if(visits.begin(), visits.end(),
                                [&](const v1::FieldVisitOrder& v) {
                                  return v.field_visit_id() == event.field_visit_id();
                                }),
                 visits.end());
  }
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_RECALLED && record->ActivePlacement()) {
    v1::AgencyPlacement& placement = *record->agency_placement;
    *placement.mutable_recall_time() = ToTimestamp(cause.time);
    placement.set_recall_reason(event.outcome_reason().empty() ? "AGENCY" : event.outcome_reason());
    CaseAssignment assignment = record->kase.assignment();
    assignment.agency_id.clear();
    record->kase.Assign(assignment);
    v1::AgencyRecalled* recalled = work.AddEvent().mutable_agency_recalled();
    *recalled->mutable_placement() = placement;
    recalled->set_request_id(event.request_id());
  }
  if (!IsReceipt(event.outcome())) work.reasons.insert(v1::CaseUpdated::REASON_CONTACT_OUTCOME);
  return DecideAndFinish(txn, outbox, *record, &before, work, cause);
}

absl::Status CaseManager::ApplyCustomerEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                             const customer::v1::CustomerEvent& event,
                                             const Cause& cause) {
  if (event.customer_id().empty()) return absl::InvalidArgumentError("customer_id: required");
  ARREARS_ASSIGN_OR_RETURN(std::optional<CustomerProfile> loaded,
                           store_->LoadProfile(txn, event.customer_id()));
  CustomerProfile profile = loaded.value_or(CustomerProfile{.customer_id = event.customer_id()});
  ARREARS_ASSIGN_OR_RETURN(ProfileChange change, strategy::ApplyCustomerEvent(event, &profile));
  ARREARS_RETURN_IF_ERROR(store_->SaveProfile(txn, profile));

  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record,
                           store_->LoadOpenCase(txn, event.customer_id()));
  if (!record) return absl::OkStatus();
  CollectionCase& c = record->kase;
  const CollectionCase before = c;
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, *record));
  if (change.new_contact_points && c.contactability() == v1::CONTACTABILITY_LOST_CONTACT) {
    c.SetContactability(v1::CONTACTABILITY_UNKNOWN);
  }
  if (change.became_deceased) {
    ARREARS_RETURN_IF_ERROR(
        AlreadyFine(c.PlaceHold(Hold{.hold_id = ids::DeriveId(c.case_id(), "deceased"),
                                     .type = v1::HOLD_TYPE_DECEASED,
                                     .set_by = "customer-events",
                                     .reason = "DECEASED_NOTIFIED",
                                     .start = day})));
  }
  if (change.bankruptcy_filed) {
    ARREARS_RETURN_IF_ERROR(AlreadyFine(c.PlaceHold(
        Hold{.hold_id = ids::DeriveId(c.case_id(), "bankruptcy/" + profile.bankruptcy_case_number),
             .type = v1::HOLD_TYPE_BANKRUPTCY,
             .set_by = "customer-events",
             .reason = "BANKRUPTCY_FILED",
             .start = day,
             .source_ref = profile.bankruptcy_case_number})));
  }
  if (!change.bankruptcy_ended.empty()) {
    ARREARS_RETURN_IF_ERROR(AlreadyFine(c.LiftHold(
        ids::DeriveId(c.case_id(), "bankruptcy/" + change.bankruptcy_ended), "customer-events")));
  }
  Work work;
  return DecideAndFinish(txn, outbox, *record, &before, work, cause);
}

// ---------------------------------------------------------------------------
// Agenda

absl::StatusOr<int> CaseManager::RunAgenda(store::Transaction& txn, store::OutboxWriter& outbox,
                                           absl::string_view time_zone, absl::CivilDay day,
                                           int limit) {
  if (limit <= 0) return 0;
  ARREARS_ASSIGN_OR_RETURN(absl::TimeZone zone, time::LoadTimeZone(time_zone));
  if (!Settled(zone, day)) return 0;
  ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> due,
                           store_->DueCases(txn, time_zone, day, limit));
  const Cause cause{.id = absl::StrCat("agenda/", time_zone, "/", time::FormatCivilDay(day)),
                    .time = time::StartOfDay(day, zone)};
  int decided = 0;
  for (const std::string& case_id : due) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record, store_->LoadCase(txn, case_id));
    if (!record || record->kase.closed()) continue;
    const CollectionCase before = record->kase;
    record->kase.AdvanceBusinessDate(day);
    Work work;
    ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, *record, &before, work, cause));
    ++decided;
  }
  return decided;
}

absl::StatusOr<int> CaseManager::RunDueAgendas(store::Transaction& txn, store::OutboxWriter& outbox,
                                               int limit) {
  ARREARS_ASSIGN_OR_RETURN(auto dates, store_->LoadBusinessDates(txn));
  int decided = 0;
  for (const auto& [zone, day] : dates) {
    if (decided >= limit) break;
    // An unsettled date waits (RunAgenda returns 0); cases due earlier are
    // decided with it once it settles.
    ARREARS_ASSIGN_OR_RETURN(int n, RunAgenda(txn, outbox, zone, day, limit - decided));
    decided += n;
  }
  return decided;
}

absl::StatusOr<int> CaseManager::CountDueAgendas(store::Transaction& txn, int limit) {
  ARREARS_ASSIGN_OR_RETURN(auto dates, store_->LoadBusinessDates(txn));
  int due = 0;
  for (const auto& [zone_name, day] : dates) {
    if (due >= limit) break;
    ARREARS_ASSIGN_OR_RETURN(absl::TimeZone zone, time::LoadTimeZone(zone_name));
    if (!Settled(zone, day)) continue;
    ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> cases,
                             store_->DueCases(txn, zone_name, day, limit - due));
    due += static_cast<int>(cases.size());
  }
  return due;
}

// ---------------------------------------------------------------------------
// Deciding

absl::StatusOr<absl::CivilDay> CaseManager::BusinessDateFor(store::Transaction& txn,
                                                            const CaseRecord& record) {
  ARREARS_ASSIGN_OR_RETURN(
      std::optional<absl::CivilDay> zone_date,
      store_->LoadBusinessDate(txn, std::string(record.kase.time_zone().name())));
  return std::max(record.kase.business_date(), zone_date.value_or(record.kase.business_date()));
}

absl::Status CaseManager::DecideAndFinish(store::Transaction& txn, store::OutboxWriter& outbox,
                                          CaseRecord& record, const CollectionCase* before,
                                          Work& work, const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  record.kase.AdvanceBusinessDate(day);
  const absl::CivilDay business_date = record.kase.business_date();
  if (Settled(record.kase.time_zone(), business_date)) {
    record.kase.CloseIfDone();  // a close deferred while the date settled
    ARREARS_RETURN_IF_ERROR(Decide(txn, record, business_date, work, cause));
  } else if (!record.kase.closed()) {
    work.deferred_to = business_date;
  }
  Diff(before, record, work, cause);
  return Finish(txn, outbox, record, work, cause);
}

void CaseManager::Rescore(CaseRecord& record, const Cause& cause) const {
  if (scorecard_ == nullptr) return;
  const RiskScore score = scorecard_->Score(record.kase);
  record.kase.SetSelfCurePermille(score.self_cure_permille);
  record.score = CaseScore{.scorecard = scorecard_->id(),
                           .self_cure_ppm = score.self_cure_ppm,
                           .expected_recovery_minor = score.expected_recovery_minor,
                           .score_time = cause.time};
  record.priority = score.expected_recovery_minor;
}

absl::Status CaseManager::Decide(store::Transaction& txn, CaseRecord& record, absl::CivilDay day,
                                 Work& work, const Cause& cause) {
  CollectionCase& c = record.kase;
  if (c.closed()) return absl::OkStatus();
  c.EvaluatePromise(day);
  if (const v1::AgencyPlacement* placement = record.ActivePlacement();
      placement != nullptr && placement->has_placed_until()) {
    absl::StatusOr<absl::CivilDay> until =
        CivilDayFromProto(placement->placed_until(), "placed_until");
    if (until.ok() && day > *until) Recall(record, "EXPIRED", work, cause);
  }
  Rescore(record, cause);
  const std::shared_ptr<const DecisionEngine> engine = book_->engine();
  Decision decision = engine->Decide(c, day);
  if (!decision.segment.empty() && !c.strategy().segment.empty() &&
      decision.segment != c.strategy().segment) {
    work.reasons.insert(v1::CaseUpdated::REASON_SEGMENT_CHANGED);
  }
  if (decision.migrated_from_version != 0) {
    work.reasons.insert(v1::CaseUpdated::REASON_STRATEGY_MIGRATED);
    work.migrated_from_version = decision.migrated_from_version;
    work.migrated_to_version = decision.strategy_version;
    work.migration_rule = decision.migration_rule;
  }
  std::vector<ContactDecision> sent;
  for (const ContactDecision& contact : decision.contacts) {
    v1::ContactRequest request = ToContactRequest(c, decision, contact, cause.time);
    ARREARS_ASSIGN_OR_RETURN(const bool go,
                             Execute(txn, record, contact, day, request, work, cause));
    if (!go) continue;
    work.step_request_ids.push_back(request.request_id());
    work.requests.push_back(std::move(request));
    sent.push_back(contact);
  }
  if (!sent.empty()) work.reasons.insert(v1::CaseUpdated::REASON_STEP_EXECUTED);
  decision.contacts = std::move(sent);
  ApplyDecision(decision, day, &c);
  return absl::OkStatus();
}

absl::StatusOr<bool> CaseManager::Execute(store::Transaction& txn, CaseRecord& record,
                                          const ContactDecision& contact, absl::CivilDay day,
                                          v1::ContactRequest& request, Work& work,
                                          const Cause& cause) {
  CollectionCase& c = record.kase;
  switch (contact.channel) {
    case common::v1::CHANNEL_FIELD_VISIT:
      return PlanFieldVisit(txn, record, contact, day, request, work);
    case common::v1::CHANNEL_AGENCY_PLACEMENT: {
      if (record.ActivePlacement() != nullptr || options_.agencies.empty()) return false;
      const std::string& agency =
          options_.agencies[Fnv1a64(c.case_id()) % options_.agencies.size()];
      const absl::CivilDay until = day + options_.agency_placement_days;
      v1::AgencyPlacementOrder* order = request.mutable_contact()->mutable_agency_placement();
      order->set_agency_id(agency);
      *order->mutable_placed_until() = ToProto(until);
      request.mutable_contact()->set_agency_id(agency);
      v1::AgencyPlacement placement;
      placement.set_placement_id(order->placement_id());
      placement.set_agency_id(agency);
      *placement.mutable_place_time() = ToTimestamp(cause.time);
      *placement.mutable_placed_until() = ToProto(until);
      record.agency_placement = placement;
      CaseAssignment assignment = c.assignment();
      assignment.agency_id = agency;
      assignment.assigned_by = "strategy";
      assignment.assign_time = cause.time;
      c.Assign(std::move(assignment));
      v1::AgencyPlaced* placed = work.AddEvent().mutable_agency_placed();
      *placed->mutable_placement() = placement;
      placed->set_request_id(request.request_id());
      return true;
    }
    case common::v1::CHANNEL_LEGAL_REFERRAL: {
      if (record.legal_referral) return false;
      v1::LegalReferralOrder* order = request.mutable_contact()->mutable_legal_referral();
      order->set_firm_id(options_.legal_firm_id);
      v1::LegalReferral referral;
      referral.set_referral_id(order->referral_id());
      referral.set_firm_id(options_.legal_firm_id);
      *referral.mutable_refer_time() = ToTimestamp(cause.time);
      referral.set_reason(order->reason());
      record.legal_referral = referral;
      v1::LegalReferred* referred = work.AddEvent().mutable_legal_referred();
      *referred->mutable_referral() = referral;
      referred->set_request_id(request.request_id());
      return true;
    }
    default:
      return true;
  }
}

absl::StatusOr<bool> CaseManager::PlanFieldVisit(store::Transaction& txn, CaseRecord& record,
                                                 const ContactDecision& contact, absl::CivilDay day,
                                                 v1::ContactRequest& request, Work& work) {
  const CollectionCase& c = record.kase;
  ARREARS_ASSIGN_OR_RETURN(std::optional<CustomerProfile> profile,
                           store_->LoadProfile(txn, c.customer_id()));
  // Confirm the data first: the amount, a verified address in a roster
  // region, and a verified phone to announce the visit.
  const bool confirmed = c.total_overdue().IsPositive() && profile &&
                         !profile->visit_address_id.empty() && profile->has_verified_phone &&
                         roster_ != nullptr && roster_->HasRegion(profile->visit_region);
  if (!confirmed) {
    work.retry_tomorrow = true;
    return false;
  }
  ARREARS_ASSIGN_OR_RETURN(std::optional<VisitSlot> slot,
                           roster_->Book(*store_, txn, profile->visit_region, day + 1));
  if (!slot) {
    work.retry_tomorrow = true;
    return false;
  }
  std::string zone_name = profile->visit_time_zone;
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(zone_name);
  if (zone_name.empty() || !zone.ok()) {
    zone_name = std::string(c.time_zone().name());
    zone = c.time_zone();
  }
  v1::ContactInstruction* instruction = request.mutable_contact();
  v1::FieldVisitOrder* order = instruction->mutable_field_visit();
  *order->mutable_visit_date() = ToProto(slot->day);
  *order->mutable_time_window()->mutable_start() = TimeOfDay(contact.window_start_minute);
  *order->mutable_time_window()->mutable_end() = TimeOfDay(contact.window_end_minute);
  order->set_time_zone(zone_name);
  order->set_address_contact_point_id(profile->visit_address_id);
  order->set_region(profile->visit_region);
  for (const std::string& staff : slot->staff_ids) order->add_staff_ids(staff);
  order->set_recording_on(profile->recording_consent);
  order->set_data_confirmed(true);
  instruction->set_contact_point_id(profile->visit_address_id);
  *instruction->mutable_earliest_time() =
      ToTimestamp(LocalMinute(slot->day, contact.window_start_minute, *zone));
  *instruction->mutable_latest_time() =
      ToTimestamp(LocalMinute(slot->day, contact.window_end_minute, *zone));
  record.pending_field_visits.push_back(*order);
  ++record.field_visit_count;
  v1::FieldVisitPlanned* planned = work.AddEvent().mutable_field_visit_planned();
  *planned->mutable_order() = *order;
  planned->set_request_id(request.request_id());
  return true;
}

void CaseManager::Recall(CaseRecord& record, absl::string_view reason, Work& work,
                         const Cause& cause) {
  CollectionCase& c = record.kase;
  v1::AgencyPlacement& placement = *record.agency_placement;
  v1::ContactRequest request = RequestFor(
      c, ids::DeriveTimeOrderedId(c.case_id(), "recall/" + placement.placement_id(), cause.time),
      cause);
  v1::ContactInstruction* instruction = request.mutable_contact();
  for (const CaseLoan& loan : c.loans()) instruction->add_loan_ids(loan.loan_id);
  instruction->set_channel(common::v1::CHANNEL_AGENCY_PLACEMENT);
  instruction->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  instruction->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  instruction->set_priority(900);
  *instruction->mutable_earliest_time() = ToTimestamp(cause.time);
  *instruction->mutable_latest_time() = ToTimestamp(cause.time + absl::Hours(24 * 7));
  instruction->set_agency_id(placement.agency_id());
  v1::DecisionReason* why = instruction->mutable_reason();
  why->set_strategy_id(c.strategy().strategy_id);
  why->set_strategy_version(c.strategy().version);
  why->set_variant(c.strategy().variant);
  why->set_segment(c.strategy().segment);
  why->set_step("agency-recall");
  why->set_explanation(absl::StrCat("recall from ", placement.agency_id(), ": ", reason));
  v1::AgencyPlacementOrder* order = instruction->mutable_agency_placement();
  order->set_action(v1::AgencyPlacementOrder::ACTION_RECALL);
  order->set_agency_id(placement.agency_id());
  order->set_placement_id(placement.placement_id());
  order->set_recall_reason(std::string(reason));

  *placement.mutable_recall_time() = ToTimestamp(cause.time);
  placement.set_recall_reason(std::string(reason));
  CaseAssignment assignment = c.assignment();
  assignment.agency_id.clear();
  assignment.assigned_by = "strategy";
  assignment.assign_time = cause.time;
  c.Assign(std::move(assignment));
  v1::AgencyRecalled* recalled = work.AddEvent().mutable_agency_recalled();
  *recalled->mutable_placement() = placement;
  recalled->set_request_id(request.request_id());
  work.withdrawals.push_back(std::move(request));
}

void CaseManager::Diff(const CollectionCase* before, CaseRecord& record, Work& work,
                       const Cause& cause) {
  CollectionCase& after = record.kase;
  auto cancel = [&](v1::CancelPendingContacts::Reason reason, absl::string_view tag,
                    absl::string_view hold_id) {
    v1::ContactRequest request = RequestFor(
        after, ids::DeriveTimeOrderedId(after.case_id(), absl::StrCat("cancel/", tag), cause.time),
        cause);
    v1::CancelPendingContacts* cancel = request.mutable_cancel_pending();
    cancel->set_reason(reason);
    cancel->set_hold_id(std::string(hold_id));
    if (reason == v1::CancelPendingContacts::REASON_HOLD_PLACED) {
      // Service notices (e.g. dispute acknowledgements) still go out.
      cancel->add_keep_purposes(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE);
    }
    work.withdrawals.push_back(std::move(request));
  };

  if (before != nullptr) {
    for (const CaseLoan& loan : after.loans()) {
      const CaseLoan* old = FindLoan(*before, loan.loan_id);
      if (old == nullptr) {
        work.reasons.insert(v1::CaseUpdated::REASON_LOAN_ADDED);
        continue;
      }
      if (old->sequence != loan.sequence) {
        work.reasons.insert(v1::CaseUpdated::REASON_DELINQUENCY_CHANGED);
      }
      if (IsDelinquent(old->state) && !IsDelinquent(loan.state) && !after.closed()) {
        work.reasons.insert(v1::CaseUpdated::REASON_LOAN_CURED);
      }
    }
    if (before->contactability() != after.contactability()) {
      work.reasons.insert(v1::CaseUpdated::REASON_CONTACTABILITY_CHANGED);
    }
  }

  for (const Hold& hold : after.holds()) {
    if (before != nullptr && HoldKnown(*before, hold.hold_id)) continue;
    *work.AddEvent().mutable_hold_placed()->mutable_hold() =
        CaseCodec::HoldToProto(hold, after.time_zone());
    if (before != nullptr) {
      cancel(v1::CancelPendingContacts::REASON_HOLD_PLACED, "hold/" + hold.hold_id, hold.hold_id);
    }
    if (hold.type == v1::HOLD_TYPE_COMPLAINT && record.ActivePlacement() != nullptr) {
      Recall(record, "COMPLAINT", work, cause);
    }
  }
  if (before != nullptr) {
    for (const Hold& hold : after.lifted_holds()) {
      if (before->FindHold(hold.hold_id) == nullptr) continue;
      *work.AddEvent().mutable_hold_lifted()->mutable_hold() =
          CaseCodec::HoldToProto(hold, after.time_zone());
    }
  }

  const int64_t total = after.total_overdue().minor_units();
  if (const std::optional<PromiseToPay>& open = after.open_promise(); open.has_value()) {
    const bool is_new = before == nullptr || !before->open_promise() ||
                        before->open_promise()->promise_id != open->promise_id;
    if (is_new) {
      *work.AddEvent().mutable_promise_recorded()->mutable_promise() =
          CaseCodec::PromiseToProto(*open, total);
      if (before != nullptr) {
        cancel(v1::CancelPendingContacts::REASON_PROMISE, "promise/" + open->promise_id, "");
      }
    }
  }
  const size_t resolved_before = before == nullptr ? 0 : before->resolved_promises().size();
  for (size_t i = resolved_before; i < after.resolved_promises().size(); ++i) {
    const PromiseToPay& p = after.resolved_promises()[i];
    if (p.state == v1::Promise::STATE_KEPT) {
      *work.AddEvent().mutable_promise_kept()->mutable_promise() =
          CaseCodec::PromiseToProto(p, total);
    } else if (p.state == v1::Promise::STATE_BROKEN) {
      v1::PromiseBroken* broken = work.AddEvent().mutable_promise_broken();
      *broken->mutable_promise() = CaseCodec::PromiseToProto(p, total);
      const int64_t paid =
          std::clamp<int64_t>(p.overdue_at_promise_minor - total, 0, p.amount.minor_units());
      *broken->mutable_shortfall() =
          ToProto(money::Money::FromMinor(p.amount.minor_units() - paid, p.amount.currency()));
      broken->set_broken_promise_count(after.broken_promise_count());
    }
  }

  if (after.closed() && (before == nullptr || !before->closed())) {
    work.AddEvent().mutable_case_closed()->set_reason(after.close_reason());
    const bool cured = after.close_reason() == "ALL_CURED";
    cancel(cured ? v1::CancelPendingContacts::REASON_CURED
                 : v1::CancelPendingContacts::REASON_CASE_CLOSED,
           "closed", "");
    if (record.ActivePlacement() != nullptr) {
      Recall(record, cured ? "CURED" : "CHARGED_OFF", work, cause);
    }
    record.close_time = cause.time;
    record.priority = 0;
  }
}

std::optional<absl::CivilDay> CaseManager::NextDecisionDate(const CaseRecord& record,
                                                            absl::CivilDay day,
                                                            bool retry_tomorrow) const {
  const CollectionCase& c = record.kase;
  if (c.closed()) return std::nullopt;
  std::optional<absl::CivilDay> next = book_->engine()->NextDecisionDate(c, day);
  auto consider = [&](absl::CivilDay candidate) {
    if (candidate > day && (!next || candidate < *next)) next = candidate;
  };
  if (c.open_promise()) consider(c.open_promise()->grace_until + 1);
  for (const Hold& hold : c.holds()) {
    consider(hold.start);
    if (hold.until) consider(*hold.until + 1);
  }
  if (const v1::AgencyPlacement* placement = record.ActivePlacement();
      placement != nullptr && placement->has_placed_until()) {
    absl::StatusOr<absl::CivilDay> until =
        CivilDayFromProto(placement->placed_until(), "placed_until");
    if (until.ok()) consider(*until + 1);
  }
  if (retry_tomorrow) consider(day + 1);
  return next;
}

absl::Status CaseManager::Finish(store::Transaction& txn, store::OutboxWriter& outbox,
                                 CaseRecord& record, Work& work, const Cause& cause) {
  CollectionCase& c = record.kase;
  record.next_decision_date =
      work.deferred_to ? work.deferred_to
                       : NextDecisionDate(record, c.business_date(), work.retry_tomorrow);
  if (!work.reasons.empty()) {
    v1::CaseUpdated* updated = work.AddEvent().mutable_case_updated();
    for (int reason : work.reasons)
      updated->add_reasons(static_cast<v1::CaseUpdated::Reason>(reason));
    for (const std::string& id : work.step_request_ids) updated->add_request_ids(id);
    if (work.migrated_from_version != 0) {
      updated->set_migrated_from_version(work.migrated_from_version);
      updated->set_migrated_to_version(work.migrated_to_version);
      updated->set_migration_policy(MigrationPolicyToProto(work.migration_rule));
    }
  }
  const bool changed = !work.events.empty();
  if (changed) {
    ++record.version;
    record.update_time = cause.time;
  }
  ARREARS_RETURN_IF_ERROR(store_->SaveCase(txn, record));
  for (const v1::ContactRequest& request : work.withdrawals) {
    ARREARS_RETURN_IF_ERROR(EmitContactRequest(outbox, request, cause));
  }
  for (const v1::ContactRequest& request : work.requests) {
    ARREARS_RETURN_IF_ERROR(EmitContactRequest(outbox, request, cause));
  }
  if (changed) {
    const v1::Case snapshot = CaseCodec::ToProto(record);
    for (size_t i = 0; i < work.events.size(); ++i) {
      v1::CaseEvent& event = work.events[i];
      event.set_case_id(c.case_id());
      event.set_customer_id(c.customer_id());
      *event.mutable_occurred_at() = ToTimestamp(cause.time);
      event.set_case_version(record.version);
      *event.mutable_case_snapshot() = snapshot;
      event.set_cause_event_id(cause.id);
      ARREARS_RETURN_IF_ERROR(EmitCaseEvent(outbox, event, static_cast<int>(i), cause));
    }
  }
  for (const v1::RepaymentPlanEvent& event : work.plan_events) {
    ARREARS_RETURN_IF_ERROR(EmitPlanEvent(outbox, event, cause));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Commands

absl::StatusOr<CaseRecord> CaseManager::LoadForCommand(store::Transaction& txn,
                                                       absl::string_view case_id) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record, store_->LoadCase(txn, case_id));
  if (!record) return absl::NotFoundError(absl::StrCat("name: case ", case_id, " not found"));
  if (record->kase.closed()) {
    return absl::FailedPreconditionError(absl::StrCat("name: case ", case_id, " is closed"));
  }
  return std::move(record).value();
}

absl::StatusOr<v1::Case> CaseManager::AssignCase(store::Transaction& txn,
                                                 store::OutboxWriter& outbox,
                                                 absl::string_view case_id,
                                                 CaseAssignment assignment, const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  const CollectionCase before = record.kase;
  assignment.assign_time = cause.time;
  Work work;
  v1::CaseAssigned* assigned = work.AddEvent().mutable_case_assigned();
  *assigned->mutable_previous_assignment() = CaseCodec::AssignmentToProto(before.assignment());
  *assigned->mutable_assignment() = CaseCodec::AssignmentToProto(assignment);
  record.kase.Assign(std::move(assignment));
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  return CaseCodec::ToProto(record);
}

absl::StatusOr<v1::Promise> CaseManager::RecordPromise(store::Transaction& txn,
                                                       store::OutboxWriter& outbox,
                                                       absl::string_view case_id,
                                                       const PromiseInput& input,
                                                       const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  CollectionCase& c = record.kase;
  const std::string key = input.idempotency_key.empty() ? cause.id : input.idempotency_key;
  const std::string promise_id = ids::DeriveId(c.case_id(), "promise/" + key);
  if (const PromiseToPay* existing = FindPromise(c, promise_id)) {
    return CaseCodec::PromiseToProto(*existing, c.total_overdue().minor_units());
  }
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  if (input.promised_date < day) {
    return absl::InvalidArgumentError(
        absl::StrCat("promise.promised_date: ", time::FormatCivilDay(input.promised_date),
                     " is before the case's business date ", time::FormatCivilDay(day)));
  }
  const CollectionCase before = c;
  c.AdvanceBusinessDate(day);
  ARREARS_RETURN_IF_ERROR(
      PrefixField(c.RecordPromise(promise_id, input.amount, input.promised_date, input.recorded_by),
                  "promise"));
  Work work;
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  const PromiseToPay* recorded = FindPromise(record.kase, promise_id);
  return CaseCodec::PromiseToProto(*recorded, record.kase.total_overdue().minor_units());
}

absl::StatusOr<v1::Hold> CaseManager::PlaceHold(store::Transaction& txn,
                                                store::OutboxWriter& outbox,
                                                absl::string_view case_id, const HoldInput& input,
                                                const Cause& cause) {
  if (input.type == v1::HOLD_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("hold.type: required");
  }
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  CollectionCase& c = record.kase;
  const std::string key = input.idempotency_key.empty() ? cause.id : input.idempotency_key;
  const std::string hold_id = ids::DeriveId(c.case_id(), "hold/" + key);
  if (const Hold* existing = c.FindHold(hold_id))
    return CaseCodec::HoldToProto(*existing, c.time_zone());
  if (const Hold* lifted = FindLifted(c, hold_id))
    return CaseCodec::HoldToProto(*lifted, c.time_zone());
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  std::optional<absl::CivilDay> until = input.until;
  if (!until && input.until_time) {
    until = time::LocalDate(*input.until_time - absl::Nanoseconds(1), c.time_zone());
  }
  if (until && *until < day) {
    return absl::InvalidArgumentError("hold.until_time: before the case's business date");
  }
  const CollectionCase before = c;
  c.AdvanceBusinessDate(day);
  ARREARS_RETURN_IF_ERROR(c.PlaceHold(Hold{.hold_id = hold_id,
                                           .type = input.type,
                                           .set_by = input.set_by,
                                           .reason = input.reason,
                                           .start = day,
                                           .until = until,
                                           .source_ref = input.source_ref}));
  Work work;
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  return CaseCodec::HoldToProto(*record.kase.FindHold(hold_id), record.kase.time_zone());
}

absl::StatusOr<v1::Hold> CaseManager::LiftHold(store::Transaction& txn, store::OutboxWriter& outbox,
                                               absl::string_view case_id, absl::string_view hold_id,
                                               absl::string_view lifted_by, const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  CollectionCase& c = record.kase;
  if (const Hold* lifted = FindLifted(c, hold_id))
    return CaseCodec::HoldToProto(*lifted, c.time_zone());
  if (c.FindHold(hold_id) == nullptr) {
    return absl::NotFoundError(absl::StrCat("hold_id: no hold ", hold_id, " on case ", case_id));
  }
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  const CollectionCase before = c;
  c.AdvanceBusinessDate(day);
  ARREARS_RETURN_IF_ERROR(c.LiftHold(hold_id, lifted_by));
  Work work;
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  return CaseCodec::HoldToProto(*FindLifted(record.kase, hold_id), record.kase.time_zone());
}

absl::StatusOr<v1::RepaymentPlan> CaseManager::ProposePlan(
    store::Transaction& txn, store::OutboxWriter& outbox, absl::string_view case_id,
    v1::RepaymentPlan plan, absl::string_view idempotency_key, const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  CollectionCase& c = record.kase;
  const std::string key = idempotency_key.empty() ? cause.id : std::string(idempotency_key);
  const std::string plan_id = ids::DeriveId(c.case_id(), "plan/" + key);
  if (const v1::RepaymentPlan* existing = record.FindPlan(plan_id)) return *existing;
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));

  if (plan.loan_terms().empty()) {
    return absl::InvalidArgumentError("plan.loan_terms: at least one required");
  }
  std::set<std::string> seen_loans;
  for (int i = 0; i < plan.loan_terms_size(); ++i) {
    const v1::LoanPlanTerms& terms = plan.loan_terms(i);
    const std::string field = absl::StrCat("plan.loan_terms[", i, "]");
    if (FindLoan(c, terms.loan_id()) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".loan_id: '", terms.loan_id(), "' is not a loan of case ", case_id));
    }
    if (!seen_loans.insert(terms.loan_id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".loan_id: listed twice"));
    }
    switch (terms.terms_case()) {
      case v1::LoanPlanTerms::kDeferral:
        if (terms.deferral().months() < 1) {
          return absl::InvalidArgumentError(absl::StrCat(field, ".deferral.months: must be >= 1"));
        }
        break;
      case v1::LoanPlanTerms::kNewSchedule: {
        const auto& installments = terms.new_schedule().installments();
        if (installments.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ".new_schedule.installments: at least one required"));
        }
        std::optional<absl::CivilDay> previous;
        for (int k = 0; k < installments.size(); ++k) {
          const std::string at = absl::StrCat(field, ".new_schedule.installments[", k, "]");
          if (installments[k].number() != k + 1) {
            return absl::InvalidArgumentError(absl::StrCat(at, ".number: must be ", k + 1));
          }
          ARREARS_ASSIGN_OR_RETURN(absl::CivilDay due,
                                   CivilDayFromProto(installments[k].due_date(), at + ".due_date"));
          if (due < day || (previous && due <= *previous)) {
            return absl::InvalidArgumentError(absl::StrCat(
                at, ".due_date: must be on or after the business date and after the previous one"));
          }
          previous = due;
          ARREARS_ASSIGN_OR_RETURN(money::Money amount,
                                   MoneyFromProto(installments[k].amount(), at + ".amount"));
          if (!amount.IsPositive() || amount.currency() != c.currency()) {
            return absl::InvalidArgumentError(
                absl::StrCat(at, ".amount: must be > 0 in ", c.currency().code()));
          }
        }
        break;
      }
      case v1::LoanPlanTerms::TERMS_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": deferral or new_schedule required"));
    }
  }

  const CollectionCase before = c;
  c.AdvanceBusinessDate(day);
  plan.set_name(absl::StrCat(CaseCodec::CaseName(c.case_id()), "/plans/", plan_id));
  plan.set_plan_id(plan_id);
  plan.set_case_id(c.case_id());
  plan.set_customer_id(c.customer_id());
  plan.set_state(v1::RepaymentPlan::STATE_PROPOSED);
  *plan.mutable_propose_time() = ToTimestamp(cause.time);
  plan.clear_accepted_by();
  plan.clear_accept_time();
  if (!plan.has_expire_time()) {
    *plan.mutable_expire_time() =
        ToTimestamp(cause.time + absl::Hours(24) * options_.plan_offer_days);
  }
  for (v1::RepaymentPlan& other : record.plans) {
    if (other.state() == v1::RepaymentPlan::STATE_PROPOSED) {
      other.set_state(v1::RepaymentPlan::STATE_CANCELLED);
    }
  }
  record.plans.push_back(plan);
  c.SetHardship(true);
  Work work;
  *work.AddEvent().mutable_plan_proposed()->mutable_plan() = plan;
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  return plan;
}

absl::StatusOr<v1::RepaymentPlan> CaseManager::AcceptPlan(
    store::Transaction& txn, store::OutboxWriter& outbox, absl::string_view case_id,
    absl::string_view plan_id, absl::string_view accepted_by, const Cause& cause) {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, LoadForCommand(txn, case_id));
  v1::RepaymentPlan* plan = record.FindPlan(plan_id);
  if (plan == nullptr) {
    return absl::NotFoundError(absl::StrCat("name: no plan ", plan_id, " in case ", case_id));
  }
  if (plan->state() == v1::RepaymentPlan::STATE_ACCEPTED) return *plan;
  if (plan->state() != v1::RepaymentPlan::STATE_PROPOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("name: plan ", plan_id, " is ", v1::RepaymentPlan::State_Name(plan->state())));
  }
  if (plan->has_expire_time() && cause.time > FromTimestamp(plan->expire_time())) {
    return absl::FailedPreconditionError(
        absl::StrCat("name: plan ", plan_id, " expired at ",
                     absl::FormatTime(FromTimestamp(plan->expire_time()))));
  }
  CollectionCase& c = record.kase;
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  const CollectionCase before = c;
  c.AdvanceBusinessDate(day);

  plan->set_state(v1::RepaymentPlan::STATE_ACCEPTED);
  plan->set_accepted_by(std::string(accepted_by));
  *plan->mutable_accept_time() = ToTimestamp(cause.time);
  // The first date the debtor owes something under the plan.
  std::optional<absl::CivilDay> first_due;
  for (const v1::LoanPlanTerms& terms : plan->loan_terms()) {
    absl::CivilDay due = day;
    if (terms.has_new_schedule()) {
      ARREARS_ASSIGN_OR_RETURN(
          due, CivilDayFromProto(terms.new_schedule().installments(0).due_date(), "due_date"));
    } else {
      due = time::AddMonthsClamped(day, terms.deferral().months());
    }
    if (!first_due || due < *first_due) first_due = due;
  }
  const v1::RepaymentPlan accepted = *plan;
  for (v1::RepaymentPlan& other : record.plans) {
    if (other.plan_id() != plan_id && other.state() == v1::RepaymentPlan::STATE_PROPOSED) {
      other.set_state(v1::RepaymentPlan::STATE_CANCELLED);
    }
  }
  c.CancelOpenPromise();
  c.SetHardship(true);
  const std::string hold_id = ids::DeriveId(c.case_id(), absl::StrCat("plan/", plan_id));
  ARREARS_RETURN_IF_ERROR(
      AlreadyFine(c.PlaceHold(Hold{.hold_id = hold_id,
                                   .type = v1::HOLD_TYPE_HARDSHIP,
                                   .set_by = std::string(accepted_by),
                                   .reason = "PLAN_ACCEPTED",
                                   .start = day,
                                   .until = *first_due + options_.policy.promise_grace_days,
                                   .source_ref = std::string(plan_id)})));
  Work work;
  *work.AddEvent().mutable_plan_accepted()->mutable_plan() = accepted;
  for (const v1::LoanPlanTerms& terms : accepted.loan_terms()) {
    v1::RepaymentPlanEvent& event = work.plan_events.emplace_back();
    event.set_loan_id(terms.loan_id());
    event.set_customer_id(c.customer_id());
    event.set_plan_id(accepted.plan_id());
    *event.mutable_occurred_at() = ToTimestamp(cause.time);
    *event.mutable_plan_agreed()->mutable_terms() = terms;
    *event.mutable_plan_agreed()->mutable_plan() = accepted;
  }
  ARREARS_RETURN_IF_ERROR(DecideAndFinish(txn, outbox, record, &before, work, cause));
  return accepted;
}

// ---------------------------------------------------------------------------
// Queries

absl::StatusOr<v1::Case> CaseManager::GetCase(store::Transaction& txn, absl::string_view case_id) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record, store_->LoadCase(txn, case_id));
  if (!record) return absl::NotFoundError(absl::StrCat("name: case ", case_id, " not found"));
  return AsOfToday(txn, std::move(*record));
}

absl::StatusOr<v1::Case> CaseManager::AsOfToday(store::Transaction& txn, CaseRecord record) {
  // A case untouched for days is stored as of its last decision; readers see
  // its DPD run on to the zone's business date (not saved: nothing changed).
  ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay day, BusinessDateFor(txn, record));
  record.kase.AdvanceBusinessDate(day);
  return CaseCodec::ToProto(record);
}

absl::StatusOr<v1::Case> CaseManager::GetCustomerCase(store::Transaction& txn,
                                                      absl::string_view customer_id) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<CaseRecord> record,
                           store_->LoadLatestCase(txn, customer_id));
  if (!record) {
    return absl::NotFoundError(absl::StrCat("name: customer ", customer_id, " has no case"));
  }
  return AsOfToday(txn, std::move(*record));
}

absl::StatusOr<v1::StrategyReport> CaseManager::Report(store::Transaction& txn,
                                                       absl::string_view strategy_id,
                                                       absl::CivilDay from, absl::CivilDay to,
                                                       absl::Time now) {
  VariantStats stats;
  ARREARS_RETURN_IF_ERROR(store_->ScanCases(
      txn, CaseScan{.strategy_id = std::string(strategy_id), .opened_from = from, .opened_to = to},
      [&](const v1::Case& c) -> absl::Status {
        const VariantKey key{.strategy_version = c.strategy().strategy_version(),
                             .variant = c.strategy().variant()};
        ARREARS_ASSIGN_OR_RETURN(absl::CivilDay opened,
                                 CivilDayFromProto(c.opened_on(), "opened_on"));
        stats.OnCaseOpened(key, c.case_id(), opened);
        for (int i = 0; i < c.treatment_history_size(); ++i) stats.OnContact(key);
        if (c.amount_recovered().amount_minor() > 0) {
          ARREARS_ASSIGN_OR_RETURN(money::Money recovered,
                                   MoneyFromProto(c.amount_recovered(), "amount_recovered"));
          ARREARS_RETURN_IF_ERROR(stats.OnRepayment(key, recovered));
        }
        if (c.state() == v1::Case::STATE_CLOSED && c.close_reason() == "ALL_CURED") {
          ARREARS_ASSIGN_OR_RETURN(absl::CivilDay closed,
                                   CivilDayFromProto(c.closed_on(), "closed_on"));
          stats.OnCured(key, c.case_id(), closed);
        }
        return absl::OkStatus();
      }));
  std::string champion = "champion";
  if (std::optional<StrategyVersion> version = book_->Effective(strategy_id, to)) {
    for (const Variant& v : version->strategy.variants) {
      if (v.champion) champion = v.id;
    }
  }
  v1::StrategyReport report;
  report.set_name(absl::StrCat("strategies/", strategy_id));
  *report.mutable_start_date() = ToProto(from);
  *report.mutable_end_date() = ToProto(to);
  for (v1::VariantOutcome& row : stats.ToProto(champion)) *report.add_variants() = std::move(row);
  *report.mutable_generate_time() = ToTimestamp(now);
  return report;
}

v1::SimulatedDecision CaseManager::Simulate(const DecisionEngine& engine, CaseRecord record,
                                            absl::CivilDay day, absl::Time now) const {
  CollectionCase& c = record.kase;
  c.AdvanceBusinessDate(day);
  const absl::CivilDay date = c.business_date();
  c.EvaluatePromise(date);
  Rescore(record, Cause{.id = "simulation", .time = now});
  const Decision decision = engine.Decide(c, date);
  v1::SimulatedDecision out;
  out.set_case_id(c.case_id());
  v1::DecisionReason* reason = out.mutable_reason();
  reason->set_strategy_id(decision.strategy_id);
  reason->set_strategy_version(decision.strategy_version);
  reason->set_variant(decision.variant);
  reason->set_segment(decision.segment);
  if (decision.contacts.empty()) {
    reason->set_explanation(decision.idle_reason);
  } else {
    reason->set_step(decision.contacts.front().step);
    reason->set_explanation(decision.contacts.front().explanation);
  }
  for (const ContactDecision& contact : decision.contacts) {
    *out.add_contact_requests() = ToContactRequest(c, decision, contact, now);
  }
  return out;
}

}  // namespace arrears::strategy
