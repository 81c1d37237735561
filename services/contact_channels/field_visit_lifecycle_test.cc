#include "services/contact_channels/field_visit_lifecycle.h"

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/case_cancellation.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'767'225'600);

ContactRecord VisitRecord(int staff) {
  ContactRecord record;
  record.attempt_id = "attempt-1";
  record.request.set_request_id("req-1");
  record.request.set_customer_id("c1");
  strategy::v1::ContactInstruction* contact = record.request.mutable_contact();
  contact->set_channel(common::v1::CHANNEL_FIELD_VISIT);
  contact->add_loan_ids("loan-1");
  strategy::v1::FieldVisitOrder* order = contact->mutable_field_visit();
  order->set_field_visit_id("fv-1");
  order->set_address_contact_point_id("addr-1");
  for (int i = 1; i <= staff; ++i) order->add_staff_ids("staff-" + std::to_string(i));
  record.contact_point.set_contact_point_id("addr-1");
  record.contact_point.set_masked_value("北京市***");
  record.sending_decision.set_decision_id("d-1");
  return record;
}

TEST(FieldVisitLifecycleTest, PlannedAssignedCheckedInCompleted) {
  const ContactRecord record = VisitRecord(2);
  EXPECT_EQ(FieldVisitIdOf(record), "fv-1");
  v1::FieldVisit visit = PlanFieldVisit(record, kNow);
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_PLANNED);
  EXPECT_EQ(visit.name(), "fieldVisits/fv-1");
  MarkFieldVisitDispatched(visit, record, kNow);
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_ASSIGNED);
  EXPECT_EQ(visit.decision_id(), "d-1");
  EXPECT_EQ(visit.address().masked_value(), "北京市***");

  v1::CheckInFieldVisitRequest check_in;
  check_in.add_staff_ids("staff-1");
  check_in.add_staff_ids("staff-2");
  check_in.set_recording_on(true);
  check_in.mutable_location()->set_latitude_e7(399042000);
  check_in.mutable_location()->set_longitude_e7(1164074000);
  ASSERT_OK(CheckInFieldVisit(visit, check_in, kNow));
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_CHECKED_IN);
  EXPECT_THAT(visit.checked_in_staff_ids(), ElementsAre("staff-1", "staff-2"));
  EXPECT_EQ(FromTimestamp(visit.check_in_time()), kNow);
  EXPECT_THAT(CheckInFieldVisit(visit, check_in, kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ASSIGNED")));
  v1::FieldVisit again = PlanFieldVisit(record, kNow);
  MarkFieldVisitDispatched(again, record, kNow);
  ASSERT_OK(CheckInFieldVisit(again, check_in, kNow));
  v1::CompleteFieldVisitRequest complete;
  complete.set_outcome(v1::CONTACT_OUTCOME_NOT_FOUND);
  complete.set_premises_entered(true);
  EXPECT_THAT(CompleteFieldVisit(again, complete, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("premises_entry_consented")));
  complete.set_premises_entered(false);
  complete.set_notes("nobody home");
  ASSERT_OK(CompleteFieldVisit(again, complete, kNow + absl::Minutes(30)));
  EXPECT_EQ(again.state(), v1::FieldVisit::STATE_COMPLETED);
  EXPECT_EQ(again.outcome(), v1::CONTACT_OUTCOME_NOT_FOUND);
  EXPECT_FALSE(CancelFieldVisit(again, "CURED", kNow));
}

TEST(FieldVisitLifecycleTest, FewerThanTwoStaffStayPlanned) {
  const ContactRecord record = VisitRecord(1);
  v1::FieldVisit visit = PlanFieldVisit(record, kNow);
  MarkFieldVisitDispatched(visit, record, kNow);
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_PLANNED);
  EXPECT_TRUE(CancelFieldVisit(visit, "HOLD", kNow));
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_CANCELLED);
  EXPECT_EQ(visit.outcome_reason(), "HOLD");
  EXPECT_FALSE(CancelFieldVisit(visit, "CURED", kNow));
}

TEST(FieldVisitLifecycleTest, OutcomesAndPromisesAreValidated) {
  v1::FieldVisit visit = PlanFieldVisit(VisitRecord(2), kNow);
  v1::CompleteFieldVisitRequest complete;
  complete.set_outcome(v1::CONTACT_OUTCOME_SENT);
  EXPECT_THAT(CompleteFieldVisit(visit, complete, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outcome")));
  complete.set_outcome(v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_THAT(CompleteFieldVisit(visit, complete, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise_to_pay")));
  v1::PromiseToPay promise;
  promise.mutable_amount()->set_currency_code("XXX");
  promise.mutable_amount()->set_amount_minor(100);
  EXPECT_THAT(ValidatePromiseToPay(promise, "promise_to_pay"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise_to_pay.amount")));
  promise.mutable_amount()->set_currency_code("CNY");
  EXPECT_THAT(ValidatePromiseToPay(promise, "promise_to_pay"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promised_date")));
  *promise.mutable_promised_date() = ToProto(absl::CivilDay(2026, 2, 1));
  EXPECT_OK(ValidatePromiseToPay(promise, "promise_to_pay"));
}

TEST(CaseCancellationTest, CuresHoldsAndClosuresCancelOthersDoNot) {
  strategy::v1::CaseEvent closed;
  closed.mutable_case_closed()->set_reason("ALL_CURED");
  std::optional<strategy::v1::CancelPendingContacts> cancel = CancellationForCaseEvent(closed);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->reason(), strategy::v1::CancelPendingContacts::REASON_CURED);
  EXPECT_THAT(cancel->keep_purposes(), ElementsAre(common::v1::CONTACT_PURPOSE_SERVICE_NOTICE));

  strategy::v1::CaseEvent hold;
  hold.mutable_hold_placed()->mutable_hold()->set_hold_id("h1");
  hold.mutable_hold_placed()->mutable_hold()->add_loan_ids("loan-2");
  cancel = CancellationForCaseEvent(hold);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->reason(), strategy::v1::CancelPendingContacts::REASON_HOLD_PLACED);
  EXPECT_THAT(cancel->loan_ids(), ElementsAre("loan-2"));
  EXPECT_EQ(cancel->hold_id(), "h1");

  strategy::v1::CaseEvent loan_cured;
  loan_cured.mutable_case_updated()->add_reasons(strategy::v1::CaseUpdated::REASON_LOAN_CURED);
  strategy::v1::CaseLoan* cured = loan_cured.mutable_case_snapshot()->add_loans();
  cured->set_loan_id("loan-1");
  cured->mutable_snapshot()->set_state(delinquency::v1::DELINQUENCY_STATE_CURRENT);
  strategy::v1::CaseLoan* still = loan_cured.mutable_case_snapshot()->add_loans();
  still->set_loan_id("loan-2");
  still->mutable_snapshot()->set_state(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
  cancel = CancellationForCaseEvent(loan_cured);
  ASSERT_TRUE(cancel.has_value());
  EXPECT_THAT(cancel->loan_ids(), ElementsAre("loan-1"));

  strategy::v1::CaseEvent opened;
  opened.mutable_case_opened()->set_loan_id("loan-1");
  EXPECT_FALSE(CancellationForCaseEvent(opened).has_value());
  strategy::v1::CaseEvent rescored;
  rescored.mutable_case_updated()->add_reasons(strategy::v1::CaseUpdated::REASON_RESCORED);
  EXPECT_FALSE(CancellationForCaseEvent(rescored).has_value());
}

}  // namespace
}  // namespace arrears::contact
