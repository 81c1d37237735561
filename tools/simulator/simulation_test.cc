#include "tools/simulator/simulation.h"

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>

#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/events/testing/in_memory_publisher.h"
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
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class RecordingClock final : public SimulatedClockWriter {
 public:
  absl::Status Advance(absl::Time now) override {
    if (!instants.empty() && now < instants.back()) {
      return absl::InvalidArgumentError("time went backwards");
    }
    instants.push_back(now);
    return absl::OkStatus();
  }
  std::vector<absl::Time> instants;
};

// The services, scripted: closing day D makes the events queued for D
// appear on the feedback topics; service calls are recorded.
class ScriptedSystem final : public BusinessDayCloser,
                             public FeedbackInbox,
                             public ActionExecutor,
                             public PipelineMonitor {
 public:
  absl::StatusOr<CloseDayResult> CloseBusinessDay(absl::CivilDay day) override {
    closed.push_back(day);
    if (!close_error.ok()) return close_error;
    auto it = on_close.find(day);
    if (it != on_close.end()) {
      for (events::Event& event : it->second) inbox.push_back(std::move(event));
    }
    return CloseDayResult{.loans_evaluated = 10, .events_emitted = 2};
  }
  std::vector<events::Event> Drain() override {
    std::vector<events::Event> out(inbox.begin(), inbox.end());
    inbox.clear();
    return out;
  }
  absl::Status Execute(const ServiceAction& action) override {
    actions.push_back(action);
    if (on_execute) on_execute(action);
    return action_error;
  }
  absl::Status AwaitQuiet() override {
    ++waits;
    if (on_wait) on_wait();
    wall.Advance(absl::Milliseconds(10 * waits));  // each wait a little longer
    return quiet;
  }

  std::map<absl::CivilDay, std::vector<events::Event>> on_close;
  // What the services do on a call: events for the next Drain().
  std::function<void(const ServiceAction&)> on_execute;
  std::function<void()> on_wait;
  std::deque<events::Event> inbox;
  std::vector<absl::CivilDay> closed;
  std::vector<ServiceAction> actions;
  absl::Status close_error;
  absl::Status action_error;
  absl::Status quiet;
  int waits = 0;
  FakeClock wall;
};

class CountingObserver final : public DayObserver {
 public:
  void OnPhaseDone(const StepProgress& progress) override { phases.push_back(progress.phase); }
  void OnDayDone(const StepProgress& progress) override { days.push_back(progress.day); }
  std::vector<std::string> phases;
  std::vector<absl::CivilDay> days;
};

std::unique_ptr<LoanBook> Book(int days, absl::string_view mix = "") {
  BookOptions options;
  options.seed = 3;
  options.loans = 30;
  options.days = days;
  if (!mix.empty()) options.mix = *BehaviourMix::Parse(mix);
  return *LoanBook::Create(options);
}

class SimulationTest : public ::testing::Test {
 protected:
  SimulationSeams Seams(LoanBook* book) {
    SimulationSeams seams;
    seams.book = book;
    seams.publisher = &publisher_;
    seams.clock = &clock_;
    seams.closer = &system_;
    seams.monitor = &system_;
    seams.feedback = &system_;
    seams.executor = &system_;
    seams.observer = &observer_;
    seams.sleep = [this](absl::Duration d) { slept_ += d; };
    seams.wall_clock = &system_.wall;
    return seams;
  }

  events::InMemoryPublisher publisher_;
  RecordingClock clock_;
  ScriptedSystem system_;
  CountingObserver observer_;
  absl::Duration slept_;
};

