#include "services/strategy_routing/case_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"

namespace arrears::strategy {
namespace {

template <typename T>
absl::StatusOr<T> WithField(absl::StatusOr<T> result, absl::string_view field) {
  if (!result.ok()) return Annotate(result.status(), field);
  return result;
}

bool IsSet(absl::Time time) { return time != absl::InfinitePast(); }

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  if (IsSet(time)) *out = ToTimestamp(time);
}

absl::Time TimeOrUnset(const google::protobuf::Timestamp& ts, bool has) {
  return has ? FromTimestamp(ts) : absl::InfinitePast();
}

bool DateSet(const common::v1::Date& date) { return date.year() != 0; }

// The date if set, else the local date of `fallback` if set, else nullopt.
absl::StatusOr<std::optional<absl::CivilDay>> OptionalDay(const common::v1::Date& date,
                                                          absl::string_view field) {
  if (!DateSet(date)) return std::optional<absl::CivilDay>();
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay day, CivilDayFromProto(date, field));
  return std::optional<absl::CivilDay>(day);
}

delinquency::v1::DelinquencySnapshot LoanSnapshot(const CollectionCase& c, const CaseLoan& loan) {
  delinquency::v1::DelinquencySnapshot s;
  s.set_loan_id(loan.loan_id);
  s.set_customer_id(c.customer_id());
  s.set_product_code(loan.product_code);
  s.set_currency_code(std::string(loan.currency.code()));
  s.set_time_zone(loan.time_zone.empty() ? std::string(c.time_zone().name()) : loan.time_zone);
  *s.mutable_business_date() = arrears::ToProto(loan.snapshot_date);
  s.set_state(loan.state);
  s.set_dpd(loan.dpd);
  s.mutable_bucket()->set_ordinal(loan.bucket_ordinal);
  s.mutable_bucket()->set_code(loan.bucket_code);
  *s.mutable_total_overdue() =
      arrears::ToProto(money::Money::FromMinor(loan.total_overdue_minor, loan.currency));
  return s;
}

}  // namespace

std::string CaseCodec::CaseName(absl::string_view case_id) {
  return absl::StrCat("cases/", case_id);
}

v1::Hold CaseCodec::HoldToProto(const Hold& hold, const absl::TimeZone& zone) {
  v1::Hold proto;
  proto.set_hold_id(hold.hold_id);
  proto.set_type(hold.type);
  proto.set_set_by(hold.set_by);
  proto.set_reason(hold.reason);
  proto.set_source_ref(hold.source_ref);
  *proto.mutable_start_date() = arrears::ToProto(hold.start);
  *proto.mutable_start_time() = ToTimestamp(time::StartOfDay(hold.start, zone));
  if (hold.until) {
    *proto.mutable_until_date() = arrears::ToProto(*hold.until);
    *proto.mutable_until_time() = ToTimestamp(time::StartOfDay(*hold.until + 1, zone));
  }
  if (hold.lifted_on) {
    *proto.mutable_lift_time() = ToTimestamp(time::StartOfDay(*hold.lifted_on, zone));
    proto.set_lifted_by(hold.lifted_by);
  }
  return proto;
}

