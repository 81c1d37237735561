#include "tools/simulator/debtor_responder.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "tools/simulator/entity_random.h"
#include "tools/simulator/hardship_plan.h"

namespace arrears::simulator {
namespace {

using ::arrears::contact::v1::ContactOutcome;

// FNV-1a, for per-event random streams keyed by a string id.
uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

bool InTrouble(const Customer& customer, absl::CivilDay today, absl::CivilDay start) {
  return StopsPaying(customer.behaviour) && today >= start + customer.onset_day;
}

}  // namespace

DebtorResponder::DebtorResponder(LoanBook* book)
    : book_(book),
      contact_topic_(topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name()),
      case_topic_(topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name()),
      plan_topic_(topics::Spec(topics::v1::TOPIC_PLAN_EVENTS).name()) {}

std::vector<ServiceAction> DebtorResponder::React(const events::Event& event, absl::Time now) {
  if (event.topic == contact_topic_) return OnContactEvent(event, now);
  if (event.topic == case_topic_) return OnCaseEvent(event);
  if (event.topic == plan_topic_) OnPlanEvent(event, now);
  return {};
}

void DebtorResponder::NoteFailure(const std::string& failure) {
  if (stats_.failure_samples.size() < 5) stats_.failure_samples.push_back(failure);
}

std::vector<ServiceAction> DebtorResponder::OnContactEvent(const events::Event& event,
                                                           absl::Time now) {
  contact::v1::ContactEvent contact;
  if (!contact.ParseFromString(event.payload)) {
    ++stats_.unreadable;
    return {};
  }
  const bool debtor = contact.counterparty() == common::v1::COUNTERPARTY_DEBTOR ||
                      contact.counterparty() == common::v1::COUNTERPARTY_UNSPECIFIED;
  if (!debtor || contact.attempt_id().empty()) return {};
  if (contact.outcome() == contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED) {
    return OnHardshipDeclared(contact, now);
  }
  if (contact.channel() != common::v1::CHANNEL_VOICE_CALL ||
      contact.outcome() != contact::v1::CONTACT_OUTCOME_ANSWERED ||
      contact.direction() == contact::v1::CONTACT_DIRECTION_INBOUND) {
    return {};
  }
  return OnAnswered(contact, now);
}

std::vector<ServiceAction> DebtorResponder::OnAnswered(const contact::v1::ContactEvent& contact,
                                                       absl::Time now) {
  const Customer* customer = book_->FindCustomer(contact.customer_id());
  if (customer == nullptr) return {};
  if (!answered_attempts_.insert(contact.attempt_id()).second) return {};

  const absl::CivilDay today = time::LocalDate(now, book_->zone());
  EntityRandom random(book_->options().seed, "conversation", Fingerprint(contact.attempt_id()));
  contact::v1::RecordOutcomeRequest request;
  request.set_attempt_id(contact.attempt_id());
  request.set_customer_id(contact.customer_id());
  request.set_channel(common::v1::CHANNEL_VOICE_CALL);
  request.set_direction(contact::v1::CONTACT_DIRECTION_OUTBOUND);
  request.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  request.set_connected(true);
  request.set_conversation(true);
  *request.mutable_occurred_at() = ToTimestamp(now);
  request.mutable_duration()->set_seconds(random.Uniform(45, 420));
  request.add_staff_ids(absl::StrCat("collector-", random.Uniform(1, 40)));
  request.set_request_id(absl::StrCat("sim-outcome-", contact.attempt_id()));

  if (InTrouble(*customer, today, book_->options().start)) {
    switch (customer->behaviour) {
      case Behaviour::kHardship: {
        static constexpr const char* kReasons[] = {"UNEMPLOYMENT", "ILLNESS", "BUSINESS_FAILURE"};
        request.set_outcome(contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED);
        request.set_outcome_reason(kReasons[random.Uniform(0, 2)]);
        break;
      }
      case Behaviour::kLostContact:
        // The number now belongs to someone else.
        request.set_outcome(contact::v1::CONTACT_OUTCOME_WRONG_PARTY);
        request.set_outcome_reason("NUMBER_REASSIGNED");
        request.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
        request.set_conversation(false);
        break;
      default:
        request.set_outcome(contact::v1::CONTACT_OUTCOME_REFUSED);
        request.set_outcome_reason("UNWILLING_TO_PAY");
        break;
    }
  } else {
    // The debtor means to pay: promise what is owed, on the day they will
    // pay (a week out when they have no plan to pay soon).
    std::vector<const LoanAccount*> loans = book_->LoansOf(contact.customer_id());
    int64_t owed = 0;
    std::optional<absl::Time> next_payment;
    std::string currency = "CNY";
    for (const LoanAccount* loan : loans) {
      const bool concerned = contact.loan_ids().empty() ||
                             std::find(contact.loan_ids().begin(), contact.loan_ids().end(),
                                       loan->loan().loan_id) != contact.loan_ids().end();
      if (!concerned) continue;
      const int64_t loan_owed = loan->OverdueEstimate(now);
      if (loan_owed == 0) continue;
      owed += loan_owed;
      currency = loan->loan().product->currency;
      request.add_loan_ids(loan->loan().loan_id);
      std::optional<absl::Time> paying = loan->NextRepaymentAfter(now);
      if (paying && (!next_payment || *paying < *next_payment)) next_payment = paying;
    }
    if (owed == 0) {
      request.set_outcome(contact::v1::CONTACT_OUTCOME_CLAIMS_PAID);
    } else {
      absl::CivilDay promised = today + 7;
      if (next_payment && *next_payment <= now + absl::Hours(24 * 30)) {
        promised = std::max(today, time::LocalDate(*next_payment, book_->zone()));
      }
      request.set_outcome(contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
      contact::v1::PromiseToPay& promise = *request.mutable_promise_to_pay();
      promise.mutable_amount()->set_amount_minor(owed);
      promise.mutable_amount()->set_currency_code(currency);
      *promise.mutable_promised_date() = ToProto(promised);
      *promise.mutable_loan_ids() = request.loan_ids();
    }
  }
  ++stats_.outcomes[ContactOutcome_Name(request.outcome())];
  return {ServiceAction{std::move(request)}};
}

std::vector<ServiceAction> DebtorResponder::OnHardshipDeclared(
    const contact::v1::ContactEvent& contact, absl::Time now) {
  if (book_->FindCustomer(contact.customer_id()) == nullptr) return {};
  if (!hardship_attempts_.insert(contact.attempt_id()).second) return {};
  auto skip = [&](const char* reason) {
    ++stats_.proposals_skipped[reason];
    return std::vector<ServiceAction>();
  };
  auto found = latest_cases_.find(contact.customer_id());
  if (found == latest_cases_.end() || !found->second.open) return skip("no open case");
  const CaseView& view = found->second;
  if (view.plan_agreed) return skip("plan agreed");
  Offers& offers = offers_[view.case_id];
  // An offer can be accepted up to and including its expiry instant.
  if (view.proposed_until >= now || offers.standing_until >= now) return skip("plan pending");
  if (offers.count >= kMaxOffersPerCase) return skip("offers exhausted");

  EntityRandom random(book_->options().seed, "hardship-plan",
                      Fingerprint(absl::StrCat(view.case_id, "/", offers.count + 1)));
  strategy::v1::ProposePlanRequest request;
  request.set_name(absl::StrCat("cases/", view.case_id));
  request.set_request_id(absl::StrCat("sim-plan-", contact.attempt_id()));
  strategy::v1::RepaymentPlan& plan = *request.mutable_plan();
  for (const std::string& loan_id : view.delinquent_loans) {
    const LoanAccount* loan = book_->FindLoan(loan_id);
    if (loan == nullptr) continue;
    std::optional<strategy::v1::LoanPlanTerms> terms =
        DraftHardshipTerms(*loan, now, book_->zone(), random);
    if (terms) *plan.add_loan_terms() = *std::move(terms);
  }
  if (plan.loan_terms().empty()) return skip("nothing overdue");
  plan.set_hardship_reason(contact.outcome_reason().empty() ? "UNSPECIFIED"
                                                            : contact.outcome_reason());
  plan.set_proposed_by(contact.staff_ids().empty() ? "collector-workbench" : contact.staff_ids(0));
  const absl::Time expires = now + kOfferValidity;
  *plan.mutable_expire_time() = ToTimestamp(expires);
  ++offers.count;
  offers.standing_until = expires;
  ++stats_.plans_proposed;
  return {ServiceAction{std::move(request)}};
}

void DebtorResponder::NoteCase(const strategy::v1::CaseEvent& case_event) {
  const strategy::v1::Case& snapshot = case_event.case_snapshot();
  const std::string& case_id =
      snapshot.case_id().empty() ? case_event.case_id() : snapshot.case_id();
  const std::string& customer_id =
      snapshot.customer_id().empty() ? case_event.customer_id() : snapshot.customer_id();
  if (case_id.empty() || customer_id.empty() || !case_event.has_case_snapshot()) return;
  const int64_t version = std::max(case_event.case_version(), snapshot.version());
  auto [it, inserted] = latest_cases_.try_emplace(customer_id);
  CaseView& view = it->second;
  // The customer's latest case: a later case (higher ordinal) replaces an
  // earlier one, a later version of the same case replaces an older one.
  if (!inserted && std::make_pair(snapshot.case_ordinal(), version) <=
                       std::make_pair(view.ordinal, view.version)) {
    return;
  }
  view = CaseView();
  view.case_id = case_id;
  view.ordinal = snapshot.case_ordinal();
  view.version = version;
  view.open = snapshot.state() == strategy::v1::Case::STATE_OPEN;
  for (const strategy::v1::CaseLoan& loan : snapshot.loans()) {
    if (loan.snapshot().state() == delinquency::v1::DELINQUENCY_STATE_DELINQUENT) {
      view.delinquent_loans.push_back(loan.loan_id());
    }
  }
  for (const strategy::v1::RepaymentPlan& plan : snapshot.plans()) {
    if (plan.state() == strategy::v1::RepaymentPlan::STATE_ACCEPTED) view.plan_agreed = true;
    if (plan.state() == strategy::v1::RepaymentPlan::STATE_PROPOSED) {
      const absl::Time until =
          plan.has_expire_time() ? FromTimestamp(plan.expire_time()) : absl::InfiniteFuture();
      view.proposed_until = std::max(view.proposed_until, until);
    }
  }
}

std::vector<ServiceAction> DebtorResponder::OnCaseEvent(const events::Event& event) {
  strategy::v1::CaseEvent case_event;
  if (!case_event.ParseFromString(event.payload)) {
    ++stats_.unreadable;
    return {};
  }
  NoteCase(case_event);
  if (!case_event.has_plan_proposed()) return {};
  const strategy::v1::RepaymentPlan& plan = case_event.plan_proposed().plan();
  const Customer* customer = book_->FindCustomer(case_event.customer_id());
  if (customer == nullptr || plan.plan_id().empty()) return {};
  if (!considered_plans_.insert(plan.plan_id()).second) return {};
  if (customer->behaviour != Behaviour::kHardship) {
    ++stats_.plans_declined;
    return {};
  }
  EntityRandom random(book_->options().seed, "plan-acceptance", Fingerprint(plan.plan_id()));
  if (!random.ChancePerMille(850)) {
    ++stats_.plans_declined;
    return {};
  }
  strategy::v1::AcceptPlanRequest request;
  request.set_name(plan.name().empty()
                       ? absl::StrCat("cases/", case_event.case_id(), "/plans/", plan.plan_id())
                       : plan.name());
  request.set_accepted_by("self-service-app");
  ++stats_.plans_accepted;
  return {ServiceAction{std::move(request)}};
}

void DebtorResponder::OnPlanEvent(const events::Event& event, absl::Time now) {
  strategy::v1::RepaymentPlanEvent plan_event;
  if (!plan_event.ParseFromString(event.payload)) {
    ++stats_.unreadable;
    return;
  }
  if (!plan_event.has_plan_agreed()) return;
  const strategy::v1::LoanPlanTerms& terms = plan_event.plan_agreed().terms();
  const std::string& loan_id = terms.loan_id().empty() ? plan_event.loan_id() : terms.loan_id();
  if (!applied_plan_terms_.insert(absl::StrCat(plan_event.plan_id(), "/", loan_id)).second) return;
  LoanAccount* loan = book_->FindLoan(loan_id);
  if (loan == nullptr) {
    ++stats_.restructure_failures;
    NoteFailure(absl::StrCat("plan ", plan_event.plan_id(), ": unknown loan \"", loan_id, "\""));
    return;
  }
  absl::Status applied = loan->ApplyPlan(terms, plan_event.plan_id(), now);
  if (!applied.ok()) {
    ++stats_.restructure_failures;
    NoteFailure(
        absl::StrCat("plan ", plan_event.plan_id(), " loan ", loan_id, ": ", applied.message()));
    return;
  }
  ++stats_.restructures;
}

}  // namespace arrears::simulator
