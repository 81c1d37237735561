#include "tools/loadgen/loan_event_stream.h"

#include <set>

#include "common/proto_convert/proto_convert.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::loadgen {
namespace {

TEST(LoanEventStreamTest, OpensEveryLoanBeforeRepaying) {
  LoanEventStream stream({.seed = 7, .loans = 10});
  std::set<std::string> opened;
  for (int i = 0; i < 50; ++i) {
    events::Event event = stream.Next();
    loan::v1::LoanEvent payload;
    ASSERT_TRUE(payload.ParseFromString(event.payload));
    EXPECT_EQ(event.key, payload.loan_id());
    EXPECT_EQ(event.envelope.type, "arrears.loan.v1.LoanEvent");
    EXPECT_EQ(event.topic, "arrears.loan.events.v1");
    if (payload.has_loan_opened()) {
      EXPECT_LT(i, 10);
      opened.insert(payload.loan_id());
    } else {
      ASSERT_TRUE(payload.has_repayment_posted());
      EXPECT_TRUE(opened.count(payload.loan_id())) << payload.loan_id();
      EXPECT_GT(payload.repayment_posted().amount().amount_minor(), 0);
    }
  }
  EXPECT_EQ(opened.size(), 10u);
}

TEST(LoanEventStreamTest, ScheduleSumsToPrincipalWithIncreasingDueDates) {
  LoanEventStream stream({.seed = 3, .loans = 30});
  for (int i = 0; i < 30; ++i) {
    loan::v1::LoanEvent payload;
    ASSERT_TRUE(payload.ParseFromString(stream.Next().payload));
    const loan::v1::LoanOpened& opened = payload.loan_opened();
    int64_t sum = 0;
    absl::CivilDay previous = absl::CivilDay(1970, 1, 1);
    for (const loan::v1::Installment& installment : opened.installments()) {
      sum += installment.principal().amount_minor();
      absl::StatusOr<absl::CivilDay> due = CivilDayFromProto(installment.due_date(), "due_date");
      ASSERT_TRUE(due.ok());
      EXPECT_GT(*due, previous);
      previous = *due;
    }
    EXPECT_EQ(sum, opened.principal().amount_minor()) << payload.loan_id();
  }
}

TEST(LoanEventStreamTest, SameSeedSameEvents) {
  LoanEventStream a({.seed = 11, .loans = 5});
  LoanEventStream b({.seed = 11, .loans = 5});
  for (int i = 0; i < 20; ++i) {
    events::Event ea = a.Next();
    EXPECT_EQ(ea, b.Next());
    EXPECT_EQ(ea.envelope.id, LoanEventStream::EventId({.seed = 11, .loans = 5}, i));
  }
  EXPECT_NE(LoanEventStream::EventId({.seed = 11}, 0), LoanEventStream::EventId({.seed = 12}, 0));
  EXPECT_LT(LoanEventStream::EventId({.seed = 11}, 1), LoanEventStream::EventId({.seed = 11}, 2))
      << "ids are time-ordered";
}

}  // namespace
}  // namespace arrears::loadgen
