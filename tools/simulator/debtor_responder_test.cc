#include "tools/simulator/debtor_responder.h"

#include <variant>

#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/simulator/testing/feedback_events.h"

namespace arrears::simulator {
namespace {

using ::arrears::simulator::testing::Answered;
using ::arrears::simulator::testing::Wrap;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::unique_ptr<LoanBook> BookOf(absl::string_view behaviour, int64_t loans = 20) {
  BookOptions options;
  options.seed = 5;
  options.loans = loans;
  options.days = 120;
  options.mix = *BehaviourMix::Parse(absl::StrCat(
      "on_time=0,late=0,partial=0,hardship=0,lost_contact=0,refusing=0,", behaviour, "=1"));
  return *LoanBook::Create(options);
}

// Everything the book records up to `now`, as the loan system would have
// published it.
absl::Time Advance(LoanBook& book, absl::CivilDay day, int hour) {
  const absl::Time now = absl::FromCivil(
      absl::CivilSecond(day.year(), day.month(), day.day(), hour, 0, 0), book.zone());
  book.TakeEventsUntil(now);
  return now;
}

const contact::v1::RecordOutcomeRequest& Outcome(const ServiceAction& action) {
  return std::get<contact::v1::RecordOutcomeRequest>(action.request);
}

TEST(DebtorResponderTest, HardshipDebtorDeclaresHardshipOnceTroubleStarted) {
  auto book = BookOf("hardship");
  DebtorResponder responder(book.get());
  const Customer& customer = book->customers().front();
  const absl::Time now = Advance(*book, book->options().start + customer.onset_day + 1, 10);
  const std::vector<ServiceAction> actions =
      responder.React(Answered(customer.customer_id, "A1"), now);
  ASSERT_THAT(actions, SizeIs(1));
  const contact::v1::RecordOutcomeRequest& request = Outcome(actions[0]);
  EXPECT_EQ(request.attempt_id(), "A1");
  EXPECT_EQ(request.customer_id(), customer.customer_id);
  EXPECT_EQ(request.outcome(), contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED);
  EXPECT_FALSE(request.outcome_reason().empty());
  EXPECT_EQ(request.request_id(), "sim-outcome-A1");
  EXPECT_EQ(FromTimestamp(request.occurred_at()), now);
  // Redelivered: answered once.
  EXPECT_THAT(responder.React(Answered(customer.customer_id, "A1"), now), IsEmpty());
  EXPECT_EQ(responder.stats().outcomes.at("CONTACT_OUTCOME_HARDSHIP_DECLARED"), 1);
}

TEST(DebtorResponderTest, RefusingAndLostContactDebtorsAnswerAsTheyWould) {
  auto refusing = BookOf("refusing");
  DebtorResponder refusing_responder(refusing.get());
  const Customer& r = refusing->customers().front();
  const absl::Time later = Advance(*refusing, refusing->options().start + r.onset_day, 12);
  ASSERT_THAT(refusing_responder.React(Answered(r.customer_id, "A2"), later), SizeIs(1));
  EXPECT_EQ(Outcome(refusing_responder.React(Answered(r.customer_id, "A3"), later)[0]).outcome(),
            contact::v1::CONTACT_OUTCOME_REFUSED);

  auto lost = BookOf("lost_contact");
  DebtorResponder lost_responder(lost.get());
  const Customer& l = lost->customers().front();
  const absl::Time now = Advance(*lost, lost->options().start + l.onset_day, 12);
  const std::vector<ServiceAction> actions =
      lost_responder.React(Answered(l.customer_id, "A4"), now);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(Outcome(actions[0]).outcome(), contact::v1::CONTACT_OUTCOME_WRONG_PARTY);
  EXPECT_FALSE(Outcome(actions[0]).conversation());
}

TEST(DebtorResponderTest, LateDebtorPromisesWhatIsOwedOnTheDayTheyWillPay) {
  auto book = BookOf("late");
  DebtorResponder responder(book.get());
  // Find a loan with an installment overdue on some day: the first due date
  // plus one day is always before a late payer pays.
  const Customer& customer = book->customers().front();
  const LoanAccount* loan = book->LoansOf(customer.customer_id).front();
  const absl::CivilDay day = loan->schedule().front().due_date + 1;
  // Just after midnight: late payers pay from 09:00 on, never the day after
  // the due date before that.
  const absl::Time now = Advance(*book, day, 0);
  std::vector<ServiceAction> actions = responder.React(Answered(customer.customer_id, "A5"), now);
  ASSERT_THAT(actions, SizeIs(1));
  const contact::v1::RecordOutcomeRequest& request = Outcome(actions[0]);
  ASSERT_EQ(request.outcome(), contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_GT(request.promise_to_pay().amount().amount_minor(), 0);
  EXPECT_EQ(request.promise_to_pay().amount().currency_code(), "CNY");
  ASSERT_OK_AND_ASSIGN(
      absl::CivilDay promised,
      CivilDayFromProto(request.promise_to_pay().promised_date(), "promised_date"));
  EXPECT_GE(promised, day);
  EXPECT_LE(promised, day + 30);
  EXPECT_FALSE(request.loan_ids().empty());
}

TEST(DebtorResponderTest, DebtorWhoOwesNothingClaimsToHavePaid) {
  auto book = BookOf("on_time");
  DebtorResponder responder(book.get());
  const Customer& customer = book->customers().front();
  const absl::Time now = Advance(*book, book->options().start, 10);
  const std::vector<ServiceAction> actions =
      responder.React(Answered(customer.customer_id, "A6"), now);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(Outcome(actions[0]).outcome(), contact::v1::CONTACT_OUTCOME_CLAIMS_PAID);
}

TEST(DebtorResponderTest, OnlyAnsweredVoiceCallsToTheDebtorGetAnAnswer) {
  auto book = BookOf("late");
  DebtorResponder responder(book.get());
  const std::string& id = book->customers().front().customer_id;
  const absl::Time now = Advance(*book, book->options().start, 10);
  EXPECT_THAT(responder.React(Answered(id, "S1", common::v1::CHANNEL_SMS), now), IsEmpty());
  EXPECT_THAT(responder.React(Answered("C99999999", "V1"), now), IsEmpty());
  events::Event unreadable = Answered(id, "V2");
  unreadable.payload = "\x0f garbage";
  EXPECT_THAT(responder.React(unreadable, now), IsEmpty());
  EXPECT_EQ(responder.stats().unreadable, 1);
  events::Event other_topic = Answered(id, "V3");
  other_topic.topic = "arrears.something.else";
  EXPECT_THAT(responder.React(other_topic, now), IsEmpty());
}

// A hardship debtor with a loan overdue at `now` (an installment fell due
// after the trouble started and went unpaid).
struct HardshipScene {
  const Customer* customer = nullptr;
  const LoanAccount* loan = nullptr;
  absl::Time now;
};

HardshipScene OverdueHardshipDebtor(LoanBook& book) {
  const absl::CivilDay start = book.options().start;
  for (const Customer& customer : book.customers()) {
    for (const LoanAccount* loan : book.LoansOf(customer.customer_id)) {
      for (const InstallmentTerms& installment : loan->schedule()) {
        if (installment.due_date >= start + customer.onset_day &&
            installment.due_date + 5 < start + book.options().days) {
          return {&customer, loan, Advance(book, installment.due_date + 5, 10)};
        }
      }
    }
  }
  ADD_FAILURE() << "no hardship debtor with an overdue loan in the book";
  return {};
}

events::Event CaseEventOf(const std::string& case_id, const std::string& customer_id,
                          const std::vector<std::string>& delinquent_loans, int64_t version,
                          strategy::v1::Case::State state = strategy::v1::Case::STATE_OPEN,
                          std::vector<strategy::v1::RepaymentPlan> plans = {}) {
  strategy::v1::CaseEvent event;
  event.set_case_id(case_id);
  event.set_customer_id(customer_id);
  event.set_case_version(version);
  strategy::v1::Case& snapshot = *event.mutable_case_snapshot();
  snapshot.set_case_id(case_id);
  snapshot.set_customer_id(customer_id);
  snapshot.set_state(state);
  snapshot.set_version(version);
  snapshot.set_case_ordinal(1);
  for (const std::string& loan_id : delinquent_loans) {
    strategy::v1::CaseLoan& loan = *snapshot.add_loans();
    loan.set_loan_id(loan_id);
    loan.mutable_snapshot()->set_state(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
  }
  for (strategy::v1::RepaymentPlan& plan : plans) *snapshot.add_plans() = std::move(plan);
  event.mutable_case_updated();
  return Wrap(topics::v1::TOPIC_CASE_EVENTS, absl::StrCat(case_id, "/", version), event);
}

events::Event HardshipDeclared(const std::string& customer_id, const std::string& attempt_id) {
  contact::v1::ContactEvent contact;
  contact.set_attempt_id(attempt_id);
  contact.set_customer_id(customer_id);
  contact.set_channel(common::v1::CHANNEL_VOICE_CALL);
  contact.set_outcome(contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED);
  contact.set_outcome_reason("ILLNESS");
  contact.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact.add_staff_ids("collector-7");
  return Wrap(topics::v1::TOPIC_CONTACT_EVENTS, attempt_id + "/hardship", contact);
}

strategy::v1::RepaymentPlan PlanIn(strategy::v1::RepaymentPlan::State state, absl::Time expires) {
  strategy::v1::RepaymentPlan plan;
  plan.set_plan_id("PLAN-X");
  plan.set_state(state);
  *plan.mutable_expire_time() = ToTimestamp(expires);
  return plan;
}

const strategy::v1::ProposePlanRequest& Proposal(const ServiceAction& action) {
  return std::get<strategy::v1::ProposePlanRequest>(action.request);
}

TEST(DebtorResponderTest, HardshipDeclarationLeadsTheCollectorToProposeAPlanOnce) {
  auto book = BookOf("hardship", 40);
  DebtorResponder responder(book.get());
  const HardshipScene scene = OverdueHardshipDebtor(*book);
  ASSERT_NE(scene.customer, nullptr);
  const std::string& customer_id = scene.customer->customer_id;
  const std::string loan_id = scene.loan->loan().loan_id;
  EXPECT_THAT(responder.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 3), scene.now),
              IsEmpty());

  const std::vector<ServiceAction> actions =
      responder.React(HardshipDeclared(customer_id, "A1"), scene.now);
  ASSERT_THAT(actions, SizeIs(1));
  const strategy::v1::ProposePlanRequest& request = Proposal(actions[0]);
  EXPECT_EQ(request.name(), "cases/CASE-1");
  EXPECT_EQ(request.request_id(), "sim-plan-A1");
  EXPECT_EQ(request.plan().hardship_reason(), "ILLNESS");
  EXPECT_EQ(request.plan().proposed_by(), "collector-7");
  EXPECT_EQ(FromTimestamp(request.plan().expire_time()),
            scene.now + DebtorResponder::kOfferValidity);
  ASSERT_THAT(request.plan().loan_terms(), SizeIs(1));
  EXPECT_EQ(request.plan().loan_terms(0).loan_id(), loan_id);
  EXPECT_TRUE(request.plan().loan_terms(0).has_deferral() ||
              request.plan().loan_terms(0).has_new_schedule());
  EXPECT_EQ(responder.stats().plans_proposed, 1);

  // Redelivered: nothing. Another declaration while the offer stands: no
  // second offer, even before the service's PlanProposed comes back.
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A1"), scene.now), IsEmpty());
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A2"), scene.now + absl::Hours(48)),
              IsEmpty());
  EXPECT_EQ(responder.stats().proposals_skipped.at("plan pending"), 1);

