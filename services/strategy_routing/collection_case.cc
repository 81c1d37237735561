#include "services/strategy_routing/collection_case.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"

namespace arrears::strategy {
namespace {

using delinquency::v1::DelinquencyEvent;
using delinquency::v1::DelinquencyState;

bool IsDelinquent(DelinquencyState state) {
  return state == delinquency::v1::DELINQUENCY_STATE_DELINQUENT;
}

// Outcomes that show someone at a contact point of the debtor talked to us.
bool ShowsReachable(const contact::v1::ContactEvent& event) {
  switch (event.outcome()) {
    case contact::v1::CONTACT_OUTCOME_ANSWERED:
    case contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY:
    case contact::v1::CONTACT_OUTCOME_REFUSED:
    case contact::v1::CONTACT_OUTCOME_DISPUTE:
    case contact::v1::CONTACT_OUTCOME_COMPLAINT:
    case contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED:
    case contact::v1::CONTACT_OUTCOME_CALLBACK_REQUESTED:
    case contact::v1::CONTACT_OUTCOME_CLAIMS_PAID:
      return event.counterparty() != common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY;
    default:
      return event.conversation();
  }
}

}  // namespace

absl::StatusOr<CollectionCase> CollectionCase::Open(std::string case_id,
                                                    const DelinquencyEvent& event,
                                                    CasePolicy policy) {
  if (case_id.empty()) return absl::InvalidArgumentError("case_id: must not be empty");
  if (!IsDelinquent(event.snapshot().state())) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot.state: loan ", event.loan_id(), " is not delinquent"));
  }
  CollectionCase c;
  c.case_id_ = std::move(case_id);
  c.customer_id_ = event.customer_id();
  c.policy_ = policy;
  ARREARS_ASSIGN_OR_RETURN(c.currency_,
                           money::Currency::FromCode(event.snapshot().currency_code()));
  c.time_zone_name_ = event.snapshot().time_zone();
  ARREARS_ASSIGN_OR_RETURN(c.time_zone_, time::LoadTimeZone(c.time_zone_name_));
  ARREARS_ASSIGN_OR_RETURN(
      c.opened_on_, CivilDayFromProto(event.snapshot().business_date(), "snapshot.business_date"));
  c.business_date_ = c.opened_on_;
  ARREARS_RETURN_IF_ERROR(c.ApplySnapshot(event));
  c.RecomputeAggregates();
  return c;
}

absl::Status CollectionCase::OnDelinquency(const DelinquencyEvent& event, bool may_close) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("case ", case_id_, " is closed"));
  if (event.kind() == delinquency::v1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON) {
    return absl::OkStatus();
  }
  if (event.customer_id() != customer_id_) {
    return absl::InvalidArgumentError(absl::StrCat("customer_id: event for ", event.customer_id(),
                                                   " applied to case of ", customer_id_));
  }
  ARREARS_RETURN_IF_ERROR(ApplySnapshot(event));
  RecomputeAggregates();
  JudgePromiseOnRepayment();
  if (may_close) CloseIfDone();
  return absl::OkStatus();
}