TEST(StepsOfDayTest, ParsesTimesAndNamesBadEntries) {
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Duration> steps, ParseStepsOfDay("08:00, 19:30"));
  EXPECT_THAT(steps, ElementsAre(absl::Hours(8), absl::Hours(19) + absl::Minutes(30)));
  EXPECT_THAT(ParseStepsOfDay("8:00"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("8:00")));
  EXPECT_THAT(ParseStepsOfDay("24:00"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseStepsOfDay("10:00,09:00"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("09:00")));
  EXPECT_THAT(ParseStepsOfDay(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SimulationTest, EachDayOpensClosesAndWalksTheClockThroughTheDay) {
  auto book = Book(2);
  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());

  const absl::CivilDay d0 = book->options().start;
  EXPECT_THAT(system_.closed, ElementsAre(d0, d0 + 1));
  ASSERT_THAT(clock_.instants, SizeIs(12));
  const absl::Time midnight = time::StartOfDay(d0, book->zone());
  EXPECT_EQ(clock_.instants[0], midnight);
  EXPECT_EQ(clock_.instants[1], midnight + absl::Hours(8));
  EXPECT_EQ(clock_.instants[5], midnight + absl::Hours(23) + absl::Minutes(59));
  EXPECT_EQ(clock_.instants[6], midnight + absl::Hours(24));
  EXPECT_THAT(observer_.phases, SizeIs(14));
  EXPECT_EQ(observer_.phases[0], "open");
  EXPECT_EQ(observer_.phases[1], "close");
  EXPECT_EQ(observer_.phases[2], "08:00");
  EXPECT_THAT(observer_.days, ElementsAre(d0, d0 + 1));

  // Everything the book recorded up to the last step went out, in order.
  const std::vector<events::Event> published = publisher_.published();
  EXPECT_EQ(summary.events_published, static_cast<int64_t>(published.size()));
  EXPECT_GE(published.size(), 30u + 20u);  // loans opened + customers
  for (const events::Event& event : published) {
    EXPECT_LE(event.envelope.time, clock_.instants.back());
  }
  EXPECT_TRUE(book->TakeEventsUntil(clock_.instants.back()).empty());

  EXPECT_EQ(summary.days_completed, 2);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(summary.days_closed, 2);
  EXPECT_EQ(summary.loans_evaluated, 20);
  EXPECT_EQ(summary.close_events_emitted, 4);
  // A wait follows each of the 12 clock moves and each close, the book's
  // opening events (published in the first clock move's round: a second
  // round) and day 1's open; day 2 opens without events overnight, and a
  // step whose clock move published everything waits no second time.
  EXPECT_EQ(system_.waits, 12 + 2 + 1 + 1);
  EXPECT_EQ(summary.quiet_wait_total, absl::Milliseconds(10 * (16 * 17 / 2)));
  EXPECT_EQ(summary.quiet_wait_longest, absl::Milliseconds(160));
  EXPECT_EQ(summary.quiet_wait_longest_at, "2026-01-06 23:59 clock");
  EXPECT_TRUE(summary.problems.empty());
}

TEST_F(SimulationTest, DebtorsAnswerAtTheSameInstantAndRestructuringsGoOut) {
  auto book = Book(3, "on_time=0,late=0,partial=0,hardship=1,lost_contact=0,refusing=0");
  const Customer& customer = book->customers().front();
  const LoanAccount* loan = book->LoansOf(customer.customer_id).front();
  const absl::CivilDay d1 = book->options().start + 1;

  const events::Event call = Answered(customer.customer_id, "A1");

  strategy::v1::RepaymentPlanEvent agreed;
  agreed.set_loan_id(loan->loan().loan_id);
  agreed.set_plan_id("PLAN-1");
  strategy::v1::LoanPlanTerms& terms = *agreed.mutable_plan_agreed()->mutable_terms();
  terms.set_loan_id(loan->loan().loan_id);
  terms.mutable_deferral()->add_installment_numbers(1);
  terms.mutable_deferral()->set_months(2);
  const events::Event plan = Wrap(topics::v1::TOPIC_PLAN_EVENTS, "plan", agreed);
  system_.on_close[d1] = {call, plan};

  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  ASSERT_THAT(system_.actions, SizeIs(1));
  const auto& outcome = std::get<contact::v1::RecordOutcomeRequest>(system_.actions[0].request);
  EXPECT_EQ(outcome.attempt_id(), "A1");
  EXPECT_EQ(FromTimestamp(outcome.occurred_at()), time::StartOfDay(d1, book->zone()));
  EXPECT_EQ(summary.actions.at("RecordOutcome"), 1);
  EXPECT_EQ(simulation.responder().stats().restructures, 1);

  bool restructured = false;
  for (const events::Event& event : publisher_.published()) {
    loan::v1::LoanEvent payload;
    if (event.key != loan->loan().loan_id || !payload.ParseFromString(event.payload)) continue;
    if (payload.has_schedule_restructured()) {
      restructured = true;
      EXPECT_EQ(event.envelope.time, time::StartOfDay(d1, book->zone()));
    }
  }
  EXPECT_TRUE(restructured);
}

// A repayment recorded at 09:xx goes out with the 10:00 step. It must be
// applied (published, then waited for) before a debtor answers a call that
// the 10:00 clock move triggered, or which of the two the services see first
// would depend on two topics' timing.
TEST_F(SimulationTest, TheBooksEventsGoOutAndAreAwaitedBeforeDebtorsAnswer) {
  constexpr int kDays = 10;
  // The same seed gives the same book: a copy shows which event is due when.
  auto preview = Book(kDays);
  const absl::Time end = time::StartOfDay(preview->options().start + kDays, preview->zone());
  std::optional<events::Event> repayment;
  absl::Time step;
  for (events::Event& event : preview->TakeEventsUntil(end)) {
    const absl::CivilDay day = absl::ToCivilDay(event.envelope.time, preview->zone());
    const absl::Time midnight = time::StartOfDay(day, preview->zone());
    if (day > preview->options().start && event.envelope.time > midnight + absl::Hours(8) &&
        event.envelope.time <= midnight + absl::Hours(10)) {
      repayment = std::move(event);
      step = midnight + absl::Hours(10);
      break;
    }
  }
  ASSERT_TRUE(repayment.has_value()) << "no event between 08:00 and 10:00 in the book";

  auto book = Book(kDays);
  const events::Event call = Answered(book->customers().front().customer_id, "A1");

  auto published_repayment = [&] {
    for (const events::Event& event : publisher_.published()) {
      if (event.envelope.id == repayment->envelope.id) return true;
    }
    return false;
  };
  // The call is answered as the clock reaches 10:00 (before the services
  // have seen the 09:xx repayment); each wait notes whether the repayment
  // had gone out before it.
  bool call_delivered = false;
  bool repayment_awaited = false;
  system_.on_wait = [&] {
    if (published_repayment()) repayment_awaited = true;
    if (!call_delivered && !clock_.instants.empty() && clock_.instants.back() == step) {
      system_.inbox.push_back(call);
      call_delivered = true;
    }
  };
  std::vector<bool> awaited_at_answer;
  system_.on_execute = [&](const ServiceAction&) {
    awaited_at_answer.push_back(repayment_awaited);
  };

  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  ASSERT_TRUE(call_delivered);
  ASSERT_THAT(awaited_at_answer, SizeIs(1));
  EXPECT_TRUE(awaited_at_answer[0]);
  EXPECT_EQ(summary.actions.at("RecordOutcome"), 1);
}

// Hardship declared -> plan proposed -> accepted -> agreed -> restructured,
// each step a service call answered by the (scripted) services' events: the
// whole chain runs at the instant the call was answered.
TEST_F(SimulationTest, AHardshipDeclarationEndsInARestructuringAtTheSameInstant) {
  auto book = Book(120, "on_time=0,late=0,partial=0,hardship=1,lost_contact=0,refusing=0");
  const Customer& customer = book->customers().front();
  const LoanAccount* loan = book->LoansOf(customer.customer_id).front();
  // A day on which an installment due after the trouble started is overdue.
  absl::CivilDay day;
  for (const InstallmentTerms& installment : loan->schedule()) {
    if (installment.due_date >= book->options().start + customer.onset_day) {
      day = installment.due_date + 3;
      break;
    }
  }
  ASSERT_LT(day, book->options().start + 120);
  const absl::Time midnight = time::StartOfDay(day, book->zone());

  strategy::v1::CaseEvent opened;
  opened.set_case_id("K1");
  opened.set_customer_id(customer.customer_id);
  opened.set_case_version(1);
  opened.mutable_case_opened()->set_loan_id(loan->loan().loan_id);
  strategy::v1::Case& snapshot = *opened.mutable_case_snapshot();
  snapshot.set_case_id("K1");
  snapshot.set_customer_id(customer.customer_id);
  snapshot.set_state(strategy::v1::Case::STATE_OPEN);
  snapshot.set_case_ordinal(1);
  strategy::v1::CaseLoan& case_loan = *snapshot.add_loans();
  case_loan.set_loan_id(loan->loan().loan_id);
  case_loan.mutable_snapshot()->set_state(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
  contact::v1::ContactEvent answered;
  answered.set_attempt_id("A1");
  answered.set_customer_id(customer.customer_id);
  answered.set_channel(common::v1::CHANNEL_VOICE_CALL);
  answered.set_outcome(contact::v1::CONTACT_OUTCOME_ANSWERED);
  system_.on_close[day] = {Wrap(topics::v1::TOPIC_CASE_EVENTS, "case-1", opened),
                           Wrap(topics::v1::TOPIC_CONTACT_EVENTS, "call", answered)};

  strategy::v1::RepaymentPlan proposed_plan;
  system_.on_execute = [&](const ServiceAction& action) {
    if (const auto* outcome = std::get_if<contact::v1::RecordOutcomeRequest>(&action.request)) {
      contact::v1::ContactEvent recorded;
      recorded.set_attempt_id(outcome->attempt_id());
      recorded.set_customer_id(outcome->customer_id());
      recorded.set_channel(outcome->channel());
      recorded.set_outcome(outcome->outcome());
      recorded.set_outcome_reason(outcome->outcome_reason());
      recorded.set_counterparty(outcome->counterparty());
      system_.inbox.push_back(Wrap(topics::v1::TOPIC_CONTACT_EVENTS, "recorded", recorded));
    } else if (const auto* propose =
                   std::get_if<strategy::v1::ProposePlanRequest>(&action.request)) {
      proposed_plan = propose->plan();
      proposed_plan.set_plan_id("PLAN-1");
      proposed_plan.set_name("cases/K1/plans/PLAN-1");
      strategy::v1::CaseEvent event;
      event.set_case_id("K1");
      event.set_customer_id(customer.customer_id);
      *event.mutable_plan_proposed()->mutable_plan() = proposed_plan;
      system_.inbox.push_back(Wrap(topics::v1::TOPIC_CASE_EVENTS, "proposed", event));
    } else {
      strategy::v1::RepaymentPlanEvent agreed;
      agreed.set_loan_id(loan->loan().loan_id);
      agreed.set_plan_id(proposed_plan.plan_id());
      *agreed.mutable_plan_agreed()->mutable_terms() = proposed_plan.loan_terms(0);
      system_.inbox.push_back(Wrap(topics::v1::TOPIC_PLAN_EVENTS, "agreed", agreed));
    }
  };

  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  EXPECT_EQ(summary.actions.at("RecordOutcome"), 1);
  EXPECT_EQ(summary.actions.at("ProposePlan"), 1);
  EXPECT_EQ(summary.actions.at("AcceptPlan"), 1);
  const ResponderStats& stats = simulation.responder().stats();
  EXPECT_EQ(stats.outcomes.at("CONTACT_OUTCOME_HARDSHIP_DECLARED"), 1);
  EXPECT_EQ(stats.plans_proposed, 1);
  EXPECT_EQ(stats.plans_accepted, 1);
  EXPECT_EQ(stats.restructures, 1);
  EXPECT_EQ(stats.restructure_failures, 0);
  int restructurings = 0;
  for (const events::Event& event : publisher_.published()) {
    loan::v1::LoanEvent payload;
    if (event.key != loan->loan().loan_id || !payload.ParseFromString(event.payload)) continue;
    if (!payload.has_schedule_restructured()) continue;
    ++restructurings;
    EXPECT_EQ(event.envelope.time, midnight);
    EXPECT_EQ(payload.schedule_restructured().plan_id(), "PLAN-1");
  }
  EXPECT_EQ(restructurings, 1);
}

TEST_F(SimulationTest, FailedClosesCallsAndWaitsAreCountedAndTheRunGoesOn) {
  auto book = Book(2);
  system_.close_error = absl::UnavailableError("overdue detection is down");
  system_.quiet = absl::DeadlineExceededError("still busy");
  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  EXPECT_EQ(summary.days_completed, 2);
  EXPECT_EQ(summary.close_failures, 2);
  EXPECT_EQ(summary.days_closed, 0);
  EXPECT_EQ(summary.quiet_timeouts, 16);
  ASSERT_FALSE(summary.problems.empty());
  EXPECT_THAT(summary.problems[0], HasSubstr("still busy"));
  // Identical problems are sampled, not repeated without end.
  EXPECT_LE(summary.problems.size(), 6u);
}

TEST_F(SimulationTest, APhaseOutOfRoundsWaitsForItsLastRoundAndSaysSo) {
  auto book = Book(1);
  SimulationOptions options;
  options.max_reaction_rounds = 1;
  std::vector<size_t> published_at_wait;
  system_.on_wait = [&] { published_at_wait.push_back(publisher_.published().size()); };
  Simulation simulation(options, Seams(book.get()));
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());

  // The first clock move's only round publishes the book's opening events;
  // the phase then waits once more, so they are applied before the day
  // opens, and the run says the phase was cut short.
  ASSERT_GE(published_at_wait.size(), 2u);
  EXPECT_EQ(published_at_wait[0], 0u);
  EXPECT_GE(published_at_wait[1], 30u + 20u);
  EXPECT_EQ(system_.waits, 2 + 1 + 1 + 5);  // midnight (cut short), open, close, steps
  ASSERT_THAT(summary.problems, SizeIs(1));
  EXPECT_THAT(summary.problems[0], AllOf(HasSubstr("2026-01-05 00:00 clock"),
                                         HasSubstr("still reacting after 1 rounds")));
  EXPECT_EQ(summary.days_completed, 1);
}

TEST_F(SimulationTest, WithoutAnOverdueServiceDaysAreNotClosed) {
  auto book = Book(1);
  SimulationSeams seams = Seams(book.get());
  seams.closer = nullptr;
  Simulation simulation(SimulationOptions{}, seams);
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  EXPECT_EQ(summary.close_failures, 1);
  EXPECT_TRUE(system_.closed.empty());
}

TEST_F(SimulationTest, PublishFailureEndsTheRunWithTheError) {
  auto book = Book(2);
  publisher_.FailNext(1, absl::UnavailableError("broker gone"));
  Simulation simulation(SimulationOptions{}, Seams(book.get()));
  EXPECT_THAT(simulation.Run(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("broker gone")));
}

TEST_F(SimulationTest, StopEndsTheRunAfterThePhaseInHand) {
  auto book = Book(5);
  std::atomic<bool> stop{false};
  SimulationSeams seams = Seams(book.get());
  seams.stop = &stop;
  struct StopAfterFirstDay : DayObserver {
    std::atomic<bool>* stop;
    void OnPhaseDone(const StepProgress&) override {}
    void OnDayDone(const StepProgress&) override { stop->store(true); }
  } observer;
  observer.stop = &stop;
  seams.observer = &observer;
  Simulation simulation(SimulationOptions{}, seams);
  ASSERT_OK_AND_ASSIGN(SimulationSummary summary, simulation.Run());
  EXPECT_EQ(summary.days_completed, 1);
  EXPECT_TRUE(summary.interrupted);
}

TEST_F(SimulationTest, SpeedPausesAfterEachDay) {
  auto book = Book(3);
  SimulationOptions options;
  options.pause_per_day = absl::Milliseconds(250);
  Simulation simulation(options, Seams(book.get()));
  ASSERT_OK(simulation.Run());
  EXPECT_EQ(slept_, absl::Milliseconds(750));
}

}  // namespace
}  // namespace arrears::simulator
