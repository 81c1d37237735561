// The service workflow end to end on the in-memory store: events in through
// the consumer's applier, contact requests, case events and plan events out.
#include "services/strategy_routing/case_manager.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/case_codec.h"
#include "services/strategy_routing/strategy_book.h"
#include "services/strategy_routing/testing/events.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::CloseTime;
using ::arrears::strategy::testing::ContactData;
using ::arrears::strategy::testing::ContactInbound;
using ::arrears::strategy::testing::CustomerInbound;
using ::arrears::strategy::testing::DelinquencyInbound;
using ::arrears::strategy::testing::DueSoonEvent;
using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Testbed;
using ::arrears::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::CivilDay kDueDate(2026, 3, 10);  // a Tuesday

money::Money Cny(int64_t minor) {
  return money::Money::FromMinor(minor, money::Currency::Of("CNY"));
}

class CaseManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(bed_, Testbed::Create()); }

  static absl::CivilDay Day(int dpd) { return kDueDate + dpd; }

  // Picks a customer whose case (opened on `dpd`) runs `variant`, and
  // delivers its first loan event.
  void Start(int dpd, int64_t overdue = 100'000, absl::string_view variant = "champion") {
    const Strategy strategy = bed_->book().Find("default-retail", 1)->strategy;
    for (int i = 0;; ++i) {
      customer_ = absl::StrCat("cust-", i);
      loan_ = customer_ + "-loan";
      if (strategy.AssignVariant(CaseManager::CaseIdFor(customer_, 1, Day(dpd))) == variant) break;
    }
    Loan(dpd, overdue);
  }

  void Loan(int dpd, int64_t overdue = 100'000) { LoanOf(loan_, dpd, overdue); }
  void LoanOf(const std::string& loan, int dpd, int64_t overdue) {
    ASSERT_OK(bed_->Deliver(
        DelinquencyInbound(LoanEvent(loan, ++sequence_[loan], Day(dpd), dpd, overdue, customer_))));
  }
  // Another loan's pre-due reminder: only the business date moves.
  void Clock(int dpd) {
    ASSERT_OK(bed_->Deliver(DelinquencyInbound(DueSoonEvent("clock", ++clock_, Day(dpd)))));
  }
  void Contact(contact::v1::ContactOutcome outcome, int dpd, const std::string& request_id = "") {
    contact::v1::ContactEvent event = Outcome(outcome, dpd, request_id);
    ASSERT_OK(bed_->Deliver(ContactInbound(event)));
  }
  contact::v1::ContactEvent Outcome(contact::v1::ContactOutcome outcome, int dpd,
                                    const std::string& request_id = "") {
    contact::v1::ContactEvent event =
        testing::Outcome(outcome, Day(dpd), request_id, absl::StrCat("attempt-", ++attempts_));
    event.set_customer_id(customer_);
    return event;
  }

  // Contact requests published since the last call: the step of each
  // contact, "cancel:<REASON>" for cancellations.
  std::vector<std::string> NewRequests() {
    std::vector<std::string> out;
    const std::vector<v1::ContactRequest> all = bed_->ContactRequests();
    for (size_t i = seen_; i < all.size(); ++i) {
      const v1::ContactRequest& r = all[i];
      if (r.has_cancel_pending()) {
        out.push_back(absl::StrCat(
            "cancel:", v1::CancelPendingContacts::Reason_Name(r.cancel_pending().reason())));
      } else {
        out.push_back(r.contact().reason().step());
      }
    }
    seen_ = all.size();
    return out;
  }
  v1::ContactRequest LastRequest() { return bed_->ContactRequests().back(); }

  CaseRecord OpenCase() {
    std::optional<CaseRecord> record = bed_->OpenCaseOf(customer_);
    EXPECT_TRUE(record.has_value());
    return std::move(record).value();
  }
  std::vector<v1::CaseEvent::EventCase> CaseEventKinds() {
    std::vector<v1::CaseEvent::EventCase> kinds;
    for (const v1::CaseEvent& e : bed_->CaseEvents()) kinds.push_back(e.event_case());
    return kinds;
  }
  // Runs a command as the gRPC service does.
  template <typename F>
  auto Command(F f) {
    using Result =
        decltype(f(std::declval<store::Transaction&>(), std::declval<store::OutboxWriter&>()));
    Result result = absl::InternalError("not run");
    absl::Status status = bed_->Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
      result = f(txn, outbox);
      return result.status();
    });
    if (!status.ok()) return Result(status);
    return result;
  }
  Cause Api(const std::string& key, int dpd) {
    return Cause{.id = "api:" + key, .time = CloseTime(Day(dpd)) + absl::Hours(8)};
  }

  std::unique_ptr<Testbed> bed_;
  std::string customer_;
  std::string loan_;
  std::map<std::string, int64_t> sequence_;
  int64_t clock_ = 0;
  int attempts_ = 0;
  size_t seen_ = 0;
};

