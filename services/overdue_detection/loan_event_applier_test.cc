// The consumer path of the service: loan events through the exactly-once
// processor, the applier and the book into the store and the outbox.
#include "services/overdue_detection/loan_event_applier.h"

#include <set>
#include <string>
#include <vector>

#include "common/ids/id_generator.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/testing/book_fixture.h"
#include "services/overdue_detection/testing/loan_events.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

std::vector<dv1::DelinquencyEventKind> Kinds(
    const std::vector<std::pair<std::string, dv1::DelinquencyEvent>>& events) {
  std::vector<dv1::DelinquencyEventKind> kinds;
  for (const auto& [id, e] : events) kinds.push_back(e.kind());
  return kinds;
}

const std::string* Header(const events::Headers& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

TEST(LoanEventApplierTest, ARepaymentCuresAtOnceThroughTheOutbox) {
  BookFixture f(D(2024, 1, 15));
  ASSERT_OK(f.Deliver(Opened("A", "STRICT", D(2024, 1, 15), Monthly(D(2024, 2, 1), 3, 300000, 0)),
                      "open-A"));
  EXPECT_THAT(f.TakeOutbox(), IsEmpty()) << "current at opening";
  ASSERT_OK_AND_ASSIGN(CloseSummary closed, f.book().CloseBusinessDay(D(2024, 2, 2)));
  EXPECT_EQ(closed.events_emitted, 3);
  EXPECT_THAT(Kinds(f.TakeOutbox()), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                                 dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                                 dv1::DELINQUENCY_EVENT_KIND_STARTED));

  const events::InboundEvent pay = Inbound(Repayment("A", "R1", 100100, D(2024, 2, 2)), "pay-1", 7);
  ASSERT_THAT(f.Deliver({pay}), ElementsAre(IsOk()));
  const auto cured = f.TakeOutbox();
  ASSERT_THAT(Kinds(cured), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CURED));
  EXPECT_EQ(cured[0].first, ids::DeriveTimeOrderedId("pay-1", "DELINQUENCY_EVENT_KIND_CURED",
                                                     pay.event.envelope.time));
  EXPECT_EQ(cured[0].second.cause_event_id(), "pay-1");
  ASSERT_OK_AND_ASSIGN(LoanView view, f.book().GetLoan("A"));
  EXPECT_EQ(view.snapshot.state(), dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(view.event_sequence, 4);
}

