#include "services/overdue_detection/delinquency_engine.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

// The loan events' ce_time: it only prefixes the derived event ids.
const absl::Time kSourceTime = absl::FromUnixSeconds(1'706'000'000);

std::vector<dv1::DelinquencyEventKind> Kinds(const std::vector<EmittedEvent>& events) {
  std::vector<dv1::DelinquencyEventKind> kinds;
  for (const EmittedEvent& e : events) {
    kinds.push_back(e.event.kind());
  }
  return kinds;
}

std::vector<dv1::ChangeReason> Reasons(const EmittedEvent& e) {
  std::vector<dv1::ChangeReason> reasons;
  for (int reason : e.event.change_reasons()) {
    reasons.push_back(static_cast<dv1::ChangeReason>(reason));
  }
  return reasons;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEngine(D(2024, 1, 15)); }

  void StartEngine(D initial_business_date) {
    absl::StatusOr<std::unique_ptr<DelinquencyEngine>> engine =
        DelinquencyEngine::Create({products_, &store_, &clock_, initial_business_date});
    ASSERT_OK(engine.status());
    engine_ = *std::move(engine);
  }

  std::vector<EmittedEvent> Apply(const loan::v1::LoanEvent& event) {
    absl::StatusOr<std::vector<EmittedEvent>> events =
        engine_->Apply(event, absl::StrCat("evt-", ++source_counter_), kSourceTime);
    EXPECT_OK(events.status());
    return events.ok() ? *events : std::vector<EmittedEvent>();
  }

  CloseResult Close(D day) {
    absl::StatusOr<CloseResult> result = engine_->CloseBusinessDay(day);
    EXPECT_OK(result.status());
    return result.ok() ? *result : CloseResult();
  }

  void OpenLoanA() {
    EXPECT_THAT(
        Apply(Opened("A", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000))),
        IsEmpty());
  }

  std::shared_ptr<const ProductCatalog> products_ =
      std::make_shared<const ProductCatalog>(TestCatalog());
  InMemoryLoanStore store_;
  FakeClock clock_;
  std::unique_ptr<DelinquencyEngine> engine_;
  int source_counter_ = 0;
};