absl::StatusOr<Hold> CaseCodec::HoldFromProto(const v1::Hold& proto, const absl::TimeZone& zone,
                                              absl::string_view field) {
  Hold hold;
  if (proto.hold_id().empty())
    return absl::InvalidArgumentError(absl::StrCat(field, ".hold_id: required"));
  if (proto.type() == v1::HOLD_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".type: required"));
  }
  hold.hold_id = proto.hold_id();
  hold.type = proto.type();
  hold.set_by = proto.set_by();
  hold.reason = proto.reason();
  hold.source_ref = proto.source_ref();
  if (DateSet(proto.start_date())) {
    ARREARS_ASSIGN_OR_RETURN(
        hold.start, CivilDayFromProto(proto.start_date(), absl::StrCat(field, ".start_date")));
  } else if (proto.has_start_time()) {
    hold.start = time::LocalDate(FromTimestamp(proto.start_time()), zone);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(field, ".start_date: required"));
  }
  if (DateSet(proto.until_date())) {
    ARREARS_ASSIGN_OR_RETURN(
        hold.until, CivilDayFromProto(proto.until_date(), absl::StrCat(field, ".until_date")));
  } else if (proto.has_until_time()) {
    // until_time is the end instant: the last day in force is the day before
    // the one it falls on, unless it falls inside a day.
    const absl::Time end = FromTimestamp(proto.until_time());
    hold.until = time::LocalDate(end - absl::Nanoseconds(1), zone);
  }
  if (hold.until && *hold.until < hold.start) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".until_date: before the start"));
  }
  if (proto.has_lift_time()) {
    hold.lifted_on = time::LocalDate(FromTimestamp(proto.lift_time()), zone);
    hold.lifted_by = proto.lifted_by();
  }
  return hold;
}

v1::Promise CaseCodec::PromiseToProto(const PromiseToPay& promise, int64_t total_overdue_minor) {
  v1::Promise proto;
  proto.set_promise_id(promise.promise_id);
  *proto.mutable_amount() = arrears::ToProto(promise.amount);
  *proto.mutable_promised_date() = arrears::ToProto(promise.promised_date);
  *proto.mutable_grace_until() = arrears::ToProto(promise.grace_until);
  proto.set_state(promise.state);
  proto.set_recorded_by(promise.recorded_by);
  *proto.mutable_overdue_at_promise() = arrears::ToProto(
      money::Money::FromMinor(promise.overdue_at_promise_minor, promise.amount.currency()));
  if (promise.state == v1::Promise::STATE_OPEN) {
    const int64_t paid = std::clamp<int64_t>(promise.overdue_at_promise_minor - total_overdue_minor,
                                             0, promise.amount.minor_units());
    *proto.mutable_amount_paid() =
        arrears::ToProto(money::Money::FromMinor(paid, promise.amount.currency()));
  }
  return proto;
}

absl::StatusOr<PromiseToPay> CaseCodec::PromiseFromProto(const v1::Promise& proto,
                                                         absl::string_view field) {
  PromiseToPay promise;
  if (proto.promise_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".promise_id: required"));
  }
  promise.promise_id = proto.promise_id();
  ARREARS_ASSIGN_OR_RETURN(promise.amount,
                           MoneyFromProto(proto.amount(), absl::StrCat(field, ".amount")));
  ARREARS_ASSIGN_OR_RETURN(
      promise.promised_date,
      CivilDayFromProto(proto.promised_date(), absl::StrCat(field, ".promised_date")));
  ARREARS_ASSIGN_OR_RETURN(
      promise.grace_until,
      CivilDayFromProto(proto.grace_until(), absl::StrCat(field, ".grace_until")));
  promise.state =
      proto.state() == v1::Promise::STATE_UNSPECIFIED ? v1::Promise::STATE_OPEN : proto.state();
  promise.recorded_by = proto.recorded_by();
  promise.overdue_at_promise_minor = proto.overdue_at_promise().amount_minor();
  return promise;
}

v1::TreatmentRecord CaseCodec::TreatmentToProto(const Treatment& t, const CollectionCase& c) {
  v1::TreatmentRecord proto;
  proto.set_request_id(t.request_id);
  proto.set_channel(t.channel);
  v1::DecisionReason* reason = proto.mutable_reason();
  reason->set_strategy_id(c.strategy().strategy_id);
  reason->set_strategy_version(t.strategy_version);
  reason->set_variant(c.strategy().variant);
  reason->set_segment(t.segment);
  reason->set_step(t.step);
  *proto.mutable_request_time() = ToTimestamp(time::StartOfDay(t.requested_on, c.time_zone()));
  *proto.mutable_requested_on() = arrears::ToProto(t.requested_on);
  proto.set_step_index(t.step_index);
  proto.set_outcome(t.outcome);
  return proto;
}