  // Agreed: never another offer on the case, however much later.
  responder.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 5, strategy::v1::Case::STATE_OPEN,
                              {PlanIn(strategy::v1::RepaymentPlan::STATE_ACCEPTED, scene.now)}),
                  scene.now);
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A3"), scene.now + absl::Hours(900)),
              IsEmpty());
  EXPECT_EQ(responder.stats().proposals_skipped.at("plan agreed"), 1);
  EXPECT_EQ(responder.stats().plans_proposed, 1);
}

TEST(DebtorResponderTest, ALapsedOfferIsMadeAgainAtMostOnce) {
  auto book = BookOf("hardship", 40);
  DebtorResponder responder(book.get());
  const HardshipScene scene = OverdueHardshipDebtor(*book);
  ASSERT_NE(scene.customer, nullptr);
  const std::string& customer_id = scene.customer->customer_id;
  const std::string loan_id = scene.loan->loan().loan_id;
  responder.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 3), scene.now);
  ASSERT_THAT(responder.React(HardshipDeclared(customer_id, "A1"), scene.now), SizeIs(1));
  // The service shows the offer still proposed (the debtor did not accept):
  // until it lapses, nothing; after, one more offer.
  const absl::Time lapses = scene.now + DebtorResponder::kOfferValidity;
  responder.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 4, strategy::v1::Case::STATE_OPEN,
                              {PlanIn(strategy::v1::RepaymentPlan::STATE_PROPOSED, lapses)}),
                  scene.now);
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A2"), lapses), IsEmpty());
  const absl::Time later = lapses + absl::Hours(24);
  std::vector<ServiceAction> again = responder.React(HardshipDeclared(customer_id, "A3"), later);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(Proposal(again[0]).request_id(), "sim-plan-A3");
  const absl::Time much_later = later + DebtorResponder::kOfferValidity + absl::Hours(24);
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A4"), much_later), IsEmpty());
  EXPECT_EQ(responder.stats().plans_proposed, 2);
  EXPECT_EQ(responder.stats().proposals_skipped.at("plan pending"), 1);
  EXPECT_EQ(responder.stats().proposals_skipped.at("offers exhausted"), 1);
}