TEST_F(CaseManagerTest, FirstDelinquencyOpensCaseAndRequestsGentleSms) {
  Start(1);
  ASSERT_THAT(NewRequests(), ElementsAre("d1-sms"));
  const v1::ContactRequest request = LastRequest();
  EXPECT_EQ(request.customer_id(), customer_);
  EXPECT_EQ(request.contact().channel(), common::v1::CHANNEL_SMS);
  EXPECT_EQ(request.contact().template_id(), "gentle-reminder");
  EXPECT_EQ(request.contact().reason().strategy_id(), "default-retail");
  EXPECT_EQ(request.contact().reason().strategy_version(), 1);
  EXPECT_EQ(request.contact().reason().segment(), "early");
  EXPECT_EQ(request.contact().reason().variant(), "champion");
  // Published keyed by customer, ce_id = request id.
  const events::Event& published = bed_->published().front();
  EXPECT_EQ(published.topic, "arrears.strategy.contact-requests.v1");
  EXPECT_EQ(published.key, customer_);
  EXPECT_EQ(published.envelope.id, request.request_id());
  EXPECT_THAT(CaseEventKinds(),
              ElementsAre(v1::CaseEvent::kCaseOpened, v1::CaseEvent::kCaseUpdated));
  const v1::CaseEvent opened = bed_->CaseEvents().front();
  EXPECT_EQ(opened.case_version(), 1);
  EXPECT_EQ(opened.case_snapshot().treatment_history_size(), 1);
  EXPECT_EQ(OpenCase().next_decision_date, Day(2));
}

TEST_F(CaseManagerTest, AgendaRunsDayOffsetStepsWithoutEventsOfTheCase) {
  Start(1);
  EXPECT_THAT(NewRequests(), ElementsAre("d1-sms"));
  Clock(2);
  EXPECT_THAT(NewRequests(), IsEmpty());
  Clock(3);
  EXPECT_THAT(NewRequests(), ElementsAre("d3-call"));
  EXPECT_EQ(bed_->CaseEvents().back().cause_event_id(), "agenda/Asia/Shanghai/2026-03-13");
  // Days with nothing due do not even load the case: next date is dpd 4
  // (a scorecard bin), then 7.
  EXPECT_EQ(OpenCase().next_decision_date, Day(4));
  for (int dpd = 4; dpd <= 6; ++dpd) Clock(dpd);
  EXPECT_THAT(NewRequests(), IsEmpty());
  Clock(9);  // a skipped business day still runs what fell due on the 7th
  EXPECT_THAT(NewRequests(), ElementsAre("d7-education"));
  EXPECT_EQ(OpenCase().kase.max_dpd(), 9);
}