absl::Status CollectionCase::ApplySnapshot(const DelinquencyEvent& event) {
  const delinquency::v1::DelinquencySnapshot& snapshot = event.snapshot();
  auto it = std::find_if(loans_.begin(), loans_.end(),
                         [&](const CaseLoan& loan) { return loan.loan_id == event.loan_id(); });
  if (it != loans_.end() && event.loan_sequence() <= it->sequence) return absl::OkStatus();
  const absl::StatusOr<money::Currency> parsed_currency =
      money::Currency::FromCode(snapshot.currency_code());
  ARREARS_RETURN_IF_ERROR(Annotate(parsed_currency.status(), "snapshot.currency_code"));
  const money::Currency currency = *parsed_currency;
  ARREARS_RETURN_IF_ERROR(
      Annotate(time::LoadTimeZone(snapshot.time_zone()).status(), "snapshot.time_zone"));
  ARREARS_ASSIGN_OR_RETURN(
      money::Money overdue,
      NonNegativeMoneyFromProto(snapshot.total_overdue(), "snapshot.total_overdue"));
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay business_date,
                           CivilDayFromProto(snapshot.business_date(), "snapshot.business_date"));
  if (it == loans_.end()) {
    // Loans stay sorted by id: the order the loans' events arrived in (any
    // interleaving of the loan-keyed topic) must not show in requests.
    it = loans_.insert(std::lower_bound(loans_.begin(), loans_.end(), event.loan_id(),
                                        [](const CaseLoan& loan, const std::string& id) {
                                          return loan.loan_id < id;
                                        }),
                       CaseLoan{.loan_id = event.loan_id()});
  } else if (overdue.minor_units() < it->total_overdue_minor && it->currency == currency_ &&
             currency == currency_ &&
             (event.kind() == delinquency::v1::DELINQUENCY_EVENT_KIND_CHANGED ||
              event.kind() == delinquency::v1::DELINQUENCY_EVENT_KIND_CURED)) {
    recovered_minor_ += it->total_overdue_minor - overdue.minor_units();
  }
  it->product_code = snapshot.product_code();
  it->state = snapshot.state();
  it->dpd = snapshot.dpd();
  it->bucket_ordinal = snapshot.bucket().ordinal();
  it->bucket_code = snapshot.bucket().code();
  it->total_overdue_minor = overdue.minor_units();
  it->sequence = event.loan_sequence();
  it->snapshot_date = business_date;
  it->currency = currency;
  it->time_zone = snapshot.time_zone();
  business_date_ = std::max(business_date_, business_date);
  return ChoosePrimaryLoan();
}

absl::Status CollectionCase::ChoosePrimaryLoan() {
  if (!strategy_.strategy_id.empty() || loans_.empty()) return absl::OkStatus();
  const CaseLoan& primary = loans_.front();  // sorted by id
  if (primary.time_zone != time_zone_name_) {
    ARREARS_ASSIGN_OR_RETURN(time_zone_, time::LoadTimeZone(primary.time_zone));
    time_zone_name_ = primary.time_zone;
  }
  currency_ = primary.currency;
  return absl::OkStatus();
}

std::vector<money::Money> CollectionCase::total_overdue_by_currency() const {
  std::map<std::string, money::Money> totals;
  totals.emplace(std::string(currency_.code()), money::Money::Zero(currency_));
  for (const CaseLoan& loan : loans_) {
    if (!IsDelinquent(loan.state)) continue;
    auto [it, inserted] =
        totals.emplace(std::string(loan.currency.code()), money::Money::Zero(loan.currency));
    it->second =
        money::Money::FromMinor(it->second.minor_units() + loan.total_overdue_minor, loan.currency);
  }
  std::vector<money::Money> out;
  for (const auto& [code, total] : totals) out.push_back(total);
  return out;
}

void CollectionCase::RecomputeAggregates() {
  total_overdue_minor_ = 0;
  max_dpd_ = 0;
  max_bucket_ordinal_ = 0;
  for (const CaseLoan& loan : loans_) {
    if (!IsDelinquent(loan.state)) continue;
    if (loan.currency == currency_) total_overdue_minor_ += loan.total_overdue_minor;
    const int64_t days_since = time::DaysBetween(loan.snapshot_date, business_date_);
    max_dpd_ = std::max(max_dpd_, loan.dpd + static_cast<int>(std::max<int64_t>(0, days_since)));
    max_bucket_ordinal_ = std::max(max_bucket_ordinal_, loan.bucket_ordinal);
  }
}

void CollectionCase::JudgePromiseOnRepayment() {
  if (!open_promise_) return;
  const int64_t repaid = open_promise_->overdue_at_promise_minor - total_overdue_minor_;
  if (!AnyDelinquent() || repaid >= open_promise_->amount.minor_units()) {
    ResolvePromise(v1::Promise::STATE_KEPT);
  }
}

bool CollectionCase::AnyDelinquent() const {
  return std::any_of(loans_.begin(), loans_.end(),
                     [](const CaseLoan& loan) { return IsDelinquent(loan.state); });
}

bool CollectionCase::AdvanceBusinessDate(absl::CivilDay day) {
  if (closed_ || day <= business_date_) return false;
  business_date_ = day;
  RecomputeAggregates();
  return true;
}