TEST(DebtorResponderTest, NoOfferWithoutAnOpenCaseOrAnythingOverdue) {
  auto book = BookOf("hardship", 40);
  DebtorResponder responder(book.get());
  const HardshipScene scene = OverdueHardshipDebtor(*book);
  ASSERT_NE(scene.customer, nullptr);
  const std::string& customer_id = scene.customer->customer_id;
  const std::string loan_id = scene.loan->loan().loan_id;
  // No case seen yet.
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A1"), scene.now), IsEmpty());
  // The case closed.
  responder.React(CaseEventOf("CASE-1", customer_id, {}, 9, strategy::v1::Case::STATE_CLOSED),
                  scene.now);
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A2"), scene.now), IsEmpty());
  // An older version of it changes nothing.
  responder.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 8), scene.now);
  EXPECT_THAT(responder.React(HardshipDeclared(customer_id, "A3"), scene.now), IsEmpty());
  EXPECT_EQ(responder.stats().proposals_skipped.at("no open case"), 3);
  // Open, but the loan it lists is not overdue in the loan system (not yet
  // due on the first day).
  const absl::Time first_day =
      absl::FromCivil(absl::CivilSecond(book->options().start.year(), book->options().start.month(),
                                        book->options().start.day(), 0, 0, 1),
                      book->zone());
  DebtorResponder early(book.get());
  early.React(CaseEventOf("CASE-2", customer_id, {loan_id}, 1), first_day);
  EXPECT_THAT(early.React(HardshipDeclared(customer_id, "A4"), first_day), IsEmpty());
  EXPECT_EQ(early.stats().proposals_skipped.at("nothing overdue"), 1);
  EXPECT_EQ(responder.stats().plans_proposed + early.stats().plans_proposed, 0);
}