TEST_F(CaseManagerTest, MigrationToANewVersionIsRecordedOnTheCaseAndTheRequest) {
  Start(1);
  EXPECT_THAT(NewRequests(), ElementsAre("d1-sms"));
  Strategy v2 = bed_->book().Find("default-retail", 1)->strategy;
  v2.version = 2;
  v2.effective_from = Day(2);
  v2.migration = MigrationRule::kMigrateAtNextStep;
  ASSERT_OK(bed_->book().Add(
      StrategyVersion{v2, MakeStoredStrategy(v2, "v2", "test", CloseTime(Day(1)))}));
  Clock(2);  // the case's own next decision (a DPD boundary)
  EXPECT_EQ(OpenCase().kase.strategy().version, 2);
  const v1::CaseEvent updated = bed_->CaseEvents().back();
  ASSERT_TRUE(updated.has_case_updated());
  EXPECT_THAT(updated.case_updated().reasons(),
              Contains(v1::CaseUpdated::REASON_STRATEGY_MIGRATED));
  EXPECT_EQ(updated.case_updated().migrated_from_version(), 1);
  EXPECT_EQ(updated.case_updated().migrated_to_version(), 2);
  EXPECT_EQ(updated.case_updated().migration_policy(), v1::MIGRATION_POLICY_MIGRATE_AT_NEXT_STEP);
  Clock(3);
  EXPECT_THAT(NewRequests(), ElementsAre("d3-call"));
  EXPECT_EQ(LastRequest().contact().reason().strategy_version(), 2);
  // Migrated once: later updates do not repeat it.
  EXPECT_FALSE(bed_->CaseEvents().back().case_updated().migrated_from_version() != 0);
}