v1::Assignment CaseCodec::AssignmentToProto(const CaseAssignment& a) {
  v1::Assignment proto;
  proto.set_collector_id(a.collector_id);
  proto.set_team_id(a.team_id);
  proto.set_queue_id(a.queue_id);
  proto.set_agency_id(a.agency_id);
  proto.set_assigned_by(a.assigned_by);
  SetTime(a.assign_time, proto.mutable_assign_time());
  return proto;
}

CaseAssignment CaseCodec::AssignmentFromProto(const v1::Assignment& proto) {
  return CaseAssignment{
      .collector_id = proto.collector_id(),
      .team_id = proto.team_id(),
      .queue_id = proto.queue_id(),
      .agency_id = proto.agency_id(),
      .assigned_by = proto.assigned_by(),
      .assign_time = TimeOrUnset(proto.assign_time(), proto.has_assign_time()),
  };
}

v1::Case CaseCodec::ToProto(const CaseRecord& r) {
  const CollectionCase& c = r.kase;
  const absl::TimeZone& zone = c.time_zone();
  v1::Case proto;
  proto.set_name(CaseName(c.case_id()));
  proto.set_case_id(c.case_id());
  proto.set_customer_id(c.customer_id());
  proto.set_state(c.closed() ? v1::Case::STATE_CLOSED : v1::Case::STATE_OPEN);
  SetTime(r.open_time, proto.mutable_open_time());
  if (c.closed()) SetTime(r.close_time, proto.mutable_close_time());
  proto.set_close_reason(c.close_reason());
  int best_ordinal = -1;
  for (const CaseLoan& loan : c.loans()) {
    v1::CaseLoan* out = proto.add_loans();
    out->set_loan_id(loan.loan_id);
    *out->mutable_snapshot() = LoanSnapshot(c, loan);
    out->set_delinquency_sequence(loan.sequence);
    if (loan.state == delinquency::v1::DELINQUENCY_STATE_DELINQUENT &&
        loan.bucket_ordinal > best_ordinal) {
      best_ordinal = loan.bucket_ordinal;
      proto.mutable_max_bucket()->set_ordinal(loan.bucket_ordinal);
      proto.mutable_max_bucket()->set_code(loan.bucket_code);
    }
  }
  for (const money::Money& total : c.total_overdue_by_currency()) {
    *proto.add_total_overdue() = arrears::ToProto(total);
  }
  proto.set_max_dpd(c.max_dpd());
  proto.set_contactability(c.contactability());
  proto.set_broken_promise_count(c.broken_promise_count());
  if (c.open_promise()) {
    *proto.mutable_open_promise() =
        PromiseToProto(*c.open_promise(), c.total_overdue().minor_units());
  }
  proto.set_hardship(c.hardship());
  if (!r.plans.empty()) *proto.mutable_hardship_plan() = r.plans.back();
  for (const Hold& hold : c.holds()) *proto.add_holds() = HoldToProto(hold, zone);
  *proto.mutable_assignment() = AssignmentToProto(c.assignment());
  const StrategyPosition& position = c.strategy();
  v1::StrategyAssignment* strategy = proto.mutable_strategy();
  strategy->set_strategy_id(position.strategy_id);
  strategy->set_strategy_version(position.version);
  strategy->set_variant(position.variant);
  strategy->set_segment(position.segment);
  if (!position.segment.empty()) {
    *strategy->mutable_segment_entered_on() = arrears::ToProto(position.segment_entered_on);
    *strategy->mutable_segment_enter_time() =
        ToTimestamp(time::StartOfDay(position.segment_entered_on, zone));
  }
  if (const Treatment* last = c.LastTreatment();
      last != nullptr && last->segment == position.segment) {
    strategy->set_step(last->step);
    strategy->set_step_strategy_version(last->strategy_version);
  }
  if (r.next_decision_date) {
    *strategy->mutable_next_decision_date() = arrears::ToProto(*r.next_decision_date);
    *strategy->mutable_next_step_time() =
        ToTimestamp(time::StartOfDay(*r.next_decision_date, zone));
  }
  if (r.score) {
    v1::RiskScore* score = proto.mutable_risk_score();
    score->set_scorecard(r.score->scorecard);
    score->set_self_cure_probability_ppm(r.score->self_cure_ppm);
    *score->mutable_expected_recovery() =
        arrears::ToProto(money::Money::FromMinor(r.score->expected_recovery_minor, c.currency()));
    SetTime(r.score->score_time, score->mutable_score_time());
  }
  proto.set_priority(r.priority);
  for (const Treatment& t : c.treatments()) *proto.add_treatment_history() = TreatmentToProto(t, c);
  proto.set_contact_attempt_count(c.contact_attempt_count());
  proto.set_prior_complaint_count(c.prior_complaint_count());
  if (r.agency_placement) *proto.mutable_agency_placement() = *r.agency_placement;
  if (r.legal_referral) *proto.mutable_legal_referral() = *r.legal_referral;
  for (const v1::FieldVisitOrder& visit : r.pending_field_visits) {
    *proto.add_pending_field_visits() = visit;
  }
  SetTime(r.update_time, proto.mutable_update_time());
  proto.set_version(r.version);
  proto.set_refusing(c.refusing());
  for (const PromiseToPay& p : c.resolved_promises()) {
    *proto.add_resolved_promises() = PromiseToProto(p, c.total_overdue().minor_units());
  }
  for (const Hold& hold : c.lifted_holds()) *proto.add_lifted_holds() = HoldToProto(hold, zone);
  *proto.mutable_business_date() = arrears::ToProto(c.business_date());
  proto.set_time_zone(std::string(zone.name()));
  proto.set_currency_code(std::string(c.currency().code()));
  *proto.mutable_opened_on() = arrears::ToProto(c.opened_on());
  if (c.closed_on()) *proto.mutable_closed_on() = arrears::ToProto(*c.closed_on());
  *proto.mutable_amount_recovered() = arrears::ToProto(c.amount_recovered());
  for (const v1::RepaymentPlan& plan : r.plans) *proto.add_plans() = plan;
  proto.set_field_visit_count(r.field_visit_count);
  proto.set_case_ordinal(r.ordinal);
  return proto;
}