TEST_F(EngineTest, MissedInstallmentFromNoticeToCure) {
  OpenLoanA();

  CloseResult day = Close(D(2024, 2, 8));
  ASSERT_THAT(Kinds(day.events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON));
  const dv1::DelinquencyEvent& notice = day.events[0].event;
  EXPECT_EQ(notice.installment_due_soon().installment_number(), 1);
  EXPECT_EQ(notice.installment_due_soon().days_until_due(), 7);
  EXPECT_EQ(notice.installment_due_soon().amount_due().amount_minor(), 105000);
  EXPECT_EQ(notice.snapshot().state(), dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(notice.loan_sequence(), 1);
  EXPECT_FALSE(notice.has_previous_bucket()) << "first event of the loan";
  EXPECT_EQ(notice.cause_event_id(), "close/2024-02-08");
  EXPECT_EQ(day.events[0].event_id,
            ids::DeriveTimeOrderedId("close:2024-02-08:A",
                                     "DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON:1",
                                     absl::FromCivil(D(2024, 2, 8), absl::UTCTimeZone())));
  EXPECT_EQ(day.loans_evaluated, 1);

  EXPECT_THAT(Kinds(Close(D(2024, 2, 18)).events),
              ElementsAre(dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                          dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON));

  day = Close(D(2024, 2, 19));
  ASSERT_THAT(Kinds(day.events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_STARTED));
  const dv1::DelinquencyEvent& started = day.events[0].event;
  EXPECT_EQ(started.snapshot().dpd(), 4);
  EXPECT_EQ(started.snapshot().bucket().code(), "M1");
  EXPECT_EQ(started.snapshot().regulatory_class(), dv1::REGULATORY_CLASS_SPECIAL_MENTION);
  EXPECT_EQ(started.snapshot().overdue_principal().amount_minor(), 100000);
  EXPECT_EQ(started.snapshot().overdue_interest().amount_minor(), 5000);
  EXPECT_EQ(started.snapshot().overdue_penalty().amount_minor(), 50);
  EXPECT_EQ(started.snapshot().total_overdue().amount_minor(), 105050);
  EXPECT_EQ(started.snapshot().total_outstanding().amount_minor(), 305050);
  EXPECT_EQ(started.snapshot().oldest_overdue_due_date().day(), 15);
  EXPECT_EQ(started.snapshot().missed_installment_count(), 1);
  EXPECT_EQ(started.snapshot().delinquent_since().day(), 19);
  EXPECT_EQ(started.snapshot().product_code(), "CAR_LOAN");
  EXPECT_EQ(started.snapshot().branch_id(), "BR-001");
  EXPECT_EQ(started.snapshot().customer_id(), "cust-A");
  EXPECT_EQ(started.snapshot().business_date().day(), 19);
  EXPECT_EQ(started.previous_bucket().code(), "CURRENT");
  EXPECT_EQ(started.previous_dpd(), 0);
  EXPECT_EQ(started.loan_sequence(), 4);

  // DPD 30 -> 31 on Mar 17 (Feb 2024 has 29 days), after installment 2's
  // notices on Mar 8, 12 and 14.
  day = Close(D(2024, 3, 17));
  ASSERT_THAT(Kinds(day.events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                             dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                             dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON,
                                             dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  const dv1::DelinquencyEvent& crossing = day.events[3].event;
  EXPECT_THAT(Reasons(day.events[3]), ElementsAre(dv1::CHANGE_REASON_BUCKET_CROSSING));
  EXPECT_EQ(crossing.snapshot().dpd(), 31);
  EXPECT_EQ(crossing.snapshot().bucket().code(), "M2");
  EXPECT_EQ(crossing.previous_bucket().code(), "M1");
  EXPECT_EQ(crossing.previous_dpd(), 30);
  EXPECT_EQ(crossing.snapshot().business_date().day(), 17);
  EXPECT_EQ(day.loans_evaluated, 4);

  day = Close(D(2024, 3, 19));
  ASSERT_THAT(Kinds(day.events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  EXPECT_THAT(Reasons(day.events[0]),
              ElementsAre(dv1::CHANGE_REASON_INSTALLMENT_MISSED, dv1::CHANGE_REASON_AMOUNT_CHANGE));
  EXPECT_EQ(day.events[0].event.snapshot().missed_installment_count(), 2);

  // A repayment of everything overdue cures the loan at once.
  ASSERT_OK_AND_ASSIGN(LoanView view, engine_->GetLoan("A"));
  const int64_t overdue = view.snapshot.total_overdue().amount_minor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<EmittedEvent> cured,
      engine_->Apply(Repayment("A", "R1", overdue, D(2024, 3, 19)), "pay-1", kSourceTime));
  ASSERT_THAT(Kinds(cured), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CURED));
  EXPECT_EQ(cured[0].event_id,
            ids::DeriveTimeOrderedId("pay-1", "DELINQUENCY_EVENT_KIND_CURED", kSourceTime));
  EXPECT_EQ(cured[0].event.cause_event_id(), "pay-1");
  EXPECT_EQ(cured[0].event.snapshot().state(), dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(cured[0].event.snapshot().dpd(), 0);
  EXPECT_FALSE(cured[0].event.snapshot().has_delinquent_since());
  EXPECT_EQ(cured[0].event.previous_dpd(), 33);
  EXPECT_EQ(cured[0].event.previous_bucket().code(), "M2");

  ASSERT_OK_AND_ASSIGN(dv1::DelinquencyHistory history, engine_->GetHistory("A"));
  EXPECT_EQ(history.name(), "loans/A/delinquencyHistory");
  ASSERT_EQ(history.bucket_periods_size(), 4);
  EXPECT_EQ(history.bucket_periods(1).bucket().code(), "M1");
  EXPECT_EQ(history.bucket_periods(1).entered_on().day(), 19);
  EXPECT_EQ(history.bucket_periods(2).bucket().code(), "M2");
  EXPECT_EQ(history.bucket_periods(2).entered_on().day(), 17);
  EXPECT_EQ(history.bucket_periods(2).left_on().day(), 19);
  EXPECT_EQ(history.bucket_periods(3).bucket().code(), "CURRENT");
  EXPECT_FALSE(history.bucket_periods(3).has_left_on());
}

TEST_F(EngineTest, PartialPaymentEmitsAmountChange) {
  OpenLoanA();
  Close(D(2024, 2, 20));
  const std::vector<EmittedEvent> events = Apply(Repayment("A", "R1", 50000, D(2024, 2, 20)));
  ASSERT_THAT(Kinds(events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  EXPECT_THAT(Reasons(events[0]), ElementsAre(dv1::CHANGE_REASON_AMOUNT_CHANGE));
  // 500.00 pays two days of penalty (1.00), the interest (50.00) and 449.00
  // principal.
  const dv1::DelinquencySnapshot& s = events[0].event.snapshot();
  EXPECT_EQ(s.overdue_principal().amount_minor(), 100000 - 44900);
  EXPECT_EQ(s.overdue_interest().amount_minor(), 0);
  EXPECT_EQ(s.overdue_penalty().amount_minor(), 0);
  EXPECT_EQ(s.dpd(), 5);
}

TEST_F(EngineTest, BackDatedRepaymentCorrectsThePast) {
  OpenLoanA();
  Close(D(2024, 3, 1));
  const std::vector<EmittedEvent> events = Apply(Repayment("A", "R1", 105000, D(2024, 2, 16)));
  ASSERT_THAT(Kinds(events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CORRECTED));
  const dv1::DelinquencyEvent& e = events[0].event;
  EXPECT_EQ(e.snapshot().state(), dv1::DELINQUENCY_STATE_CURRENT);
  EXPECT_EQ(e.correction().recomputed_from().day(), 19) << "first day whose bucket changed";
  EXPECT_EQ(e.correction().superseded_sequence(), 4);
  EXPECT_EQ(e.loan_sequence(), 5);
  ASSERT_OK_AND_ASSIGN(dv1::DelinquencyHistory history, engine_->GetHistory("A"));
  EXPECT_EQ(history.bucket_periods_size(), 1) << "the M1 episode never happened";
}

TEST_F(EngineTest, BackDatedPartialPaymentWithinTheSameBucketIsAnAmountChange) {
  OpenLoanA();
  Close(D(2024, 3, 1));
  const std::vector<EmittedEvent> events = Apply(Repayment("A", "R1", 20000, D(2024, 2, 25)));
  ASSERT_THAT(Kinds(events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  EXPECT_THAT(Reasons(events[0]), ElementsAre(dv1::CHANGE_REASON_AMOUNT_CHANGE));
}

TEST_F(EngineTest, ReversingTheCuringPaymentRestartsDelinquency) {
  OpenLoanA();
  Close(D(2024, 2, 20));
  EXPECT_THAT(Kinds(Apply(Repayment("A", "R1", 105100, D(2024, 2, 20)))),
              ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CURED));
  EXPECT_THAT(Kinds(Apply(Reversal("A", "V1", "R1"))),
              ElementsAre(dv1::DELINQUENCY_EVENT_KIND_STARTED));
  ASSERT_OK_AND_ASSIGN(dv1::DelinquencySnapshot s, engine_->GetSnapshot("A"));
  EXPECT_EQ(s.overdue_penalty().amount_minor(), 100);
  EXPECT_EQ(s.delinquent_since().day(), 19) << "the episode was never interrupted";
}

TEST_F(EngineTest, FutureDatedRepaymentCuresAtTheClose) {
  OpenLoanA();
  Close(D(2024, 2, 20));
  EXPECT_THAT(Apply(Repayment("A", "R1", 106000, D(2024, 2, 22))), IsEmpty());
  EXPECT_THAT(Close(D(2024, 2, 21)).events, IsEmpty());
  const CloseResult day = Close(D(2024, 2, 22));
  ASSERT_THAT(Kinds(day.events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CURED));
  EXPECT_EQ(day.events[0].event.cause_event_id(), "close/2024-02-22");
}

TEST_F(EngineTest, ChargeOffAndWriteOff) {
  ASSERT_THAT(Apply(Opened("C", "STRICT", D(2024, 1, 1), {Inst(1, D(2024, 1, 31), 100000, 0)})),
              IsEmpty());
  ASSERT_THAT(Apply(Opened("W", "STRICT", D(2024, 1, 1), {Inst(1, D(2024, 1, 31), 100000, 0)})),
              IsEmpty());
  Close(D(2024, 7, 28));
  CloseResult day = Close(D(2024, 7, 29));
  ASSERT_EQ(day.events.size(), 2u);
  EXPECT_EQ(day.events[0].event.kind(), dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF);
  EXPECT_EQ(day.events[0].event.snapshot().state(), dv1::DELINQUENCY_STATE_CHARGED_OFF);
  EXPECT_EQ(day.events[0].event.snapshot().dpd(), 180);
  // Charged-off loans leave the calendar: later closes do not touch them.
  day = Close(D(2024, 12, 31));
  EXPECT_EQ(day.loans_evaluated, 0);
  EXPECT_THAT(day.events, IsEmpty());

  ASSERT_THAT(Apply(Opened("X", "STRICT", D(2024, 11, 1), {Inst(1, D(2024, 12, 1), 100000, 0)})),
              ElementsAre(::testing::Field(
                  &EmittedEvent::event, ::testing::Property(&dv1::DelinquencyEvent::kind,
                                                            dv1::DELINQUENCY_EVENT_KIND_STARTED))));
  EXPECT_THAT(Kinds(Apply(WrittenOff("X", D(2024, 12, 31), 100000))),
              ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF));
}

TEST_F(EngineTest, ClosedLoansEmitClosedThenNothing) {
  OpenLoanA();
  Close(D(2024, 2, 20));
  const std::vector<EmittedEvent> events = Apply(Closed("A", D(2024, 2, 20)));
  ASSERT_THAT(Kinds(events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CLOSED));
  EXPECT_EQ(events[0].event.snapshot().state(), dv1::DELINQUENCY_STATE_CLOSED);
  EXPECT_EQ(events[0].event.snapshot().total_outstanding().amount_minor(), 0);
  EXPECT_THAT(Apply(Repayment("A", "R1", 100, D(2024, 2, 20))), IsEmpty());
  EXPECT_EQ(Close(D(2024, 6, 1)).loans_evaluated, 0);
}

TEST_F(EngineTest, BusinessDatesOnlyMoveForward) {
  OpenLoanA();
  Close(D(2024, 2, 19));
  const CloseResult again = Close(D(2024, 2, 19));
  EXPECT_TRUE(again.already_closed);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_THAT(engine_->CloseBusinessDay(D(2024, 2, 18)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("business_date: 2024-02-18 is before the current business date "
                                 "2024-02-19")));
  EXPECT_EQ(engine_->business_date(), D(2024, 2, 19));
}

TEST_F(EngineTest, CloseCostFollowsTheCalendarNotTheBook) {
  for (int i = 0; i < 500; ++i) {
    Apply(Opened(absl::StrCat("L", i), "STRICT", D(2024, 1, 15),
                 Monthly(D(2024, 3, 1) + i % 10, 12, 1200000, 8000)));
  }
  EXPECT_EQ(Close(D(2024, 2, 20)).loans_evaluated, 0) << "nothing due: nothing evaluated";
  // Notices 3 days before the due dates Mar 1..10: 50 loans a day.
  EXPECT_EQ(Close(D(2024, 2, 27)).loans_evaluated, 50);
  const HotIndexStats stats = engine_->hot_index_stats();
  EXPECT_EQ(stats.loans, 500u);
  EXPECT_EQ(stats.entries, 500u) << "one hint per loan (the 50 evaluated got their next one)";
  EXPECT_LE(stats.bytes / stats.loans, 64u);
}

TEST_F(EngineTest, RejectsBadEventsAndParksUnknownLoans) {
  EXPECT_THAT(
      engine_->Apply(Repayment("NOPE", "R1", 100, D(2024, 2, 1)), "e1", kSourceTime),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("loan_id: loan NOPE is not open")));
  OpenLoanA();
  EXPECT_THAT(engine_->Apply(Repayment("A", "R1", -5, D(2024, 2, 1)), "e2", kSourceTime),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.amount.amount_minor: must be positive")));
  EXPECT_THAT(engine_->Apply(Repayment("A", "R1", 5, D(2024, 2, 1)), "", kSourceTime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("source_event_id")));
  loan::v1::LoanEvent conflicting =
      Opened("A", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 4, 300000, 5000));
  EXPECT_THAT(engine_->Apply(conflicting, "e3", kSourceTime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already open")));
  EXPECT_THAT(
      Apply(Opened("A", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000))),
      IsEmpty())
      << "a redelivered opening is a no-op";
  Close(D(2024, 2, 20));
  EXPECT_THAT(Kinds(Apply(Repayment("A", "R1", 1000, D(2024, 2, 20)))),
              ElementsAre(dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  EXPECT_THAT(Apply(Repayment("A", "R1", 1000, D(2024, 2, 20))), IsEmpty()) << "duplicate";
  EXPECT_THAT(engine_->GetLoan("NOPE"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(engine_->GetLoan("A", D(2024, 2, 21)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("as_of: 2024-02-21")));
  ASSERT_OK_AND_ASSIGN(LoanView earlier, engine_->GetLoan("A", D(2024, 2, 19)));
  EXPECT_EQ(earlier.snapshot.business_date().day(), 19);
  EXPECT_EQ(earlier.snapshot.overdue_interest().amount_minor(), 5000)
      << "the repayment is valued Feb 20";
  ASSERT_OK_AND_ASSIGN(LoanView now, engine_->GetLoan("A"));
  EXPECT_EQ(now.snapshot.overdue_interest().amount_minor(), 5000 - 900);
  ASSERT_EQ(earlier.installments.size(), 3u);
  EXPECT_TRUE(earlier.installments[0].overdue());
}

TEST_F(EngineTest, LoanOpenedAlreadyDelinquentStartsAtOnce) {
  Close(D(2024, 3, 1));
  const std::vector<EmittedEvent> events =
      Apply(Opened("B", "CAR_LOAN", D(2024, 1, 15), Monthly(D(2024, 2, 15), 3, 300000, 5000)));
  ASSERT_THAT(Kinds(events), ElementsAre(dv1::DELINQUENCY_EVENT_KIND_STARTED));
  EXPECT_EQ(events[0].event.snapshot().dpd(), 15);
  EXPECT_FALSE(events[0].event.has_previous_bucket());
  EXPECT_EQ(events[0].event.snapshot().delinquent_since().day(), 19);
}

TEST_F(EngineTest, RestartRebuildsTheCalendarAndReplaysIdentically) {
  // Two identical runs, one restarted half way, give identical events.
  auto run = [&](bool restart) {
    InMemoryLoanStore store;
    std::vector<EmittedEvent> all;
    auto engine = *DelinquencyEngine::Create({products_, &store, &clock_, D(2024, 1, 15)});
    for (int i = 0; i < 20; ++i) {
      auto opened = engine->Apply(Opened(absl::StrCat("L", i), "CAR_LOAN", D(2024, 1, 15),
                                         Monthly(D(2024, 2, 1) + i, 6, 600000, 3000)),
                                  absl::StrCat("open-", i), kSourceTime);
      EXPECT_OK(opened.status());
    }
    for (D day = D(2024, 1, 16); day <= D(2024, 5, 1); ++day) {
      if (restart && day == D(2024, 3, 1)) {
        engine = *DelinquencyEngine::Create({products_, &store, &clock_, D(2000, 1, 1)});
        EXPECT_EQ(engine->business_date(), D(2024, 2, 29));
      }
      absl::StatusOr<CloseResult> closed = engine->CloseBusinessDay(day);
      EXPECT_OK(closed.status());
      for (EmittedEvent& e : closed->events) {
        all.push_back(std::move(e));
      }
    }
    return all;
  };
  const std::vector<EmittedEvent> straight = run(false);
  const std::vector<EmittedEvent> restarted = run(true);
  ASSERT_EQ(straight.size(), restarted.size());
  ASSERT_GT(straight.size(), 100u);
  for (size_t i = 0; i < straight.size(); ++i) {
    EXPECT_EQ(straight[i].event_id, restarted[i].event_id);
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(straight[i].event, restarted[i].event));
  }
}

// The same book closed twice, collecting and streaming: the sink sees the
// same events in the same order. Both are built in the close's scratch
// memory, reused from one event to the next: no field may be left over from
// the previous event (checked here on the fields that differ by kind and
// sequence; the property test checks every field against the reference).
TEST_F(EngineTest, StreamingCloseHandsOverTheCollectedEvents) {
  struct Seen {
    std::string event_id;
    absl::Time time;
    std::string bytes;
  };
  auto run = [&](bool stream, int64_t* emitted) {
    InMemoryLoanStore store;
    auto engine = *DelinquencyEngine::Create({products_, &store, &clock_, D(2024, 1, 15)});
    for (int i = 0; i < 12; ++i) {
      // Every third loan never pays: notices, then STARTED and crossings.
      const std::string loan_id = absl::StrCat("L", i);
      EXPECT_OK(engine
                    ->Apply(Opened(loan_id, i % 2 == 0 ? "CAR_LOAN" : "STRICT", D(2024, 1, 15),
                                   Monthly(D(2024, 2, 1) + i, 4, 400000, 3000)),
                            absl::StrCat("open-", i), kSourceTime)
                    .status());
      if (i % 3 != 0) {
        EXPECT_OK(engine
                      ->Apply(Repayment(loan_id, absl::StrCat("R", i), 206000, D(2024, 3, 10)),
                              absl::StrCat("pay-", i), kSourceTime)
                      .status());
      }
    }
    std::vector<Seen> seen;
    for (D day : {D(2024, 1, 31), D(2024, 2, 20), D(2024, 4, 1), D(2024, 9, 1)}) {
      absl::StatusOr<CloseResult> closed;
      if (stream) {
        closed = engine->CloseBusinessDay(day, [&](const EmittedEventRef& e) {
          seen.push_back({std::string(e.event_id), e.time, e.event.SerializeAsString()});
          return absl::OkStatus();
        });
        EXPECT_THAT(closed->events, IsEmpty()) << "a streaming close keeps no events";
      } else {
        closed = engine->CloseBusinessDay(day);
        for (const EmittedEvent& e : closed->events) {
          seen.push_back({e.event_id, e.time, e.event.SerializeAsString()});
        }
        EXPECT_EQ(closed->events_emitted, static_cast<int64_t>(closed->events.size()));
      }
      EXPECT_OK(closed.status());
      *emitted += closed->events_emitted;
    }
    return seen;
  };
  int64_t collected_count = 0;
  int64_t streamed_count = 0;
  const std::vector<Seen> collected = run(false, &collected_count);
  const std::vector<Seen> streamed = run(true, &streamed_count);
  ASSERT_GT(collected.size(), 30u);
  ASSERT_EQ(collected.size(), streamed.size());
  EXPECT_EQ(streamed_count, static_cast<int64_t>(streamed.size()));
  EXPECT_EQ(collected_count, streamed_count);
  std::set<std::string> kinds_seen;
  for (size_t i = 0; i < collected.size(); ++i) {
    EXPECT_EQ(collected[i].event_id, streamed[i].event_id) << i;
    EXPECT_EQ(collected[i].time, streamed[i].time) << i;
    EXPECT_EQ(collected[i].bytes, streamed[i].bytes) << i;
    dv1::DelinquencyEvent event;
    ASSERT_TRUE(event.ParseFromString(streamed[i].bytes));
    kinds_seen.insert(dv1::DelinquencyEventKind_Name(event.kind()));
    EXPECT_EQ(event.has_installment_due_soon(),
              event.kind() == dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON)
        << i;
    EXPECT_EQ(event.has_previous_bucket(), event.loan_sequence() > 1) << i;
    if (event.kind() == dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON) {
      EXPECT_THAT(event.change_reasons(), IsEmpty()) << i;
    }
  }
  // Events of several shapes follow one another in the scratch memory.
  EXPECT_THAT(kinds_seen, ::testing::IsSupersetOf({"DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON",
                                                   "DELINQUENCY_EVENT_KIND_STARTED",
                                                   "DELINQUENCY_EVENT_KIND_CHANGED"}));
}

TEST_F(EngineTest, SinkErrorStopsTheClose) {
  OpenLoanA();
  int calls = 0;
  EXPECT_THAT(engine_->CloseBusinessDay(D(2024, 3, 1),
                                        [&](const EmittedEventRef&) {
                                          ++calls;
                                          return absl::UnavailableError("outbox full");
                                        }),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("outbox full")));
  EXPECT_EQ(calls, 1) << "the close stops at the first failed event";
}

}  // namespace
}  // namespace arrears::overdue