std::optional<PromiseToPay> CollectionCase::CancelOpenPromise() {
  if (!open_promise_) return std::nullopt;
  ResolvePromise(v1::Promise::STATE_CANCELLED);
  return resolved_promises_.back();
}

bool CollectionCase::EvaluatePromise(absl::CivilDay business_date) {
  if (!open_promise_ || business_date <= open_promise_->grace_until) return false;
  ResolvePromise(v1::Promise::STATE_BROKEN);
  ++broken_promise_count_;
  return true;
}

void CollectionCase::ResolvePromise(v1::Promise::State state) {
  open_promise_->state = state;
  resolved_promises_.push_back(std::move(*open_promise_));
  open_promise_.reset();
}

bool CollectionCase::CloseIfDone() {
  if (closed_) return false;
  bool charged_off = false;
  for (const CaseLoan& loan : loans_) {
    if (IsDelinquent(loan.state)) return false;
    charged_off |= loan.state == delinquency::v1::DELINQUENCY_STATE_CHARGED_OFF;
  }
  closed_ = true;
  closed_on_ = business_date_;
  close_reason_ = charged_off ? "CHARGED_OFF_HANDED_OVER" : "ALL_CURED";
  if (open_promise_) ResolvePromise(v1::Promise::STATE_CANCELLED);
  return true;
}