TEST(LoanEventApplierTest, MalformedEventsAreRejectedNamingTheField) {
  BookFixture f(D(2024, 1, 15));
  std::vector<events::InboundEvent> batch;
  batch.push_back(
      Inbound(Opened("B", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000)),
              "open-B", 1));
  events::InboundEvent garbage = Inbound(Repayment("B", "R0", 100, D(2024, 1, 20)), "garbage", 2);
  garbage.event.payload = "\xff\xff\xff";
  batch.push_back(garbage);
  events::InboundEvent wrong_key = Inbound(Repayment("B", "R0", 100, D(2024, 1, 20)), "key", 3);
  wrong_key.event.key = "OTHER";
  batch.push_back(wrong_key);
  events::InboundEvent wrong_type = Inbound(Repayment("B", "R0", 100, D(2024, 1, 20)), "type", 4);
  wrong_type.event.envelope.type = "arrears.customer.v1.CustomerEvent";
  batch.push_back(wrong_type);
  batch.push_back(Inbound(Repayment("B", "R1", -5, D(2024, 1, 20)), "negative", 5));
  loan::v1::LoanEvent usd = Repayment("B", "R2", 100, D(2024, 1, 20));
  *usd.mutable_repayment_posted()->mutable_amount() = Minor(100, "USD");
  batch.push_back(Inbound(usd, "usd", 6));
  batch.push_back(
      Inbound(Opened("E", "CAR_LOAN", D(2024, 1, 15),
                     {Inst(1, D(2024, 2, 15), 100, 0), Inst(1, D(2024, 3, 15), 100, 0)}),
              "twice", 7));
  batch.push_back(Inbound(Repayment("B", "R3", 1000, D(2024, 1, 15)), "good", 8));
  const std::vector<absl::Status> statuses = f.Deliver(batch);
  ASSERT_EQ(statuses.size(), batch.size());
  EXPECT_OK(statuses[0]);
  EXPECT_THAT(statuses[1], StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload")));
  EXPECT_THAT(statuses[2], StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("loan_id: \"B\" differs from the record key")));
  EXPECT_THAT(statuses[3], StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_type")));
  EXPECT_THAT(statuses[4],
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.amount.amount_minor: must be positive")));
  EXPECT_THAT(
      statuses[5],
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("repayment_posted.amount.currency_code: loan is in CNY, got USD")));
  EXPECT_THAT(statuses[6], StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("loan_opened.installments[1].number: duplicate")));
  EXPECT_OK(statuses[7]);
  ASSERT_OK_AND_ASSIGN(LoanView view, f.book().GetLoan("B"));
  EXPECT_EQ(view.snapshot.credit_balance().amount_minor(), 1000) << "R3 applied once, alone";
  EXPECT_THAT(f.book().GetLoan("E"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(LoanEventApplierTest, EventsForALoanNotYetOpenedWaitForIt) {
  BookFixture f(D(2024, 2, 5));
  ASSERT_OK(f.Deliver(Repayment("C", "R1", 100000, D(2024, 2, 1)), "early-pay"));
  ASSERT_OK(f.Deliver(Reversal("C", "V2", "R2"), "early-reversal"));
  ASSERT_OK_AND_ASSIGN(auto counts, f.book().CountParkedEvents());
  EXPECT_EQ(counts.parked, 2);
  EXPECT_THAT(f.TakeOutbox(), IsEmpty());

  // The opening finds the loan already late; the parked repayment (valued on
  // the due date) then corrects that. The reversal still waits for R2.
  ASSERT_OK(f.Deliver(Opened("C", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)),
                      "open-C"));
  EXPECT_THAT(Kinds(f.TakeOutbox()), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_STARTED,
                                                 dv1::DELINQUENCY_EVENT_KIND_CORRECTED));
  ASSERT_OK_AND_ASSIGN(counts, f.book().CountParkedEvents());
  EXPECT_EQ(counts.parked, 1);

  // R2 arrives: it and then its reversal apply.
  ASSERT_OK(f.Deliver(Repayment("C", "R2", 500, D(2024, 2, 5)), "pay-2"));
  ASSERT_OK_AND_ASSIGN(counts, f.book().CountParkedEvents());
  EXPECT_EQ(counts.parked, 0);
  ASSERT_OK_AND_ASSIGN(LoanView view, f.book().GetLoan("C"));
  EXPECT_EQ(view.snapshot.state(), dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(view.snapshot.credit_balance().amount_minor(), 0) << "R2 reversed";
}

TEST(LoanEventApplierTest, ParkedEventsGoToTheDeadLetterTopicAfterTheirTime) {
  BookFixture f(D(2024, 2, 5));
  RecordingDeadLetterSink sink;
  const events::InboundEvent orphan =
      Inbound(Repayment("Z", "R1", 100, D(2024, 2, 1)), "orphan", 41);
  ASSERT_THAT(f.Deliver({orphan}), ElementsAre(IsOk()));
  ASSERT_OK_AND_ASSIGN(SweepResult swept, f.book().SweepParkedEvents(absl::Hours(1), sink));
  EXPECT_EQ(swept.expired, 0);
  EXPECT_THAT(sink.sent(), IsEmpty());

  f.clock().Advance(absl::Hours(2));
  sink.FailWith(absl::UnavailableError("broker down"));
  EXPECT_THAT(f.book().SweepParkedEvents(absl::Hours(1), sink),
              StatusIs(absl::StatusCode::kUnavailable));
  sink.FailWith(absl::OkStatus());
  ASSERT_OK_AND_ASSIGN(swept, f.book().SweepParkedEvents(absl::Hours(1), sink));
  EXPECT_EQ(swept.expired, 0) << "expired by the failed sweep already";
  EXPECT_EQ(swept.dead_lettered, 1);
  const std::vector<DeadLetter> sent = sink.sent();
  ASSERT_EQ(sent.size(), 1u);
  const DeadLetter& letter = sent[0];
  EXPECT_EQ(letter.event.event, orphan.event) << "key, envelope and payload as consumed";
  EXPECT_EQ(letter.event.position, orphan.position);
  EXPECT_THAT(letter.reason, StatusIs(absl::StatusCode::kFailedPrecondition,
                                      HasSubstr("loan_id: loan Z is not open")));
  EXPECT_THAT(letter.reason.message(), HasSubstr("still not applicable after 1h"));

  const events::Headers headers = DeadLetterHeaders(letter, "overdue-detection", f.clock().Now());
  EXPECT_THAT(Header(headers, "ce_id"), ::testing::Pointee(std::string("orphan")));
  EXPECT_THAT(Header(headers, "dlq_status_code"),
              ::testing::Pointee(std::string("FAILED_PRECONDITION")));
  EXPECT_THAT(Header(headers, "dlq_original_topic"),
              ::testing::Pointee(std::string("arrears.loan.events.v1")));
  EXPECT_THAT(Header(headers, "dlq_original_offset"), ::testing::Pointee(std::string("41")));
  EXPECT_THAT(Header(headers, "dlq_consumer_group"),
              ::testing::Pointee(std::string("overdue-detection")));
  EXPECT_NE(Header(headers, "dlq_reason"), nullptr);
  EXPECT_NE(Header(headers, "dlq_failed_at"), nullptr);
  ASSERT_OK_AND_ASSIGN(auto counts, f.book().CountParkedEvents());
  EXPECT_EQ(counts.parked + counts.dead, 0);
}

TEST(LoanEventApplierTest, AParkedEventInvalidForItsLoanIsDeadLettered) {
  BookFixture f(D(2024, 2, 5));
  loan::v1::LoanEvent usd = Repayment("U", "R1", 100, D(2024, 2, 1));
  *usd.mutable_repayment_posted()->mutable_amount() = Minor(100, "USD");
  ASSERT_OK(f.Deliver(usd, "usd-pay"));
  ASSERT_OK(f.Deliver(Opened("U", "STRICT", D(2024, 1, 1), Monthly(D(2024, 3, 1), 3, 300000, 0)),
                      "open-U"));
  RecordingDeadLetterSink sink;
  ASSERT_OK_AND_ASSIGN(SweepResult swept, f.book().SweepParkedEvents(absl::Hours(24), sink));
  EXPECT_EQ(swept.dead_lettered, 1);
  ASSERT_EQ(sink.sent().size(), 1u);
  EXPECT_THAT(sink.sent()[0].reason,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loan is in CNY, got USD")));
  EXPECT_EQ(sink.sent()[0].attempts, 1);
}

TEST(LoanEventApplierTest, RedeliveriesAndRedoneBatchesHaveNoDuplicateEffects) {
  BookFixture f(D(2024, 3, 5));
  std::vector<events::InboundEvent> batch = {
      Inbound(Opened("D", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)), "d-open",
              1),
      Inbound(Repayment("D", "R1", 60000, D(2024, 2, 10)), "d-pay-1", 2),
      Inbound(Repayment("D", "R-1", -1, D(2024, 2, 10)), "d-bad", 3),
      Inbound(Repayment("D", "R2", 70000, D(2024, 3, 4)), "d-pay-2", 4)};
  EXPECT_THAT(f.Deliver(batch),
              ElementsAre(IsOk(), IsOk(), StatusIs(absl::StatusCode::kInvalidArgument), IsOk()));
  const auto first = f.TakeOutbox();
  // Delivered again, as after a crash before the offsets were committed.
  EXPECT_THAT(f.Deliver(batch),
              ElementsAre(IsOk(), IsOk(), StatusIs(absl::StatusCode::kInvalidArgument), IsOk()));
  EXPECT_THAT(f.TakeOutbox(), IsEmpty());

  // The same facts through a bare engine.
  InMemoryLoanStore memory;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto engine,
                       DelinquencyEngine::Create({f.products(), &memory, &clock, D(2024, 3, 5)}));
  std::vector<std::string> expected_ids;
  for (int i : {0, 1, 3}) {
    loan::v1::LoanEvent event;
    ASSERT_TRUE(event.ParseFromString(batch[i].event.payload));
    ASSERT_OK_AND_ASSIGN(auto emitted, engine->Apply(event, batch[i].event.envelope.id,
                                                     batch[i].event.envelope.time));
    for (const EmittedEvent& e : emitted) expected_ids.push_back(e.event_id);
  }
  std::vector<std::string> ids;
  for (const auto& [id, e] : first) ids.push_back(id);
  EXPECT_EQ(ids, expected_ids);
  ASSERT_OK_AND_ASSIGN(auto want, engine->GetSnapshot("D"));
  ASSERT_OK_AND_ASSIGN(LoanView got, f.book().GetLoan("D"));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got.snapshot, want))
      << got.snapshot.ShortDebugString() << "\n"
      << want.ShortDebugString();
}

