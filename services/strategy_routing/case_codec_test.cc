#include "services/strategy_routing/case_codec.h"

#include <string>

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/testing/scripted_case.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Outcome;
using ::arrears::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

constexpr absl::CivilDay kDay(2026, 3, 20);

money::Money Cny(int64_t minor) {
  return money::Money::FromMinor(minor, money::Currency::Of("CNY"));
}

// A case with something in every part the codec carries.
CaseRecord RichCase() {
  absl::StatusOr<CollectionCase> opened =
      CollectionCase::Open("case-1", LoanEvent("loan-a", 3, kDay, 10, 120'000));
  EXPECT_TRUE(opened.ok()) << opened.status();
  CollectionCase c = std::move(opened).value();
  EXPECT_OK(c.OnDelinquency(LoanEvent("loan-b", 1, kDay + 1, 40, 30'000)));
  EXPECT_OK(c.OnDelinquency(LoanEvent("loan-a", 4, kDay + 2, 12, 100'000)));  // 20,000 repaid
  EXPECT_OK(c.RecordPromise("p-1", Cny(5'000), kDay + 4, "collector-1"));
  EXPECT_TRUE(c.EvaluatePromise(kDay + 10));
  EXPECT_OK(c.RecordPromise("p-2", Cny(7'000), kDay + 14, "collector-1"));
  EXPECT_OK(c.PlaceHold(Hold{.hold_id = "h-1",
                             .type = v1::HOLD_TYPE_COMPLAINT,
                             .set_by = "compliance",
                             .reason = "CALL_FREQUENCY",
                             .start = kDay + 2,
                             .until = kDay + 9,
                             .source_ref = "cmp-7"}));
  EXPECT_OK(c.PlaceHold(Hold{.hold_id = "h-2", .type = v1::HOLD_TYPE_DISPUTE, .start = kDay}));
  EXPECT_OK(c.LiftHold("h-2", "agent-3"));
  c.Assign(CaseAssignment{.collector_id = "col-1",
                          .team_id = "team-1",
                          .queue_id = "q-1",
                          .assigned_by = "lead-1",
                          .assign_time = absl::FromUnixSeconds(1'774'000'000)});
  c.SetStrategy("default-retail", 2, "early-call");
  c.EnterSegment("severe-contactable", kDay + 1);
  c.RecordTreatment(Treatment{.request_id = "r-1",
                              .segment = "severe-contactable",
                              .step = "m2-call",
                              .step_index = 0,
                              .strategy_version = 2,
                              .channel = common::v1::CHANNEL_VOICE_CALL,
                              .requested_on = kDay + 1});
  EXPECT_OK(c.OnContactOutcome(Outcome(contact::v1::CONTACT_OUTCOME_REFUSED, kDay + 1, "r-1")));
  c.SetHardship(true);
  c.set_prior_complaint_count(2);
  c.SetSelfCurePermille(123);
  c.AdvanceBusinessDate(kDay + 3);

  CaseRecord record(std::move(c));
  v1::RepaymentPlan plan;
  plan.set_plan_id("plan-1");
  plan.set_state(v1::RepaymentPlan::STATE_PROPOSED);
  plan.add_loan_terms()->set_loan_id("loan-a");
  record.plans.push_back(plan);
  v1::AgencyPlacement placement;
  placement.set_placement_id("pl-1");
  placement.set_agency_id("agency-a");
  record.agency_placement = placement;
  v1::LegalReferral referral;
  referral.set_referral_id("ref-1");
  record.legal_referral = referral;
  v1::FieldVisitOrder visit;
  visit.set_field_visit_id("fv-1");
  visit.add_staff_ids("fs-1");
  record.pending_field_visits.push_back(visit);
  record.field_visit_count = 1;
  record.next_decision_date = kDay + 7;
  record.score = CaseScore{.scorecard = "retail-selfcure-v1",
                           .self_cure_ppm = 123'000,
                           .expected_recovery_minor = 110'000,
                           .score_time = absl::FromUnixSeconds(1'774'100'000)};
  record.priority = 110'000;
  record.version = 5;
  record.open_time = absl::FromUnixSeconds(1'773'900'000);
  record.update_time = absl::FromUnixSeconds(1'774'200'000);
  return record;
}

TEST(CaseCodecTest, RoundTripKeepsEveryField) {
  const CaseRecord record = RichCase();
  const v1::Case proto = CaseCodec::ToProto(record);
  ASSERT_OK_AND_ASSIGN(CaseRecord back, CaseCodec::FromProto(proto, CasePolicy{}));
  const v1::Case again = CaseCodec::ToProto(back);
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(proto, again)) << diff;

  // Spot checks of what the decision engine reads.
  const CollectionCase& c = back.kase;
  EXPECT_EQ(c.max_dpd(), 42);  // loan-b: 40 on kDay+1, projected to kDay+3
  EXPECT_EQ(c.total_overdue().minor_units(), 130'000);
  EXPECT_EQ(c.amount_recovered().minor_units(), 20'000);
  EXPECT_EQ(c.broken_promise_count(), 1);
  ASSERT_TRUE(c.open_promise().has_value());
  EXPECT_EQ(c.open_promise()->promise_id, "p-2");
  EXPECT_EQ(c.holds().size(), 1u);
  EXPECT_EQ(c.holds()[0].until, kDay + 9);
  EXPECT_EQ(c.lifted_holds().at(0).lifted_by, "agent-3");
  EXPECT_TRUE(c.refusing());
  EXPECT_TRUE(c.hardship());
  EXPECT_EQ(c.self_cure_permille(), 123);
  EXPECT_EQ(c.strategy().segment_entered_on, kDay + 1);
  EXPECT_EQ(c.treatments().at(0).outcome, contact::v1::CONTACT_OUTCOME_REFUSED);
  EXPECT_EQ(c.contact_attempt_count(), 1);
  EXPECT_EQ(back.next_decision_date, kDay + 7);
  EXPECT_EQ(proto.name(), "cases/case-1");
  EXPECT_EQ(proto.max_bucket().code(), "M2");
  EXPECT_EQ(proto.open_promise().amount_paid().amount_minor(), 0);
}

TEST(CaseCodecTest, MinimalCaseFromCallerFallsBackToLoanSnapshots) {
  v1::Case proto;
  proto.set_case_id("sim-1");
  proto.set_customer_id("cust-9");
  v1::CaseLoan* loan = proto.add_loans();
  *loan->mutable_snapshot() = LoanEvent("loan-1", 1, kDay, 5, 9'000, "cust-9").snapshot();
  ASSERT_OK_AND_ASSIGN(CaseRecord record, CaseCodec::FromProto(proto, CasePolicy{}));
  EXPECT_EQ(record.kase.business_date(), kDay);
  EXPECT_EQ(record.kase.opened_on(), kDay);
  EXPECT_EQ(record.kase.max_dpd(), 5);
  EXPECT_EQ(record.kase.contactability(), v1::CONTACTABILITY_UNKNOWN);
}

TEST(CaseCodecTest, FromProtoNamesTheBadField) {
  v1::Case proto;
  EXPECT_THAT(CaseCodec::FromProto(proto, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("case_id")));
  proto.set_case_id("c");
  proto.set_customer_id("x");
  EXPECT_THAT(CaseCodec::FromProto(proto, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loans")));
  *proto.add_loans()->mutable_snapshot() = LoanEvent("loan-1", 1, kDay, 5, 9'000, "x").snapshot();
  proto.mutable_loans(0)->mutable_snapshot()->mutable_business_date()->set_month(13);
  EXPECT_THAT(
      CaseCodec::FromProto(proto, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loans[0].snapshot.business_date")));
  proto.mutable_loans(0)->mutable_snapshot()->mutable_business_date()->set_month(3);
  proto.set_time_zone("Mars/Olympus");
  EXPECT_THAT(CaseCodec::FromProto(proto, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time_zone")));
}

TEST(CaseCodecTest, HoldUntilTimeMeansEndInstant) {
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(testing::kZone, &zone));
  v1::Hold proto;
  proto.set_hold_id("h");
  proto.set_type(v1::HOLD_TYPE_CEASE_LETTER);
  *proto.mutable_start_time() =
      ToTimestamp(absl::FromCivil(absl::CivilSecond(2026, 3, 1, 10), zone));
  // Ends at midnight starting 2026-03-05: last day in force is the 4th.
  *proto.mutable_until_time() = ToTimestamp(absl::FromCivil(absl::CivilSecond(2026, 3, 5), zone));
  ASSERT_OK_AND_ASSIGN(Hold hold, CaseCodec::HoldFromProto(proto, zone, "hold"));
  EXPECT_EQ(hold.start, absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(hold.until, absl::CivilDay(2026, 3, 4));
  EXPECT_TRUE(hold.ActiveOn(absl::CivilDay(2026, 3, 4)));
  EXPECT_FALSE(hold.ActiveOn(absl::CivilDay(2026, 3, 5)));
  proto.clear_type();
  EXPECT_THAT(CaseCodec::HoldFromProto(proto, zone, "hold"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hold.type")));
}

TEST(CollectionCaseTest, DpdRunsOnBetweenEventsAndSnapshotsResetIt) {
  ASSERT_OK_AND_ASSIGN(CollectionCase c,
                       CollectionCase::Open("case-1", LoanEvent("loan-a", 1, kDay, 1, 5'000)));
  EXPECT_EQ(c.max_dpd(), 1);
  EXPECT_TRUE(c.AdvanceBusinessDate(kDay + 6));
  EXPECT_EQ(c.max_dpd(), 7);
  EXPECT_FALSE(c.AdvanceBusinessDate(kDay + 2));  // never back
  EXPECT_EQ(c.max_dpd(), 7);
  // A corrected snapshot (DPD 3 on kDay+6: a back-dated payment) wins.
  ASSERT_OK(c.OnDelinquency(LoanEvent("loan-a", 2, kDay + 6, 3, 5'000)));
  EXPECT_EQ(c.max_dpd(), 3);
  c.AdvanceBusinessDate(kDay + 8);
  EXPECT_EQ(c.max_dpd(), 5);
}

}  // namespace
}  // namespace arrears::strategy