absl::Status CollectionCase::OnContactOutcome(const contact::v1::ContactEvent& event) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("case ", case_id_, " is closed"));
  if (event.customer_id() != customer_id_) {
    return absl::InvalidArgumentError(absl::StrCat("customer_id: event for ", event.customer_id(),
                                                   " applied to case of ", customer_id_));
  }
  const absl::CivilDay day = time::LocalDate(FromTimestamp(event.occurred_at()), time_zone_);
  const contact::v1::ContactOutcome outcome = event.outcome();
  if (!event.request_id().empty()) {
    for (Treatment& treatment : treatments_) {
      if (treatment.request_id != event.request_id()) continue;
      if (treatment.outcome == contact::v1::CONTACT_OUTCOME_UNSPECIFIED) ++contact_attempt_count_;
      treatment.outcome = outcome;
    }
  }
  if (ShowsReachable(event)) {
    contactability_ = v1::CONTACTABILITY_REACHABLE;
  } else if (outcome == contact::v1::CONTACT_OUTCOME_LOST_CONTACT ||
             (outcome == contact::v1::CONTACT_OUTCOME_NOT_FOUND &&
              contactability_ != v1::CONTACTABILITY_REACHABLE)) {
    contactability_ = v1::CONTACTABILITY_LOST_CONTACT;
  }
  const std::string derived_id =
      ids::DeriveId(case_id_, absl::StrCat("outcome/", event.attempt_id(), "/", outcome));
  switch (outcome) {
    case contact::v1::CONTACT_OUTCOME_REFUSED:
      refusing_ = true;
      break;
    case contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY: {
      refusing_ = false;
      ARREARS_ASSIGN_OR_RETURN(money::Money amount, MoneyFromProto(event.promise_to_pay().amount(),
                                                                   "promise_to_pay.amount"));
      ARREARS_ASSIGN_OR_RETURN(absl::CivilDay date,
                               CivilDayFromProto(event.promise_to_pay().promised_date(),
                                                 "promise_to_pay.promised_date"));
      return RecordPromise(derived_id, amount, date, "contact-events");
    }
    case contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED:
      hardship_ = true;
      refusing_ = false;
      break;
    case contact::v1::CONTACT_OUTCOME_DISPUTE:
    case contact::v1::CONTACT_OUTCOME_COMPLAINT: {
      const bool dispute = outcome == contact::v1::CONTACT_OUTCOME_DISPUTE;
      if (!dispute) ++prior_complaint_count_;
      absl::Status placed = PlaceHold(Hold{
          .hold_id = derived_id,
          .type = dispute ? v1::HOLD_TYPE_DISPUTE : v1::HOLD_TYPE_COMPLAINT,
          .set_by = "contact-events",
          .reason = event.outcome_reason(),
          .start = day,
      });
      // A replayed outcome derives the same hold id: already placed is fine.
      if (!placed.ok() && !absl::IsAlreadyExists(placed)) return placed;
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status CollectionCase::RecordPromise(std::string promise_id, money::Money amount,
                                           absl::CivilDay promised_date, std::string recorded_by) {
  if (amount.currency() != currency_) {
    return absl::InvalidArgumentError(absl::StrCat("amount: promise in ", amount.currency().code(),
                                                   ", case in ", currency_.code()));
  }
  if (!amount.IsPositive()) return absl::InvalidArgumentError("amount: must be > 0");
  if (open_promise_ && open_promise_->promise_id == promise_id) return absl::OkStatus();
  for (const PromiseToPay& resolved : resolved_promises_) {
    if (resolved.promise_id == promise_id) return absl::OkStatus();  // replay
  }
  if (open_promise_) ResolvePromise(v1::Promise::STATE_CANCELLED);
  open_promise_ = PromiseToPay{
      .promise_id = std::move(promise_id),
      .amount = amount,
      .promised_date = promised_date,
      .grace_until = promised_date + policy_.promise_grace_days,
      .overdue_at_promise_minor = total_overdue_minor_,
      .state = v1::Promise::STATE_OPEN,
      .recorded_by = std::move(recorded_by),
  };
  return absl::OkStatus();
}

absl::Status CollectionCase::PlaceHold(Hold hold) {
  if (hold.hold_id.empty()) return absl::InvalidArgumentError("hold_id: must not be empty");
  if (hold.type == v1::HOLD_TYPE_UNSPECIFIED) return absl::InvalidArgumentError("type: required");
  auto same_id = [&](const Hold& h) { return h.hold_id == hold.hold_id; };
  if (std::any_of(holds_.begin(), holds_.end(), same_id) ||
      std::any_of(lifted_holds_.begin(), lifted_holds_.end(), same_id)) {
    return absl::AlreadyExistsError(absl::StrCat("hold_id: ", hold.hold_id, " exists"));
  }
  holds_.push_back(std::move(hold));
  return absl::OkStatus();
}

absl::Status CollectionCase::LiftHold(absl::string_view hold_id, absl::string_view lifted_by) {
  auto it = std::find_if(holds_.begin(), holds_.end(),
                         [&](const Hold& h) { return h.hold_id == hold_id; });
  if (it == holds_.end())
    return absl::NotFoundError(absl::StrCat("hold_id: ", hold_id, " not active"));
  it->lifted_by = std::string(lifted_by);
  it->lifted_on = business_date_;
  lifted_holds_.push_back(std::move(*it));
  holds_.erase(it);
  return absl::OkStatus();
}

void CollectionCase::SetStrategy(std::string strategy_id, int64_t version, std::string variant) {
  strategy_.strategy_id = std::move(strategy_id);
  strategy_.version = version;
  strategy_.variant = std::move(variant);
}

void CollectionCase::EnterSegment(std::string segment, absl::CivilDay on) {
  if (segment == strategy_.segment) return;
  strategy_.segment = std::move(segment);
  strategy_.segment_entered_on = on;
}

void CollectionCase::RecordTreatment(Treatment treatment) {
  for (const Treatment& existing : treatments_) {
    if (existing.request_id == treatment.request_id) return;
  }
  treatments_.push_back(std::move(treatment));
}

const Hold* CollectionCase::FindHold(absl::string_view hold_id) const {
  for (const Hold& hold : holds_) {
    if (hold.hold_id == hold_id) return &hold;
  }
  return nullptr;
}

bool CollectionCase::HasActiveHold(absl::CivilDay day) const {
  return std::any_of(holds_.begin(), holds_.end(), [&](const Hold& h) { return h.ActiveOn(day); });
}

bool CollectionCase::PromisePending(absl::CivilDay day) const {
  return open_promise_ && day <= open_promise_->grace_until;
}

const Treatment* CollectionCase::LastTreatment() const {
  return treatments_.empty() ? nullptr : &treatments_.back();
}

bool CollectionCase::StepEmitted(absl::string_view segment, absl::string_view step) const {
  return std::any_of(treatments_.begin(), treatments_.end(),
                     [&](const Treatment& t) { return t.segment == segment && t.step == step; });
}

}  // namespace arrears::strategy