absl::StatusOr<CaseRecord> CaseCodec::FromProto(const v1::Case& proto, const CasePolicy& policy) {
  CollectionCase c;
  if (proto.case_id().empty()) return absl::InvalidArgumentError("case_id: required");
  if (proto.customer_id().empty()) return absl::InvalidArgumentError("customer_id: required");
  if (proto.loans().empty()) return absl::InvalidArgumentError("loans: at least one required");
  c.case_id_ = proto.case_id();
  c.customer_id_ = proto.customer_id();
  c.policy_ = policy;
  c.closed_ = proto.state() == v1::Case::STATE_CLOSED;
  c.close_reason_ = proto.close_reason();

  const delinquency::v1::DelinquencySnapshot& first = proto.loans(0).snapshot();
  const std::string currency_code =
      proto.currency_code().empty() ? first.currency_code() : proto.currency_code();
  ARREARS_ASSIGN_OR_RETURN(c.currency_,
                           WithField(money::Currency::FromCode(currency_code), "currency_code"));
  c.time_zone_name_ = proto.time_zone().empty() ? first.time_zone() : proto.time_zone();
  ARREARS_ASSIGN_OR_RETURN(c.time_zone_,
                           WithField(time::LoadTimeZone(c.time_zone_name_), "time_zone"));

  std::optional<absl::CivilDay> latest_snapshot;
  for (int i = 0; i < proto.loans_size(); ++i) {
    const v1::CaseLoan& in = proto.loans(i);
    const std::string field = absl::StrCat("loans[", i, "]");
    const delinquency::v1::DelinquencySnapshot& s = in.snapshot();
    CaseLoan loan;
    loan.loan_id = in.loan_id().empty() ? s.loan_id() : in.loan_id();
    if (loan.loan_id.empty())
      return absl::InvalidArgumentError(absl::StrCat(field, ".loan_id: required"));
    loan.currency = c.currency_;
    if (!s.currency_code().empty()) {
      ARREARS_ASSIGN_OR_RETURN(loan.currency,
                               WithField(money::Currency::FromCode(s.currency_code()),
                                         absl::StrCat(field, ".snapshot.currency_code")));
    }
    loan.time_zone = s.time_zone().empty() ? c.time_zone_name_ : s.time_zone();
    loan.product_code = s.product_code();
    loan.state = s.state();
    loan.dpd = s.dpd();
    loan.bucket_ordinal = s.bucket().ordinal();
    loan.bucket_code = s.bucket().code();
    ARREARS_ASSIGN_OR_RETURN(
        money::Money overdue,
        NonNegativeMoneyFromProto(s.total_overdue(),
                                  absl::StrCat(field, ".snapshot.total_overdue")));
    loan.total_overdue_minor = overdue.minor_units();
    loan.sequence = in.delinquency_sequence();
    ARREARS_ASSIGN_OR_RETURN(
        loan.snapshot_date,
        CivilDayFromProto(s.business_date(), absl::StrCat(field, ".snapshot.business_date")));
    if (!latest_snapshot || loan.snapshot_date > *latest_snapshot)
      latest_snapshot = loan.snapshot_date;
    c.loans_.push_back(std::move(loan));
  }
  // Cases stored before loans were kept sorted.
  std::sort(c.loans_.begin(), c.loans_.end(),
            [](const CaseLoan& a, const CaseLoan& b) { return a.loan_id < b.loan_id; });
  ARREARS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> business_date,
                           OptionalDay(proto.business_date(), "business_date"));
  c.business_date_ = business_date.value_or(*latest_snapshot);
  ARREARS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> opened_on,
                           OptionalDay(proto.opened_on(), "opened_on"));
  c.opened_on_ = opened_on.value_or(c.business_date_);
  ARREARS_ASSIGN_OR_RETURN(c.closed_on_, OptionalDay(proto.closed_on(), "closed_on"));

  c.contactability_ = proto.contactability() == v1::CONTACTABILITY_UNSPECIFIED
                          ? v1::CONTACTABILITY_UNKNOWN
                          : proto.contactability();
  c.refusing_ = proto.refusing();
  c.broken_promise_count_ = proto.broken_promise_count();
  if (proto.has_open_promise()) {
    ARREARS_ASSIGN_OR_RETURN(c.open_promise_,
                             PromiseFromProto(proto.open_promise(), "open_promise"));
  }
  for (int i = 0; i < proto.resolved_promises_size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(
        PromiseToPay p,
        PromiseFromProto(proto.resolved_promises(i), absl::StrCat("resolved_promises[", i, "]")));
    c.resolved_promises_.push_back(std::move(p));
  }
  c.hardship_ = proto.hardship();
  for (int i = 0; i < proto.holds_size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(
        Hold hold, HoldFromProto(proto.holds(i), c.time_zone_, absl::StrCat("holds[", i, "]")));
    c.holds_.push_back(std::move(hold));
  }
  for (int i = 0; i < proto.lifted_holds_size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(Hold hold, HoldFromProto(proto.lifted_holds(i), c.time_zone_,
                                                      absl::StrCat("lifted_holds[", i, "]")));
    c.lifted_holds_.push_back(std::move(hold));
  }
  c.prior_complaint_count_ = proto.prior_complaint_count();
  if (proto.has_risk_score()) {
    c.self_cure_permille_ = (proto.risk_score().self_cure_probability_ppm() + 500) / 1000;
  }
  c.assignment_ = AssignmentFromProto(proto.assignment());
  const v1::StrategyAssignment& strategy = proto.strategy();
  c.strategy_.strategy_id = strategy.strategy_id();
  c.strategy_.version = strategy.strategy_version();
  c.strategy_.variant = strategy.variant();
  c.strategy_.segment = strategy.segment();
  if (!strategy.segment().empty()) {
    if (DateSet(strategy.segment_entered_on())) {
      ARREARS_ASSIGN_OR_RETURN(
          c.strategy_.segment_entered_on,
          CivilDayFromProto(strategy.segment_entered_on(), "strategy.segment_entered_on"));
    } else if (strategy.has_segment_enter_time()) {
      c.strategy_.segment_entered_on =
          time::LocalDate(FromTimestamp(strategy.segment_enter_time()), c.time_zone_);
    } else {
      c.strategy_.segment_entered_on = c.business_date_;
    }
  }
  for (int i = 0; i < proto.treatment_history_size(); ++i) {
    const v1::TreatmentRecord& in = proto.treatment_history(i);
    Treatment t;
    t.request_id = in.request_id();
    t.segment = in.reason().segment();
    t.step = in.reason().step();
    t.step_index = in.step_index();
    t.strategy_version = in.reason().strategy_version();
    t.channel = in.channel();
    if (DateSet(in.requested_on())) {
      ARREARS_ASSIGN_OR_RETURN(
          t.requested_on, CivilDayFromProto(in.requested_on(), absl::StrCat("treatment_history[", i,
                                                                            "].requested_on")));
    } else {
      t.requested_on = time::LocalDate(FromTimestamp(in.request_time()), c.time_zone_);
    }
    t.outcome = in.outcome();
    c.treatments_.push_back(std::move(t));
  }
  c.contact_attempt_count_ = proto.contact_attempt_count();
  c.recovered_minor_ = proto.amount_recovered().amount_minor();
  c.RecomputeAggregates();

  CaseRecord record(std::move(c));
  record.plans.assign(proto.plans().begin(), proto.plans().end());
  if (record.plans.empty() && proto.has_hardship_plan())
    record.plans.push_back(proto.hardship_plan());
  if (proto.has_agency_placement()) record.agency_placement = proto.agency_placement();
  if (proto.has_legal_referral()) record.legal_referral = proto.legal_referral();
  record.pending_field_visits.assign(proto.pending_field_visits().begin(),
                                     proto.pending_field_visits().end());
  record.field_visit_count = proto.field_visit_count();
  record.ordinal = proto.case_ordinal();
  ARREARS_ASSIGN_OR_RETURN(
      record.next_decision_date,
      OptionalDay(proto.strategy().next_decision_date(), "strategy.next_decision_date"));
  if (proto.has_risk_score()) {
    record.score = CaseScore{
        .scorecard = proto.risk_score().scorecard(),
        .self_cure_ppm = proto.risk_score().self_cure_probability_ppm(),
        .expected_recovery_minor = proto.risk_score().expected_recovery().amount_minor(),
        .score_time =
            TimeOrUnset(proto.risk_score().score_time(), proto.risk_score().has_score_time()),
    };
  }
  record.priority = proto.priority();
  record.version = proto.version();
  record.open_time = TimeOrUnset(proto.open_time(), proto.has_open_time());
  record.update_time = TimeOrUnset(proto.update_time(), proto.has_update_time());
  record.close_time = TimeOrUnset(proto.close_time(), proto.has_close_time());
  return record;
}

// CaseRecord helpers live here: they are part of the record's value API.
const v1::RepaymentPlan* CaseRecord::FindPlan(absl::string_view plan_id) const {
  for (const v1::RepaymentPlan& plan : plans) {
    if (plan.plan_id() == plan_id) return &plan;
  }
  return nullptr;
}

v1::RepaymentPlan* CaseRecord::FindPlan(absl::string_view plan_id) {
  for (v1::RepaymentPlan& plan : plans) {
    if (plan.plan_id() == plan_id) return &plan;
  }
  return nullptr;
}

const v1::AgencyPlacement* CaseRecord::ActivePlacement() const {
  return agency_placement && !agency_placement->has_recall_time() ? &*agency_placement : nullptr;
}

}  // namespace arrears::strategy