TEST(DebtorResponderTest, OffersAreTheSameForTheSameSeedAndEvents) {
  auto first_book = BookOf("hardship", 40);
  auto second_book = BookOf("hardship", 40);
  DebtorResponder first(first_book.get());
  DebtorResponder second(second_book.get());
  const HardshipScene a = OverdueHardshipDebtor(*first_book);
  const HardshipScene b = OverdueHardshipDebtor(*second_book);
  ASSERT_NE(a.customer, nullptr);
  ASSERT_NE(b.customer, nullptr);
  ASSERT_EQ(a.now, b.now);
  const std::string& customer_id = a.customer->customer_id;
  const std::string loan_id = a.loan->loan().loan_id;
  first.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 3), a.now);
  second.React(CaseEventOf("CASE-1", customer_id, {loan_id}, 3), b.now);
  const std::vector<ServiceAction> x = first.React(HardshipDeclared(customer_id, "A1"), a.now);
  const std::vector<ServiceAction> y = second.React(HardshipDeclared(customer_id, "A1"), b.now);
  ASSERT_THAT(x, SizeIs(1));
  ASSERT_THAT(y, SizeIs(1));
  EXPECT_EQ(Proposal(x[0]).SerializeAsString(), Proposal(y[0]).SerializeAsString());
}