TEST(LoanEventApplierTest, StateAndParkedEventsSurviveARestart) {
  BookFixture f(D(2024, 1, 15));
  ASSERT_OK(f.Deliver(Opened("A", "STRICT", D(2024, 1, 15), Monthly(D(2024, 2, 1), 3, 300000, 0)),
                      "open-A"));
  ASSERT_OK(f.Deliver(Repayment("P", "R1", 100, D(2024, 2, 1)), "parked"));
  ASSERT_OK(f.book().CloseBusinessDay(D(2024, 1, 31)).status());
  f.TakeOutbox();
  f.Open();  // a new process on the same file
  EXPECT_EQ(f.book().business_date(), D(2024, 1, 31));
  ASSERT_OK_AND_ASSIGN(auto counts, f.book().CountParkedEvents());
  EXPECT_EQ(counts.parked, 1);
  ASSERT_OK_AND_ASSIGN(CloseSummary closed, f.book().CloseBusinessDay(D(2024, 2, 2)));
  EXPECT_EQ(closed.loans_evaluated, 2) << "the calendar was rebuilt: Feb 1 notice, Feb 2 start";
  EXPECT_THAT(Kinds(f.TakeOutbox()), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                                 dv1::DELINQUENCY_EVENT_KIND_STARTED));
}

TEST(LoanEventApplierTest, ClosesMoveForwardAndSnapshotMonthEnds) {
  BookFixture f(D(2024, 1, 15));
  ASSERT_OK(f.Deliver(Opened("A", "STRICT", D(2024, 1, 1), Monthly(D(2024, 1, 10), 3, 300000, 0)),
                      "open-A"));
  ASSERT_OK_AND_ASSIGN(CloseSummary closed, f.book().CloseBusinessDay(D(2024, 3, 2)));
  EXPECT_FALSE(closed.already_closed);
  EXPECT_THAT(closed.month_end_snapshots, ElementsAre(D(2024, 1, 31), D(2024, 2, 29)));
  ASSERT_OK_AND_ASSIGN(closed, f.book().CloseBusinessDay(D(2024, 3, 2)));
  EXPECT_TRUE(closed.already_closed);
  EXPECT_EQ(closed.events_emitted, 0);
  EXPECT_THAT(f.book().CloseBusinessDay(D(2024, 3, 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("business_date: 2024-03-01 is before the current business date "
                                 "2024-03-02")));
}

}  // namespace
}  // namespace arrears::overdue