TEST_F(CaseManagerTest, TwoLoansOneCaseAndCureOfBothClosesIt) {
  Start(3, 10'000);
  EXPECT_THAT(NewRequests(), ElementsAre("d3-call"));
  LoanOf(customer_ + "-loan2", 3, 5'000);
  CaseRecord record = OpenCase();
  EXPECT_EQ(record.kase.loans().size(), 2u);
  EXPECT_EQ(record.kase.total_overdue().minor_units(), 15'000);
  LoanOf(loan_, 0, 0);
  EXPECT_FALSE(OpenCase().kase.closed());
  LoanOf(customer_ + "-loan2", 0, 0);
  EXPECT_FALSE(bed_->OpenCaseOf(customer_).has_value());
  EXPECT_THAT(NewRequests(), ElementsAre("cancel:REASON_CURED"));
  const std::vector<v1::CaseEvent> events = bed_->CaseEvents();
  auto closed = std::find_if(events.begin(), events.end(), [](const v1::CaseEvent& e) {
    return e.event_case() == v1::CaseEvent::kCaseClosed;
  });
  ASSERT_NE(closed, events.end());
  EXPECT_EQ(closed->case_closed().reason(), "ALL_CURED");
  EXPECT_EQ(closed->case_snapshot().state(), v1::Case::STATE_CLOSED);
  EXPECT_EQ(closed->case_snapshot().amount_recovered().amount_minor(), 15'000);
  // Closed cases leave the agenda.
  Clock(10);
  EXPECT_THAT(NewRequests(), IsEmpty());
}

TEST_F(CaseManagerTest, PromiseFromContactPausesThenBreaksAndEscalates) {
  Start(1);
  EXPECT_THAT(NewRequests(), ElementsAre("d1-sms"));
  contact::v1::ContactEvent promise =
      Outcome(contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY, 1, LastRequest().request_id());
  *promise.mutable_promise_to_pay()->mutable_amount() = ToProto(Cny(50'000));
  *promise.mutable_promise_to_pay()->mutable_promised_date() = ToProto(Day(5));
  ASSERT_OK(bed_->Deliver(ContactInbound(promise)));
  EXPECT_THAT(NewRequests(), ElementsAre("cancel:REASON_PROMISE"));
  EXPECT_THAT(CaseEventKinds(), Contains(v1::CaseEvent::kPromiseRecorded));
  // d3 and d7 fall due while the promise (grace to dpd 8) is open.
  for (int dpd = 2; dpd <= 8; ++dpd) Clock(dpd);
  EXPECT_THAT(NewRequests(), IsEmpty());
  Clock(9);
  EXPECT_THAT(NewRequests(), ElementsAre("broken-promise-call"));
  const v1::CaseEvent broken = bed_->CaseEvents()[bed_->CaseEvents().size() - 2];
  ASSERT_EQ(broken.event_case(), v1::CaseEvent::kPromiseBroken);
  EXPECT_EQ(broken.promise_broken().shortfall().amount_minor(), 50'000);
  EXPECT_EQ(broken.promise_broken().broken_promise_count(), 1);
}

TEST_F(CaseManagerTest, PromiseKeptWhenSnapshotsShowTheRepayment) {
  Start(2, 100'000);
  ASSERT_OK_AND_ASSIGN(v1::Promise promise, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().RecordPromise(
                             txn, outbox, OpenCase().kase.case_id(),
                             PromiseInput{.amount = Cny(60'000),
                                          .promised_date = Day(6),
                                          .recorded_by = "col-1",
                                          .idempotency_key = "k-1"},
                             Api("k-1", 2));
                       }));
  EXPECT_EQ(promise.state(), v1::Promise::STATE_OPEN);
  Loan(4, 39'000);
  EXPECT_THAT(CaseEventKinds(), Contains(v1::CaseEvent::kPromiseKept));
  EXPECT_FALSE(OpenCase().kase.open_promise().has_value());
  EXPECT_EQ(OpenCase().kase.broken_promise_count(), 0);
}

TEST_F(CaseManagerTest, DisputeHoldCancelsPendingAndStopsContactUntilLifted) {
  Start(1);
  EXPECT_THAT(NewRequests(), ElementsAre("d1-sms"));
  Contact(contact::v1::CONTACT_OUTCOME_DISPUTE, 1, LastRequest().request_id());
  EXPECT_THAT(NewRequests(), ElementsAre("cancel:REASON_HOLD_PLACED"));
  const v1::ContactRequest cancel = LastRequest();
  EXPECT_FALSE(cancel.cancel_pending().hold_id().empty());
  EXPECT_THAT(cancel.cancel_pending().keep_purposes(),
              ElementsAre(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE));
  for (int dpd = 2; dpd <= 20; ++dpd) Clock(dpd);
  EXPECT_THAT(NewRequests(), IsEmpty());
  // The overdue clock ran on (readers see the case as of the business date).
  ASSERT_OK_AND_ASSIGN(v1::Case held, Command([&](auto& txn, auto&) {
                         return bed_->manager().GetCase(txn, OpenCase().kase.case_id());
                       }));
  EXPECT_EQ(held.max_dpd(), 20);
  ASSERT_OK(Command([&](auto& txn, auto& outbox) {
              return bed_->manager().LiftHold(txn, outbox, OpenCase().kase.case_id(),
                                              cancel.cancel_pending().hold_id(), "compliance",
                                              Api("lift", 20));
            }).status());
  EXPECT_THAT(NewRequests(), ElementsAre("d7-education"));
}

TEST_F(CaseManagerTest, CustomerNoticesBecomeTypedHolds) {
  Start(1);
  NewRequests();
  customer::v1::CustomerEvent bankrupt;
  bankrupt.set_customer_id(customer_);
  bankrupt.mutable_bankruptcy_notified()->set_case_number("BK-7");
  bankrupt.mutable_bankruptcy_notified()->set_status(
      customer::v1::BankruptcyNotified::STATUS_FILED);
  ASSERT_OK(bed_->Deliver(CustomerInbound(bankrupt, "cust-evt-1")));
  ASSERT_THAT(OpenCase().kase.holds(), SizeIs(1));
  EXPECT_EQ(OpenCase().kase.holds()[0].type, v1::HOLD_TYPE_BANKRUPTCY);
  EXPECT_EQ(OpenCase().kase.holds()[0].source_ref, "BK-7");
  EXPECT_THAT(NewRequests(), ElementsAre("cancel:REASON_HOLD_PLACED"));
  Clock(3);
  EXPECT_THAT(NewRequests(), IsEmpty());
  bankrupt.mutable_bankruptcy_notified()->set_status(
      customer::v1::BankruptcyNotified::STATUS_DISMISSED);
  ASSERT_OK(bed_->Deliver(CustomerInbound(bankrupt, "cust-evt-2")));
  EXPECT_THAT(OpenCase().kase.holds(), IsEmpty());
  EXPECT_THAT(NewRequests(), ElementsAre("d3-call"));

  customer::v1::CustomerEvent deceased;
  deceased.set_customer_id(customer_);
  deceased.mutable_deceased_notified()->set_source("registry");
  ASSERT_OK(bed_->Deliver(CustomerInbound(deceased, "cust-evt-3")));
  EXPECT_EQ(OpenCase().kase.holds().at(0).type, v1::HOLD_TYPE_DECEASED);
  EXPECT_EQ(OpenCase().kase.holds().at(0).set_by, "customer-events");
}

TEST_F(CaseManagerTest, FieldVisitWaitsForConfirmedDataThenBooksTwoStaff) {
  Start(35);
  EXPECT_THAT(NewRequests(), ElementsAre("m2-call"));
  // Address verified, phone not: the data is not confirmed.
  ASSERT_OK(bed_->Deliver(CustomerInbound(ContactData(customer_, "CN-SH", false), "cd-1")));
  Contact(contact::v1::CONTACT_OUTCOME_LOST_CONTACT, 35, LastRequest().request_id());
  EXPECT_THAT(NewRequests(), IsEmpty());
  EXPECT_EQ(OpenCase().kase.strategy().segment, "field-lost-contact");
  EXPECT_EQ(OpenCase().next_decision_date, Day(36));
  // The phone is verified now (same contact points: contact stays lost).
  ASSERT_OK(bed_->Deliver(CustomerInbound(ContactData(customer_, "CN-SH", true), "cd-2")));
  ASSERT_THAT(NewRequests(), ElementsAre("field-visit"));
  const v1::ContactRequest visit = LastRequest();
  ASSERT_TRUE(visit.contact().has_field_visit());
  const v1::FieldVisitOrder& order = visit.contact().field_visit();
  EXPECT_TRUE(order.data_confirmed());
  EXPECT_EQ(order.region(), "CN-SH");
  EXPECT_EQ(order.address_contact_point_id(), "address-1");
  EXPECT_THAT(order.staff_ids(), ElementsAre("fs-sh-01", "fs-sh-02"));
  EXPECT_EQ(order.visit_date().day(), Day(36).day());  // the next day
  EXPECT_EQ(order.time_window().start().hours(), 9);
  EXPECT_EQ(order.time_window().end().hours(), 18);
  EXPECT_THAT(CaseEventKinds(), Contains(v1::CaseEvent::kFieldVisitPlanned));
  EXPECT_THAT(OpenCase().pending_field_visits, SizeIs(1));
  // The visit's outcome closes it and feeds the next decision.
  contact::v1::ContactEvent outcome =
      Outcome(contact::v1::CONTACT_OUTCOME_NOT_FOUND, 36, visit.request_id());
  outcome.set_field_visit_id(order.field_visit_id());
  ASSERT_OK(bed_->Deliver(ContactInbound(outcome)));
  EXPECT_THAT(OpenCase().pending_field_visits, IsEmpty());
  EXPECT_EQ(OpenCase().kase.contactability(), v1::CONTACTABILITY_LOST_CONTACT);
}

TEST_F(CaseManagerTest, AgencyPlacementAfterNoticeAndRecallOnCure) {
  Start(65);
  EXPECT_THAT(NewRequests(), ElementsAre("agency-placement-notice"));
  for (int dpd = 66; dpd <= 72; ++dpd) Clock(dpd);
  ASSERT_THAT(NewRequests(), ElementsAre("agency-placement"));
  const v1::ContactRequest placement = LastRequest();
  EXPECT_EQ(placement.contact().channel(), common::v1::CHANNEL_AGENCY_PLACEMENT);
  EXPECT_EQ(placement.contact().agency_placement().action(),
            v1::AgencyPlacementOrder::ACTION_PLACE);
  EXPECT_EQ(placement.contact().agency_placement().agency_id(), "agency-default");
  EXPECT_EQ(OpenCase().kase.assignment().agency_id, "agency-default");
  Loan(0, 0);
  std::vector<v1::ContactRequest> all = bed_->ContactRequests();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[all.size() - 2].cancel_pending().reason(), v1::CancelPendingContacts::REASON_CURED);
  const v1::ContactRequest recall = all.back();
  EXPECT_EQ(recall.contact().agency_placement().action(), v1::AgencyPlacementOrder::ACTION_RECALL);
  EXPECT_EQ(recall.contact().agency_placement().placement_id(),
            placement.contact().agency_placement().placement_id());
  EXPECT_EQ(recall.contact().agency_placement().recall_reason(), "CURED");
  EXPECT_THAT(CaseEventKinds(), Contains(v1::CaseEvent::kAgencyRecalled));
}

TEST_F(CaseManagerTest, LegalReferralOnlyAfterRepeatedBrokenPromises) {
  Start(61);
  NewRequests();
  for (int i = 0; i < 3; ++i) {
    const int dpd = 61 + i * 5;
    ASSERT_OK(
        Command([&](auto& txn, auto& outbox) {
          return bed_->manager().RecordPromise(
              txn, outbox, OpenCase().kase.case_id(),
              PromiseInput{.amount = Cny(1'000), .promised_date = Day(dpd), .recorded_by = "col"},
              Api(absl::StrCat("p", i), dpd));
        }).status());
    for (int d = dpd + 1; d <= dpd + 4; ++d) Clock(d);
  }
  EXPECT_EQ(OpenCase().kase.broken_promise_count(), 3);
  EXPECT_EQ(OpenCase().kase.strategy().segment, "legal-broken-promises");
  EXPECT_THAT(NewRequests(), Contains("pre-legal-notice"));
  for (int d = 77; d <= 92; ++d) Clock(d);
  EXPECT_THAT(NewRequests(), Contains("legal-referral"));
  const v1::ContactRequest referral = LastRequest();
  EXPECT_EQ(referral.contact().legal_referral().firm_id(), "legal-department");
  EXPECT_THAT(CaseEventKinds(), Contains(v1::CaseEvent::kLegalReferred));
  EXPECT_TRUE(OpenCase().legal_referral.has_value());
}

TEST_F(CaseManagerTest, HardshipPlanProposedAcceptedAndPublishedPerLoan) {
  Start(40);
  LoanOf(customer_ + "-loan2", 40, 20'000);
  const std::string case_id = OpenCase().kase.case_id();
  v1::RepaymentPlan plan;
  plan.set_hardship_reason("UNEMPLOYMENT");
  plan.set_proposed_by("col-1");
  v1::LoanPlanTerms* a = plan.add_loan_terms();
  a->set_loan_id(loan_);
  a->mutable_deferral()->set_months(3);
  v1::LoanPlanTerms* b = plan.add_loan_terms();
  b->set_loan_id(customer_ + "-loan2");
  v1::PlannedInstallment* first = b->mutable_new_schedule()->add_installments();
  first->set_number(1);
  *first->mutable_due_date() = ToProto(Day(50));
  *first->mutable_amount() = ToProto(Cny(10'000));

  // Validation names the field.
  v1::RepaymentPlan bad = plan;
  bad.mutable_loan_terms(1)->mutable_new_schedule()->mutable_installments(0)->set_number(2);
  EXPECT_THAT(Command([&](auto& txn, auto& outbox) {
                return bed_->manager().ProposePlan(txn, outbox, case_id, bad, "bad",
                                                   Api("bad", 40));
              }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("plan.loan_terms[1].new_schedule.installments[0].number")));
  bad = plan;
  bad.mutable_loan_terms(0)->set_loan_id("someone-elses");
  EXPECT_THAT(
      Command([&](auto& txn, auto& outbox) {
        return bed_->manager().ProposePlan(txn, outbox, case_id, bad, "bad", Api("bad", 40));
      }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("plan.loan_terms[0].loan_id")));

  ASSERT_OK_AND_ASSIGN(v1::RepaymentPlan proposed, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().ProposePlan(txn, outbox, case_id, plan, "offer-1",
                                                            Api("offer-1", 40));
                       }));
  EXPECT_EQ(proposed.state(), v1::RepaymentPlan::STATE_PROPOSED);
  EXPECT_EQ(proposed.name(), absl::StrCat("cases/", case_id, "/plans/", proposed.plan_id()));
  ASSERT_OK_AND_ASSIGN(v1::RepaymentPlan again, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().ProposePlan(txn, outbox, case_id, plan, "offer-1",
                                                            Api("offer-1b", 40));
                       }));
  EXPECT_EQ(again.plan_id(), proposed.plan_id());
  EXPECT_TRUE(OpenCase().kase.hardship());
  EXPECT_THAT(bed_->PlanEvents(), IsEmpty());

  ASSERT_OK_AND_ASSIGN(v1::RepaymentPlan accepted, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().AcceptPlan(txn, outbox, case_id, proposed.plan_id(),
                                                           "col-1", Api("accept", 41));
                       }));
  EXPECT_EQ(accepted.state(), v1::RepaymentPlan::STATE_ACCEPTED);
  const std::vector<v1::RepaymentPlanEvent> agreed = bed_->PlanEvents();
  ASSERT_THAT(agreed, SizeIs(2));
  EXPECT_EQ(agreed[0].loan_id(), loan_);
  EXPECT_TRUE(agreed[0].plan_agreed().terms().has_deferral());
  EXPECT_EQ(agreed[1].loan_id(), customer_ + "-loan2");
  EXPECT_EQ(bed_->published().back().key, customer_ + "-loan2");
  EXPECT_EQ(bed_->published().back().topic, "arrears.strategy.plan-events.v1");
  // The case follows the plan: a hardship hold to the first new due date
  // plus grace, and no collection contact meanwhile.
  const CaseRecord record = OpenCase();
  ASSERT_THAT(record.kase.holds(), SizeIs(1));
  EXPECT_EQ(record.kase.holds()[0].type, v1::HOLD_TYPE_HARDSHIP);
  EXPECT_EQ(record.kase.holds()[0].until, Day(53));
  EXPECT_EQ(record.kase.holds()[0].source_ref, proposed.plan_id());
  NewRequests();
  for (int d = 42; d <= 53; ++d) Clock(d);
  EXPECT_THAT(NewRequests(), IsEmpty());
  // Accepting twice returns the plan and publishes nothing new.
  ASSERT_OK(Command([&](auto& txn, auto& outbox) {
              return bed_->manager().AcceptPlan(txn, outbox, case_id, proposed.plan_id(), "col-1",
                                                Api("accept-2", 53));
            }).status());
  EXPECT_THAT(bed_->PlanEvents(), SizeIs(2));
}

TEST_F(CaseManagerTest, CommandsValidateAndAreIdempotent) {
  Start(5);
  const std::string case_id = OpenCase().kase.case_id();
  EXPECT_THAT(Command([&](auto& txn, auto& outbox) {
                return bed_->manager().RecordPromise(
                    txn, outbox, case_id,
                    PromiseInput{.amount = Cny(100), .promised_date = Day(2), .recorded_by = "c"},
                    Api("past", 5));
              }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise.promised_date")));
  EXPECT_THAT(Command([&](auto& txn, auto& outbox) {
                return bed_->manager().RecordPromise(
                    txn, outbox, case_id,
                    PromiseInput{.amount = Cny(0), .promised_date = Day(8), .recorded_by = "c"},
                    Api("zero", 5));
              }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise.amount")));
  EXPECT_THAT(Command([&](auto& txn, auto& outbox) {
                return bed_->manager().AssignCase(txn, outbox, "nope", {}, Api("a", 5));
              }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("name")));
  HoldInput hold{.type = v1::HOLD_TYPE_CEASE_LETTER,
                 .set_by = "agent-1",
                 .reason = "LETTER",
                 .until = Day(30),
                 .idempotency_key = "h-1"};
  ASSERT_OK_AND_ASSIGN(v1::Hold placed, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().PlaceHold(txn, outbox, case_id, hold,
                                                          Api("h-1", 5));
                       }));
  ASSERT_OK_AND_ASSIGN(v1::Hold replayed, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().PlaceHold(txn, outbox, case_id, hold,
                                                          Api("h-1-retry", 5));
                       }));
  EXPECT_EQ(placed.hold_id(), replayed.hold_id());
  EXPECT_THAT(OpenCase().kase.holds(), SizeIs(1));
  EXPECT_EQ(placed.set_by(), "agent-1");
  EXPECT_EQ(placed.until_date().day(), Day(30).day());
  ASSERT_OK_AND_ASSIGN(v1::Case assigned, Command([&](auto& txn, auto& outbox) {
                         return bed_->manager().AssignCase(
                             txn, outbox, case_id,
                             CaseAssignment{.collector_id = "col-9", .assigned_by = "lead"},
                             Api("assign", 5));
                       }));
  EXPECT_EQ(assigned.assignment().collector_id(), "col-9");
  EXPECT_EQ(bed_->CaseEvents().back().event_case(), v1::CaseEvent::kCaseAssigned);
}

TEST_F(CaseManagerTest, RedeliveredEventsEmitNothingTwice) {
  Start(1);
  const events::InboundEvent first =
      DelinquencyInbound(LoanEvent(loan_, 1, Day(1), 1, 100'000, customer_));
  Clock(3);
  const size_t published = bed_->published().size();
  // Without the consumer's dedupe: the domain alone must not repeat itself.
  ASSERT_OK(bed_->Deliver(first, /*dedupe=*/false));
  ASSERT_OK(bed_->Deliver(DelinquencyInbound(DueSoonEvent("clock", 1, Day(3))), false));
  EXPECT_EQ(bed_->published().size(), published);
}

TEST_F(CaseManagerTest, BadEventsAreInvalidArgumentNamingTheField) {
  events::InboundEvent garbage = DelinquencyInbound(LoanEvent("loan-x", 1, Day(1), 1, 5));
  garbage.event.payload = "\xff\xff";
  EXPECT_THAT(bed_->Deliver(garbage),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload")));
  events::InboundEvent wrong_key = DelinquencyInbound(LoanEvent("loan-x", 1, Day(1), 1, 5));
  wrong_key.event.key = "loan-y";
  EXPECT_THAT(bed_->Deliver(wrong_key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loan_id")));
  delinquency::v1::DelinquencyEvent no_zone = LoanEvent("loan-x", 1, Day(1), 1, 5);
  no_zone.mutable_snapshot()->set_time_zone("Nowhere/Land");
  EXPECT_THAT(bed_->Deliver(DelinquencyInbound(no_zone)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("snapshot.time_zone")));
  contact::v1::ContactEvent no_outcome =
      testing::Outcome(contact::v1::CONTACT_OUTCOME_UNSPECIFIED, Day(1));
  EXPECT_THAT(bed_->Deliver(ContactInbound(no_outcome)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outcome")));
  // Nothing of the failed events was kept.
  EXPECT_THAT(bed_->published(), IsEmpty());
}

TEST_F(CaseManagerTest, ReportCountsCuresPerVariant) {
  Start(3, 10'000);
  Loan(0, 0);
  absl::StatusOr<v1::StrategyReport> report = Command([&](auto& txn, auto&) {
    return bed_->manager().Report(txn, "default-retail", kDueDate, Day(30), absl::UnixEpoch());
  });
  ASSERT_OK(report.status());
  ASSERT_THAT(report->variants(), SizeIs(1));
  const v1::VariantOutcome& row = report->variants(0);
  EXPECT_EQ(row.variant_id(), "champion");
  EXPECT_TRUE(row.champion());
  EXPECT_EQ(row.case_count(), 1);
  EXPECT_EQ(row.cured_count(), 1);
  EXPECT_EQ(row.cure_rate_ppm(), 1'000'000);
  EXPECT_EQ(row.contact_count(), 1);
  EXPECT_EQ(row.amount_recovered(0).amount_minor(), 10'000);
}

}  // namespace
}  // namespace arrears::strategy