TEST(DebtorResponderTest, HardshipDebtorsAcceptMostProposedPlansAndOthersDecline) {
  auto book = BookOf("hardship", 200);
  DebtorResponder responder(book.get());
  int accepted = 0;
  for (size_t i = 0; i < 40; ++i) {
    strategy::v1::CaseEvent proposed;
    proposed.set_case_id(absl::StrCat("CASE-", i));
    proposed.set_customer_id(book->customers()[i].customer_id);
    strategy::v1::RepaymentPlan& plan = *proposed.mutable_plan_proposed()->mutable_plan();
    plan.set_plan_id(absl::StrCat("PLAN-", i));
    plan.set_name(absl::StrCat("cases/CASE-", i, "/plans/PLAN-", i));
    std::vector<ServiceAction> actions = responder.React(
        Wrap(topics::v1::TOPIC_CASE_EVENTS, absl::StrCat("E", i), proposed), absl::Now());
    if (actions.empty()) continue;
    ++accepted;
    const auto& request = std::get<strategy::v1::AcceptPlanRequest>(actions[0].request);
    EXPECT_EQ(request.name(), plan.name());
    // The same proposal again: no second acceptance.
    EXPECT_THAT(
        responder.React(Wrap(topics::v1::TOPIC_CASE_EVENTS, "again", proposed), absl::Now()),
        IsEmpty());
  }
  EXPECT_GT(accepted, 25);
  EXPECT_LT(accepted, 40);
  EXPECT_EQ(responder.stats().plans_accepted, accepted);
  EXPECT_EQ(responder.stats().plans_declined, 40 - accepted);

  auto on_time = BookOf("on_time");
  DebtorResponder other(on_time.get());
  strategy::v1::CaseEvent proposed;
  proposed.set_customer_id(on_time->customers().front().customer_id);
  proposed.mutable_plan_proposed()->mutable_plan()->set_plan_id("P");
  EXPECT_THAT(other.React(Wrap(topics::v1::TOPIC_CASE_EVENTS, "E", proposed), absl::Now()),
              IsEmpty());
}

TEST(DebtorResponderTest, AgreedPlanRestructuresTheLoanOnce) {
  auto book = BookOf("hardship");
  DebtorResponder responder(book.get());
  const Customer& customer = book->customers().front();
  LoanAccount* loan = book->FindLoan(book->LoansOf(customer.customer_id).front()->loan().loan_id);
  const absl::Time now = Advance(*book, book->options().start + 90, 14);

  strategy::v1::RepaymentPlanEvent agreed;
  agreed.set_loan_id(loan->loan().loan_id);
  agreed.set_customer_id(customer.customer_id);
  agreed.set_plan_id("PLAN-7");
  strategy::v1::LoanPlanTerms& terms = *agreed.mutable_plan_agreed()->mutable_terms();
  terms.set_loan_id(loan->loan().loan_id);
  terms.mutable_deferral()->add_installment_numbers(loan->schedule().back().number);
  terms.mutable_deferral()->set_months(1);
  EXPECT_THAT(responder.React(Wrap(topics::v1::TOPIC_PLAN_EVENTS, "P1", agreed), now), IsEmpty());
  EXPECT_THAT(responder.React(Wrap(topics::v1::TOPIC_PLAN_EVENTS, "P1", agreed), now), IsEmpty());
  EXPECT_EQ(responder.stats().restructures, 1);
  EXPECT_TRUE(loan->restructured());
  const std::vector<events::Event> released = book->TakeEventsUntil(now);
  ASSERT_THAT(released, SizeIs(1));
  loan::v1::LoanEvent event;
  ASSERT_TRUE(event.ParseFromString(released[0].payload));
  EXPECT_TRUE(event.has_schedule_restructured());
  EXPECT_EQ(event.schedule_restructured().plan_id(), "PLAN-7");

  agreed.set_plan_id("PLAN-8");
  agreed.mutable_plan_agreed()->mutable_terms()->set_loan_id("L99999999");
  responder.React(Wrap(topics::v1::TOPIC_PLAN_EVENTS, "P2", agreed), now);
  EXPECT_EQ(responder.stats().restructure_failures, 1);
  EXPECT_THAT(responder.stats().failure_samples[0], ::testing::HasSubstr("L99999999"));
}

}  // namespace
}  // namespace arrears::simulator
