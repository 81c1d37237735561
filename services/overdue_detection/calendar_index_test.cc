#include "services/overdue_detection/calendar_index.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::overdue {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using D = absl::CivilDay;

TEST(CalendarIndexTest, TakesTheLoansHintedForADay) {
  CalendarIndex index;
  index.Add(3, D(2024, 3, 1));
  index.Add(1, D(2024, 3, 1));
  index.Add(2, D(2024, 3, 2));
  EXPECT_EQ(index.entries(), 3u);
  EXPECT_THAT(index.TakeDue(D(2024, 2, 29)), IsEmpty());
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), ElementsAre(1, 3));
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), IsEmpty()) << "a day's list is released";
  EXPECT_EQ(index.entries(), 1u);
  EXPECT_THAT(index.TakeDue(D(2024, 3, 2)), ElementsAre(2));
}

TEST(CalendarIndexTest, ReschedulingKeepsTheOlderHint) {
  // A reschedule may belong to a transaction that rolls back: the hint for
  // the earlier day must survive it (the engine skips it if it is stale).
  CalendarIndex index;
  index.Add(7, D(2024, 3, 1));
  index.Add(7, D(2024, 3, 5));
  index.Add(8, D(2024, 3, 5));
  index.Add(8, D(2024, 3, 1));
  index.Add(8, D(2024, 3, 5));
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), ElementsAre(7, 8));
  EXPECT_THAT(index.TakeDue(D(2024, 3, 5)), ElementsAre(7, 8)) << "each once";
}

TEST(CalendarIndexTest, RepeatedHintsForOneDayCostOneEntry) {
  CalendarIndex index;
  for (int i = 0; i < 10; ++i) index.Add(4, D(2024, 4, 1));
  EXPECT_EQ(index.entries(), 1u);
  EXPECT_EQ(index.handle_slots(), 5u);
}

TEST(CalendarIndexTest, CostsAboutEightBytesPerScheduledLoan) {
  CalendarIndex index;
  constexpr int kLoans = 100'000;
  for (LoanHandle h = 0; h < kLoans; ++h) {
    index.Add(h, D(2024, 1, 1) + h % 60);
  }
  const double per_loan = static_cast<double>(index.MemoryBytes()) / kLoans;
  EXPECT_GE(per_loan, 8.0);
  EXPECT_LE(per_loan, 16.0) << "vector slack included";
}

}  // namespace
}  // namespace arrears::overdue
